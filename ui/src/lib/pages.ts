// Geometry and pixel helpers of the viewer, kept out of the component so they can be
// reasoned about (and tested) on their own.
import type { PageInfo } from "./bindings/PageInfo";
import type { Rect } from "./bindings/Rect";

export const GAP = 12;

/** Top offset (CSS px) of every page at `scale`, plus the total height. */
export function layout(pages: PageInfo[], scale: number): { tops: number[]; height: number } {
  const tops: number[] = [];
  let y = GAP;
  for (const p of pages) {
    tops.push(y);
    y += p.height * scale + GAP;
  }
  return { tops, height: y };
}

/** First and last page index intersecting [top, bottom). */
export function visibleRange(tops: number[], pages: PageInfo[], scale: number, top: number, bottom: number): [number, number] {
  let lo = 0, hi = tops.length - 1, first = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tops[mid] + pages[mid].height * scale < top) lo = mid + 1;
    else { first = mid; hi = mid - 1; }
  }
  let last = first;
  while (last + 1 < tops.length && tops[last + 1] < bottom) last++;
  return [first, last];
}

/** A rectangle in PDF points (origin bottom-left) as CSS box inside its page. */
export function cssBox(r: Rect, page: PageInfo, scale: number) {
  return {
    left: r.left * scale,
    top: (page.height - r.top) * scale,
    width: Math.max(1, (r.right - r.left) * scale),
    height: Math.max(1, (r.top - r.bottom) * scale),
  };
}

/** Draws a `[u32 w][u32 h][RGBA…]` buffer into a canvas; returns the pixel size. */
export function paint(canvas: HTMLCanvasElement, buf: ArrayBuffer): { width: number; height: number } {
  const view = new DataView(buf);
  const width = view.getUint32(0, true);
  const height = view.getUint32(4, true);
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  ctx?.putImageData(new ImageData(new Uint8ClampedArray(buf, 8, width * height * 4), width, height), 0, 0);
  return { width, height };
}
