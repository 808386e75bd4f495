// The viewer's render queue (as pdf.js keeps its rendering queue apart from the viewer):
// which canvas shows which page at which width, the requests in flight, the cover's band
// first, and the generation that drops queued renders of pages scrolled past. The viewer
// says what is on screen; this asks the app for pixels and paints them.
import type { Attachment } from "svelte/attachments";
import { api, errorOf } from "../api";
import type { DocInfo } from "../bindings/DocInfo";
import type { Priority } from "../bindings/Priority";
import type { UiCode } from "../bindings/UiCode";
import { paint, pixelHeight, release, visibleRows } from "../pages";

/** What the queue reads from the viewer, at the moment it needs it. */
export type RenderView = {
  info(): DocInfo | null;
  handle(): number | null;
  scroller(): HTMLDivElement | undefined;
  /** The page's canvas width in device pixels at the current zoom. */
  widthOf(page: number): number;
  /** The page's top in the scroller at the current zoom, and its scale. */
  top(page: number): number;
  scale(): number;
  /** Pages that exist in the DOM now. */
  range(): [number, number];
  /** A render failed for a reason other than being overtaken. */
  onError(code: UiCode, message: string): void;
  /** The document's first page (or its band) is on screen. */
  onFirstPaint(): void;
};

export class RenderQueue {
  readonly #canvasOf = new Map<number, HTMLCanvasElement>();
  /** page → pixel width on its canvas */
  readonly #painted = new Map<number, number>();
  readonly #inflight = new Set<string>();
  /** This viewer's renders in the worker's queue (the thumbnails use `view + 1`). */
  readonly view = Math.floor(Math.random() * 1e9);
  /** Bumped by every schedule: queued renders of an older one are dropped. */
  generation = 0;
  // User Timing marks of the way to the first page (bench-reader reads them: where the
  // time between a click and the cover goes).
  #firstPaint = true;
  #bandAsked = false;
  /** Until the cover's band is on screen, the other renders wait: the band is every row
   *  the reader sees, and on two cores the worker drawing the rest of the page competed
   *  with WebKit putting the band on screen (~60 ms from the band's paint to the screen). */
  afterBand: Promise<void> = Promise.resolve();

  constructor(private readonly v: RenderView) {}

  /** Attaches a page's canvas; a page leaving the DOM gives its pixels back at once
   *  rather than whenever the collector runs. */
  canvas(page: number): Attachment<HTMLCanvasElement> {
    return (c) => {
      this.#canvasOf.set(page, c);
      return () => {
        c.width = 0;
        c.height = 0;
        this.#canvasOf.delete(page);
        this.#painted.delete(page);
      };
    };
  }

  /** Every page is drawn again at the next request (the zoom changed). */
  forgetPainted() {
    this.#painted.clear();
  }

  async request(page: number, priority: Priority) {
    const handle = this.v.handle();
    if (!this.v.info() || handle === null) return;
    const width = this.v.widthOf(page);
    const key = `${page}@${width}`;
    if (this.#painted.get(page) === width || this.#inflight.has(key) || !this.#canvasOf.has(page)) return;
    this.#inflight.add(key);
    let cancelled = false;
    try {
      if (this.#firstPaint) performance.mark(`viewer:render-sent ${page}`);
      // Asked for just before the whole page, so the worker draws it first.
      if (this.#firstPaint && priority === "Visible" && !this.#bandAsked) void this.paintBand(page, width);
      const buf = await api.renderPage(handle, page, width, priority, this.view, this.generation);
      const c = this.#canvasOf.get(page);
      if (this.#firstPaint) performance.mark(`viewer:render-received ${page}`);
      if (c && this.v.widthOf(page) === width) {
        paint(c, buf);
        this.#painted.set(page, width);
        this.#firstPainted(page);
      } else release(buf);
    } catch (e) {
      const err = errorOf(e);
      cancelled = err.code === "cancelled";
      if (!cancelled) this.v.onError(err.code, err.message);
    } finally {
      this.#inflight.delete(key);
    }
    // Only a newer generation cancels: if the page is still wanted, ask again under it.
    const [from, to] = this.v.range();
    if (cancelled && page >= from && page <= to) void this.request(page, priority);
  }

  /** A document's first page: the rows on screen first, about half the pixels of a
   *  fit-width page to render, carry and draw; the whole page, asked for right after,
   *  replaces them (unless it came first: then the band is dropped). */
  async paintBand(page: number, width: number) {
    const info = this.v.info(), handle = this.v.handle(), scroller = this.v.scroller();
    if (!info || handle === null || !scroller || this.#bandAsked) return;
    this.#bandAsked = true;
    const p = info.pages[page];
    const height = pixelHeight(p, width);
    const rows = visibleRows(this.v.top(page), p.height * this.v.scale(), height, scroller.scrollTop, scroller.clientHeight);
    if (!rows) return;
    let buf: ArrayBuffer;
    try {
      performance.mark(`viewer:band-sent ${page}`);
      buf = await api.renderPage(handle, page, width, "Visible", this.view, this.generation, rows);
    } catch {
      return; // the whole page's request says what went wrong, if anything did
    }
    performance.mark(`viewer:band-received ${page}`);
    const c = this.#canvasOf.get(page);
    if (c && this.v.widthOf(page) === width && !this.#painted.has(page)) {
      paint(c, buf, { top: rows[0], height });
      this.#firstPainted(page);
      // Resolved once the frame that shows the band has been drawn.
      await new Promise<void>((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    } else release(buf);
  }

  #firstPainted(page: number) {
    if (!this.#firstPaint) return;
    this.#firstPaint = false;
    performance.mark(`viewer:first-paint ${page}`);
    this.v.onFirstPaint();
  }
}
