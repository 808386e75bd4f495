// Where the thumbnail sidebar (Thumbs.svelte) places each page's thumbnail, so that only
// the ones near its view need to exist.
import type { PageInfo } from "./bindings/PageInfo";

/** A thumbnail's width in CSS pixels. */
export const THUMB_WIDTH = 110;
/** What a thumbnail's button adds to its picture: padding 2 × 4, border 2 × 2, the
 *  gap 2 and the label's line 18 (Thumbs.svelte's styles). */
const FRAME = 2 * 4 + 2 * 2 + 2 + 18;
/** Space between two thumbnails. */
const SPACING = 6;

export type ThumbLayout = { tops: number[]; heights: number[]; height: number };

/** Each thumbnail's top and height, and the list's height, in CSS pixels. */
export function thumbLayout(pages: PageInfo[]): ThumbLayout {
  const tops: number[] = [], heights: number[] = [];
  let y = 0;
  for (const p of pages) {
    const h = (p.width > 0 ? (THUMB_WIDTH * p.height) / p.width : THUMB_WIDTH) + FRAME;
    tops.push(y);
    heights.push(h);
    y += h + SPACING;
  }
  return { tops, heights, height: Math.max(0, y - SPACING) };
}

/** The first and last thumbnail that reach into `[from, to)`; `[0, -1]` for none. */
export function thumbRange(geo: ThumbLayout, from: number, to: number): [number, number] {
  const n = geo.tops.length;
  if (n === 0 || to <= from) return [0, -1];
  // The first whose bottom is below `from` (tops only grow).
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (geo.tops[mid] + geo.heights[mid] <= from) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  let last = first - 1;
  while (last + 1 < n && geo.tops[last + 1] < to) last++;
  return last < first ? [0, -1] : [first, last];
}
