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

/** The zoom that fits the widest page (`widest`, points) in a viewport `viewportWidth`
 *  CSS pixels wide: the viewer's "fit width", its zoom when a document opens. */
export function fitScale(viewportWidth: number, widest: number): number {
  return Math.max(0.2, (viewportWidth - 2 * GAP) / widest);
}

/** What a viewer `viewport` big (CSS px) asks for first when it opens a document at fit
 *  width: its first page `width` pixels wide, the rows on screen (`null`: the whole
 *  page). The same arithmetic as `Viewer.svelte`'s first band, so that a cover drawn
 *  ahead with it (`AppCore::prepare_cover`) answers the viewer's request. */
export function coverRequest(
  shape: { width: number; height: number; widest: number },
  viewport: { width: number; height: number },
  dpr: number,
): { width: number; rows: [number, number] | null } {
  const scale = fitScale(viewport.width, shape.widest);
  const width = pixelWidth(shape, scale, dpr);
  return { width, rows: visibleRows(GAP, shape.height * scale, pixelHeight(shape, width), 0, viewport.height) };
}

/** A page's width in canvas pixels at `scale` on a screen of `dpr` device pixels per
 *  CSS pixel: the width the viewer asks the page drawn at. */
export function pixelWidth(page: { width: number }, scale: number, dpr: number): number {
  return Math.round(page.width * scale * dpr);
}

/** A page's height in pixels drawn `width` pixels wide (as the worker sizes it). */
export function pixelHeight(page: { width: number; height: number }, width: number): number {
  return Math.round((page.height * width) / page.width);
}

// The viewer's viewport as last measured, with the window's size then.
let measured: { width: number; height: number; window: [number, number] } | null = null;

/** The viewer says what its viewport measured (see `viewerViewport`). */
export function viewerMeasured(width: number, height: number) {
  measured = { width, height, window: [window.innerWidth, window.innerHeight] };
}

/** The viewport a viewer opened now would have: as last measured in a window of this
 *  size, else worked out from its layout (`Viewer.svelte`: below the 58 px app bar,
 *  right of the 160 px thumbnail column, beside a vertical scrollbar always there).
 *  The height is the larger bound (the viewer's toolbar not taken off): rows drawn
 *  ahead must hold the rows the viewer asks for; the width must be exact. */
export function viewerViewport(): { width: number; height: number } {
  const [w, h] = [window.innerWidth, window.innerHeight];
  if (measured && measured.window[0] === w && measured.window[1] === h) return { width: measured.width, height: measured.height };
  return { width: w - 160 - scrollbarWidth(), height: h - 58 };
}

let scrollbar: number | null = null;
function scrollbarWidth(): number {
  if (scrollbar === null) {
    const probe = document.createElement("div");
    probe.style.cssText = "position:absolute;top:-200px;width:100px;height:100px;overflow-y:scroll";
    document.body.appendChild(probe);
    scrollbar = probe.offsetWidth - probe.clientWidth;
    probe.remove();
  }
  return scrollbar;
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

/**
 * A point of the page's unrotated PDF space (points, origin bottom-left) in CSS pixels
 * over the page as shown: `page` carries the shown size, `rotation` the clockwise turn
 * pdfium applied when rendering (0, 90, 180, 270).
 */
export function cssPoint(x: number, y: number, page: PageInfo, scale: number, rotation = 0): [number, number] {
  const odd = rotation === 90 || rotation === 270;
  const w = odd ? page.height : page.width; // unrotated width
  const h = odd ? page.width : page.height; // unrotated height
  const [px, py] =
    rotation === 90 ? [y, x] : rotation === 180 ? [w - x, y] : rotation === 270 ? [h - y, w - x] : [x, h - y];
  return [px * scale, py * scale];
}

/** A rectangle of the page's unrotated PDF space as a CSS box over the page as shown. */
export function cssBox(r: Rect, page: PageInfo, scale: number, rotation = 0) {
  const [x1, y1] = cssPoint(r.left, r.top, page, scale, rotation);
  const [x2, y2] = cssPoint(r.right, r.bottom, page, scale, rotation);
  return {
    left: Math.min(x1, x2),
    top: Math.min(y1, y2),
    width: Math.max(1, Math.abs(x2 - x1)),
    height: Math.max(1, Math.abs(y2 - y1)),
  };
}

/** Draws a `[RGBA…][u32 w][u32 h]` buffer into a canvas; returns the pixel size. A
 *  `band` of rows goes at its `top` on a canvas the page's whole `height` tall. */
export function paint(canvas: HTMLCanvasElement, buf: ArrayBuffer, band?: { top: number; height: number }): { width: number; height: number } {
  const view = new DataView(buf, buf.byteLength - 8);
  const width = view.getUint32(0, true);
  const height = view.getUint32(4, true);
  canvas.width = width;
  canvas.height = band ? Math.max(band.height, band.top + height) : height;
  const ctx = canvas.getContext("2d");
  ctx?.putImageData(new ImageData(new Uint8ClampedArray(buf, 0, width * height * 4), width, height), 0, band?.top ?? 0);
  release(buf);
  return { width, height };
}

/** The pixel rows `[top, count]` of a page on screen, when they are at most `most` of
 *  it (else null: the whole page costs little more). `pageTop`, `viewTop` and
 *  `viewHeight` are CSS pixels in the scroller; `cssHeight` is the page's CSS height
 *  and `pixelHeight` its height in canvas pixels. */
export function visibleRows(pageTop: number, cssHeight: number, pixelHeight: number, viewTop: number, viewHeight: number, most = 0.7): [number, number] | null {
  const from = Math.max(0, viewTop - pageTop), to = Math.min(cssHeight, viewTop + viewHeight - pageTop);
  if (to <= from || cssHeight <= 0) return null;
  const k = pixelHeight / cssHeight;
  const top = Math.max(0, Math.floor(from * k)), end = Math.min(pixelHeight, Math.ceil(to * k));
  return end - top <= most * pixelHeight ? [top, end - top] : null;
}

/** Gives a page buffer's ~10 MB back now rather than at some later collection
 *  (transferring to a zero-length buffer detaches and frees it). The canvas has its own
 *  copy of the pixels; a page nobody paints is released too. */
export function release(buf: ArrayBuffer) {
  (buf as { transfer?: (length: number) => ArrayBuffer }).transfer?.(0);
}

/** A run of characters laid out on one line: one element of the text layer. `at[k]` is
 *  the page character (index into the page's chars) that code unit `k` of `text` comes
 *  from, so a DOM selection inside the run maps back to the page's characters. */
export type TextRun = { text: string; rect: Rect; eol: boolean; at: number[] };

/**
 * Groups a page's characters into runs (a line, or the part of a line before a wide
 * gap such as a table column), so the text layer holds a few dozen elements per page
 * rather than one per character: thousands of absolutely placed spans per page cost
 * the web process hundreds of MB while scrolling (measured by `bench-memory`).
 * Characters without a box (spaces pdfium infers) join the run they sit in.
 */
export function textRuns(chars: { ch: string; rect: Rect }[]): TextRun[] {
  const runs: TextRun[] = [];
  let cur: TextRun | null = null as TextRun | null;
  let pending = "";
  let pendingAt: number[] = [];
  const units = (ch: string, i: number) => Array.from({ length: ch.length }, () => i);
  const flush = (eol: boolean) => {
    if (cur && cur.text.trim()) runs.push({ ...cur, eol });
    cur = null;
    pending = "";
    pendingAt = [];
  };
  chars.forEach((c, i) => {
    const r = c.rect;
    if (c.ch === "\n" || c.ch === "\r") { flush(true); return; }
    if (!(r.right > r.left)) { if (cur) { pending += c.ch; pendingAt.push(...units(c.ch, i)); } return; }
    if (cur) {
      const h = Math.max(r.top - r.bottom, cur.rect.top - cur.rect.bottom, 1);
      const sameLine = Math.abs(r.bottom - cur.rect.bottom) < h * 0.5 && r.left >= cur.rect.left;
      const gap = r.left - cur.rect.right;
      if (!sameLine || gap > h * 2.5) flush(!sameLine);
    }
    if (!cur) {
      cur = { text: c.ch, rect: { ...r }, eol: false, at: units(c.ch, i) };
    } else {
      cur.text += pending + c.ch;
      cur.at.push(...pendingAt, ...units(c.ch, i));
      cur.rect = {
        left: Math.min(cur.rect.left, r.left),
        right: Math.max(cur.rect.right, r.right),
        bottom: Math.min(cur.rect.bottom, r.bottom),
        top: Math.max(cur.rect.top, r.top),
      };
    }
    pending = "";
    pendingAt = [];
  });
  flush(true);
  return runs;
}

/** The one font size of the text layer (Page.svelte: each run is scaled to its box). */
export const TEXT_PX = 16;

let measurer: CanvasRenderingContext2D | null = null;

/** Natural width of `text` at `px` in the text layer's font, to stretch a run to its box. */
export function textWidth(text: string, px: number): number {
  measurer ??= document.createElement("canvas").getContext("2d");
  if (!measurer) return 0;
  measurer.font = `${px}px sans-serif`;
  return measurer.measureText(text).width;
}
