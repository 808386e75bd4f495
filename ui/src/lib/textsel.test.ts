import { describe, expect, it } from "vitest";
import { barPlace } from "./textsel";

const rect = (left: number, top: number, width: number, height: number) =>
  ({ left, top, width, height, right: left + width, bottom: top + height, x: left, y: top, toJSON: () => ({}) }) as DOMRect;

describe("barPlace", () => {
  const view = rect(0, 100, 1000, 700);

  it("centres the bar above the selection", () => {
    expect(barPlace(rect(400, 400, 200, 20), view, 300, 40)).toEqual({ x: 350, y: 354 });
  });

  it("goes below a selection at the top of the view", () => {
    expect(barPlace(rect(400, 110, 200, 20), view, 300, 40).y).toBe(136);
  });

  it("stays inside the view's sides", () => {
    expect(barPlace(rect(0, 400, 50, 20), view, 300, 40).x).toBe(4);
    expect(barPlace(rect(980, 400, 20, 20), view, 300, 40).x).toBe(696);
  });
});
