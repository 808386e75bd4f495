// Find in the document (as pdf.js keeps its find controller apart): the query, its hits
// and the one shown; the viewer scrolls to it.
import { api, errorOf, type PdfSearchHit } from "../api";
import type { UiCode } from "../bindings/UiCode";

export class FindController {
  open = $state(false);
  query = $state("");
  hits = $state.raw<PdfSearchHit[]>([]);
  index = $state(0);

  constructor(
    private readonly handle: () => number | null,
    private readonly goTo: (page: number) => void,
    private readonly onError: (code: UiCode, message: string) => void,
  ) {}

  /** Looks the query up and shows the first hit. */
  async run() {
    const handle = this.handle();
    if (handle === null || !this.query.trim()) {
      this.hits = [];
      return;
    }
    try {
      this.hits = await api.findInDocument(handle, this.query);
      this.index = 0;
      if (this.hits.length) this.goTo(this.hits[0].page);
    } catch (e) {
      this.hits = [];
      const err = errorOf(e);
      this.onError(err.code, err.message);
    }
  }

  /** The next (1) or previous (-1) hit, round the end. */
  step(d: number) {
    if (!this.hits.length) return;
    this.index = (this.index + d + this.hits.length) % this.hits.length;
    this.goTo(this.hits[this.index].page);
  }

  close() {
    this.open = false;
    this.hits = [];
  }
}
