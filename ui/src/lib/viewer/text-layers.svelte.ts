// The pages' text and links (the text layer and pdf.js's "link service"): fetched once
// the scroll rests, kept only for pages in the DOM (a text layer holds a box per
// character), and a link followed inside the document or shown when it leads out.
import { api } from "../api";
import type { PageLink, PageText } from "../api";
import { textRuns } from "../pages";

export class TextLayers {
  texts = $state.raw<Record<number, PageText>>({});
  links = $state.raw<Record<number, PageLink[]>>({});
  /** An address outside the document the reader clicked: shown, not opened. */
  notice = $state<string | null>(null);

  constructor(
    private readonly handle: () => number | null,
    private readonly inRange: (page: number) => boolean,
    private readonly goTo: (page: number) => void,
  ) {}

  async load(page: number) {
    const handle = this.handle();
    if (handle === null || this.texts[page]) return;
    try {
      const text = await api.pageText(handle, page);
      if (this.inRange(page)) this.texts = { ...this.texts, [page]: text };
    } catch { /* selection is a bonus */ }
    let found: PageLink[] = [];
    try { found = await api.pageLinks(handle, page); } catch { /* so are links */ }
    if (this.inRange(page)) this.links = { ...this.links, [page]: found };
  }

  /** Drops the layers of pages outside `from..=to`. */
  forget(from: number, to: number) {
    const keep = (o: Record<number, unknown>) => Object.keys(o).every((k) => Number(k) >= from && Number(k) <= to);
    const pick = <T,>(o: Record<number, T>) => Object.fromEntries(Object.entries(o).filter(([k]) => Number(k) >= from && Number(k) <= to));
    if (!keep(this.texts)) this.texts = pick(this.texts);
    if (!keep(this.links)) this.links = pick(this.links);
  }

  /** The page's characters as runs, for selection (none until its text is in). */
  runsOf(page: number) {
    const text = this.texts[page];
    return text ? textRuns(text.chars) : [];
  }

  follow(link: PageLink) {
    // Internal links navigate; addresses outside the document are shown, not opened:
    // whether a confidential meeting's documents may open a browser is the office's call.
    if (link.target.kind === "page") this.goTo(link.target.page);
    else this.notice = link.target.uri;
  }
}
