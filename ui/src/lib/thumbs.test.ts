import { describe, expect, it } from "vitest";
import { THUMB_WIDTH, thumbLayout, thumbRange } from "./thumbs";

const page = (width: number, height: number) => ({ width, height, label: null }) as never;

describe("thumbnail layout", () => {
  it("stacks thumbnails by their pages' shapes", () => {
    const geo = thumbLayout([page(100, 150), page(200, 100), page(100, 150)]);
    const portrait = (THUMB_WIDTH * 150) / 100 + 32;
    const landscape = (THUMB_WIDTH * 100) / 200 + 32;
    expect(geo.heights).toEqual([portrait, landscape, portrait]);
    expect(geo.tops).toEqual([0, portrait + 6, portrait + landscape + 12]);
    expect(geo.height).toBe(2 * portrait + landscape + 12);
  });

  it("has nothing for no pages", () => {
    const geo = thumbLayout([]);
    expect(geo.height).toBe(0);
    expect(thumbRange(geo, 0, 1000)).toEqual([0, -1]);
  });

  it("finds only the thumbnails that reach into the view", () => {
    const geo = thumbLayout(Array.from({ length: 500 }, () => page(100, 150)));
    const step = geo.tops[1];
    expect(thumbRange(geo, 0, 10)).toEqual([0, 0]);
    // A view from the middle of thumbnail 100 to just into 103.
    expect(thumbRange(geo, 100 * step + 5, 103 * step + 1)).toEqual([100, 103]);
    // The gap below a thumbnail belongs to no one: a view starting there begins with the next.
    expect(thumbRange(geo, 100 * step + geo.heights[100] + 1, 101 * step + 1)).toEqual([101, 101]);
    expect(thumbRange(geo, -400, 0)).toEqual([0, -1]);
    expect(thumbRange(geo, geo.height + 10, geo.height + 400)).toEqual([0, -1]);
    expect(thumbRange(geo, 498 * step, geo.height + 400)).toEqual([498, 499]);
  });
});
