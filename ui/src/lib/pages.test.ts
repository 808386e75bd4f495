// Pure geometry and text-layer logic of the viewer, without a web view. (Behaviour in
// the real window is the desktop E2E's: tests/tests/e2e/desktop*.rs.)
import { describe, expect, it } from "vitest";
import { pdfPoint } from "./annotate";
import type { PageInfo } from "./bindings/PageInfo";
import { coverRequest, cssBox, cssPoint, fitScale, layout, textRuns, visibleRange, visibleRows } from "./pages";

const box = (left: number, bottom: number, right: number, top: number) => ({ left, bottom, right, top });
/** Characters of one line at height y, 6 pt wide each; " " gets no box (as pdfium infers spaces). */
function line(text: string, x: number, y: number) {
  return [...text].map((ch, k) => ({ ch, rect: ch === " " ? box(0, 0, 0, 0) : box(x + 6 * k, y, x + 6 * k + 5, y + 10) }));
}

describe("textRuns", () => {
  it("makes one run per line, boxless spaces inside, and maps each code unit to its character", () => {
    const chars = [...line("Đồng chí", 50, 700), { ch: "\r", rect: box(0, 0, 0, 0) }, { ch: "\n", rect: box(0, 0, 0, 0) }, ...line("𝐀 b", 50, 680)];
    const runs = textRuns(chars);
    expect(runs.map((r) => r.text)).toEqual(["Đồng chí", "𝐀 b"]);
    expect(runs[0].at).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // "𝐀" is two UTF-16 code units of one character (index 10): a DOM offset of 1 or 2
    // inside the span lands on the right page characters either way.
    expect(runs[1].text.length).toBe(4);
    expect(runs[1].at).toEqual([10, 10, 11, 12]);
    expect(runs.every((r) => r.eol)).toBe(true);
  });

  it("splits a line at a wide gap (a table column) without ending the line", () => {
    const chars = [...line("Mục", 50, 700), ...line("98,6%", 300, 700)];
    const runs = textRuns(chars);
    expect(runs.map((r) => [r.text, r.eol])).toEqual([["Mục", false], ["98,6%", true]]);
    expect(runs[1].at[0]).toBe(3);
  });
});

describe("page geometry", () => {
  const portrait: PageInfo = { width: 600, height: 800, rotation: 0, label: null };
  const turned: PageInfo = { width: 800, height: 600, rotation: 90, label: null };

  it("maps PDF points to CSS pixels and back at every rotation", () => {
    for (const [page, rotation] of [[portrait, 0], [turned, 90], [portrait, 180], [turned, 270]] as const) {
      for (const [x, y] of [[0, 0], [100, 700], [599, 1], [321.5, 42.25]]) {
        const [px, py] = cssPoint(x, y, page, 1.5, rotation);
        expect(px).toBeGreaterThanOrEqual(0);
        expect(px).toBeLessThanOrEqual(page.width * 1.5);
        expect(py).toBeLessThanOrEqual(page.height * 1.5);
        const back = pdfPoint(px, py, page, 1.5, rotation);
        expect(back.x).toBeCloseTo(x, 6);
        expect(back.y).toBeCloseTo(y, 6);
      }
    }
  });

  it("puts the top of an unrotated page at the top of the box", () => {
    expect(cssBox(box(100, 700, 200, 780), portrait, 2)).toEqual({ left: 200, top: 40, width: 200, height: 160 });
  });

  it("stacks pages with gaps and finds the visible ones", () => {
    const pages = [portrait, portrait, portrait];
    const { tops, height } = layout(pages, 0.5);
    expect(tops).toEqual([12, 424, 836]);
    expect(height).toBe(1248);
    expect(visibleRange(tops, pages, 0.5, 0, 400)).toEqual([0, 0]);
    expect(visibleRange(tops, pages, 0.5, 500, 900)).toEqual([1, 2]);
  });
});

describe("visibleRows", () => {
  // A page 1000 CSS px tall drawn 2000 pixels tall, its top 10 px into the scroller.
  it("gives the pixel rows on screen, rounded outwards", () => {
    expect(visibleRows(10, 1000, 2000, 0, 400.5)).toEqual([0, 781]);
    expect(visibleRows(10, 1000, 2000, 300.25, 200)).toEqual([580, 401]);
  });
  it("gives nothing when most of the page is on screen or none of it", () => {
    expect(visibleRows(10, 1000, 2000, 0, 900)).toBeNull();
    expect(visibleRows(10, 1000, 2000, 2000, 500)).toBeNull();
    expect(visibleRows(10, 0, 0, 0, 500)).toBeNull();
  });
  it("stops at the page's last row", () => {
    expect(visibleRows(10, 1000, 2000, 800, 900)).toEqual([1580, 420]);
  });
});

describe("coverRequest", () => {
  // freeculture.pdf's cover is 486 × 720 pt; its widest page is the cover.
  const shape = { width: 486, height: 720, widest: 486 };

  it("asks for what the viewer's first band asks for, at the same width", () => {
    const viewport = { width: 1103, height: 770 };
    const { width, rows } = coverRequest(shape, viewport, 1);
    // The viewer: fit width over the widest page, the first page's rows on screen.
    const scale = fitScale(viewport.width, shape.widest);
    const pages: PageInfo[] = [{ width: 486, height: 720, rotation: 0, label: null }];
    const top = layout(pages, scale).tops[0];
    const px = Math.round(486 * scale);
    const pixelHeight = Math.round((720 * px) / 486);
    expect(width).toBe(px);
    expect(rows).toEqual(visibleRows(top, 720 * scale, pixelHeight, 0, viewport.height));
    expect(rows?.[0]).toBe(0);
  });

  it("draws ahead at least the rows of a viewer a toolbar shorter than the bound", () => {
    const ahead = coverRequest(shape, { width: 1103, height: 802 }, 1).rows!;
    const viewer = coverRequest(shape, { width: 1103, height: 760 }, 1).rows!;
    expect(ahead[0]).toBeLessThanOrEqual(viewer[0]);
    expect(ahead[0] + ahead[1]).toBeGreaterThanOrEqual(viewer[0] + viewer[1]);
  });

  it("asks for the whole page when most of it is on screen, and scales with the device's pixels", () => {
    expect(coverRequest(shape, { width: 600, height: 900 }, 1).rows).toBeNull();
    const hiDpi = coverRequest(shape, { width: 1103, height: 770 }, 2);
    expect(hiDpi.width).toBe(Math.round(486 * fitScale(1103, 486) * 2));
  });
});
