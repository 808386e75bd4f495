// From the web view's text selection (made in the text layer with the select tool) back
// to the page characters pdfium reported, so a selection can become a text mark exactly
// as a highlighter drag does: the device computes quads and anchor from the same range.
import type { TextRun } from "./pages";

/** A range of one page's characters; `end` is exclusive. */
export type CharRange = { page: number; start: number; end: number };

/**
 * The page characters the current selection covers inside `root`, one range per page
 * in page order. `runsOf(page)` must give the runs the page's text layer was drawn from
 * (its spans carry `data-run`, their pages `data-page`). Empty when nothing is selected
 * there.
 */
export function selectedChars(root: HTMLElement, runsOf: (page: number) => TextRun[]): CharRange[] {
  const sel = window.getSelection();
  if (!sel || sel.isCollapsed || !sel.rangeCount) return [];
  const range = sel.getRangeAt(0);
  const byPage = new Map<number, CharRange>();
  for (const span of root.querySelectorAll<HTMLElement>(".textlayer span[data-run]")) {
    if (!range.intersectsNode(span)) continue;
    const page = Number(span.closest<HTMLElement>("[data-page]")?.dataset.page);
    const run = runsOf(page)[Number(span.dataset.run)];
    // The span must still show this run: a text layer redrawn since would mislead.
    if (!run || run.text !== span.textContent) continue;
    const [from, to] = [edge(range.startContainer, range.startOffset, span, 0), edge(range.endContainer, range.endOffset, span, run.at.length)];
    if (to <= from) continue;
    const start = run.at[from], end = run.at[to - 1] + 1;
    const had = byPage.get(page);
    byPage.set(page, had ? { page, start: Math.min(had.start, start), end: Math.max(had.end, end) } : { page, start, end });
  }
  return [...byPage.values()].sort((a, b) => a.page - b.page);
}

/** Where a range boundary falls in a span's text: its offset when the boundary is in
 *  the span (in its text node, or between the span's children), else `otherwise`. */
function edge(node: Node, offset: number, span: HTMLElement, otherwise: number): number {
  const len = span.textContent?.length ?? 0;
  if (node === span.firstChild) return Math.min(offset, len);
  if (node === span) return offset > 0 ? len : 0;
  return otherwise;
}

/** Where the floating bar goes: centred above the selection, or below it when the top
 *  of the view is in the way, and never past the view's sides. */
export function barPlace(sel: DOMRect, view: DOMRect, barWidth = 300, barHeight = 40): { x: number; y: number } {
  const x = Math.min(Math.max(sel.left + sel.width / 2 - barWidth / 2, view.left + 4), view.right - barWidth - 4);
  const above = sel.top - barHeight - 6;
  return { x, y: above >= view.top ? above : Math.min(sel.bottom + 6, view.bottom - barHeight) };
}
