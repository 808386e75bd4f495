// The Prepare workspace's state for one meeting. Views read it; a refresh (after each
// change, and after background syncs) replaces the data *in place*: editors keep their
// own half-typed text, keyed by the item's id, so nothing typed is lost.
import * as c from "./commands";
import { errorOf, type UiError } from "./api";
import type { AgendaItem } from "./bindings/AgendaItem";
import type { AgendaItemInput } from "./bindings/AgendaItemInput";
import type { Conversion } from "./bindings/Conversion";
import type { Document } from "./bindings/Document";
import type { Meeting } from "./bindings/Meeting";
import type { MeetingInput } from "./bindings/MeetingInput";
import type { PrepareView } from "./bindings/PrepareView";
import type { Uploaded } from "./bindings/Uploaded";

/** An agenda item being edited: its fields as typed (time "HH:MM" or empty; minutes as typed). */
export type ItemDraft = { title: string; presenter: string; time: string; minutes: string };

/** The input the server takes for a draft (empty time and minutes clear them). */
export function itemInput(d: ItemDraft): AgendaItemInput {
  const minutes = Number.parseInt(d.minutes, 10);
  return { title: d.title, presenter: d.presenter, planned_time: d.time, duration_minutes: Number.isFinite(minutes) ? minutes : 0 };
}

/** An upload in flight, shown under its item until it is a document. */
export type Pending = { key: string; name: string; item: string | null; state: "uploading" | Conversion["state"] };

export class PrepareMeeting {
  view = $state.raw<PrepareView | null>(null);
  error = $state<UiError | null>(null);
  pending = $state<Pending[]>([]);
  /** Half-typed edits, by item id: survive refreshes. */
  drafts = $state<Record<string, ItemDraft>>({});

  constructor(readonly id: string) {}

  async refresh() {
    try {
      this.view = await c.prepareView(this.id);
      this.error = null;
    } catch (e) {
      this.error = errorOf(e);
    }
  }

  /** Changes on their way to the server (the view says "saving" meanwhile). */
  busy = $state(0);

  async #run<T>(f: () => Promise<T>): Promise<T | null> {
    this.busy++;
    try {
      const r = await f();
      await this.refresh();
      return r;
    } catch (e) {
      this.error = errorOf(e);
      return null;
    } finally {
      this.busy--;
    }
  }

  addItem(input: AgendaItemInput) {
    return this.#run(() => c.prepareAddItem(this.id, input));
  }
  updateItem(item: string, input: AgendaItemInput) {
    return this.#run(() => c.prepareUpdateItem(item, input));
  }
  deleteItem(item: string) {
    return this.#run(() => c.prepareDeleteItem(item));
  }
  /** Moves an item by `by` places (keyboard, buttons, drag). */
  async move(item: string, by: number) {
    const ids = (this.view?.detail.agenda ?? []).map((i) => i.id);
    const at = ids.indexOf(item);
    const to = Math.max(0, Math.min(ids.length - 1, at + by));
    if (at < 0 || to === at) return;
    ids.splice(to, 0, ...ids.splice(at, 1));
    // Shown at once; the server's answer confirms (or the refresh puts it back).
    if (this.view) {
      const byId = new Map(this.view.detail.agenda.map((i) => [i.id, i]));
      const agenda = ids.map((id, n) => ({ ...byId.get(id)!, position: n + 1 }));
      this.view = { ...this.view, detail: { ...this.view.detail, agenda } };
    }
    await this.#run(() => c.prepareReorder(this.id, ids));
  }
  /** Moves a document by `by` places among its item's documents (keyboard, buttons). */
  async moveDocument(document: string, by: number) {
    const docs = this.view?.detail.documents ?? [];
    const item = docs.find((d) => d.id === document)?.agenda_item_id ?? null;
    const ids = docs.filter((d) => d.agenda_item_id === item).map((d) => d.id);
    const at = ids.indexOf(document);
    const to = Math.max(0, Math.min(ids.length - 1, at + by));
    if (at < 0 || to === at) return;
    ids.splice(to, 0, ...ids.splice(at, 1));
    if (this.view) {
      // Shown at once; the server's answer confirms (or the refresh puts it back).
      const place = new Map(ids.map((id, n) => [id, n]));
      const documents = [...docs].sort((a, b) => (place.get(a.id) ?? -1) - (place.get(b.id) ?? -1));
      this.view = { ...this.view, detail: { ...this.view.detail, documents } };
    }
    await this.#run(() => c.prepareReorderDocuments(this.id, item, ids));
  }
  /** Changes the meeting's own fields (null keeps one). */
  updateMeeting(input: MeetingInput) {
    return this.#run(() => c.prepareUpdate(this.id, input));
  }
  /** Office files of an item (none: outside the agenda) still on their way to PDF, or
   *  failed and not replaced by a later upload of the same file. */
  conversionsOf(item: string | null): Conversion[] {
    const all = this.view?.conversions ?? [];
    return all.filter((c) => c.agenda_item_id === item && c.state !== "ready"
      && !(c.state === "failed" && all.some((o) => o.filename === c.filename && o.state === "ready"))
      && !this.pending.some((p) => p.name === c.filename));
  }
  setStatus(action: "publish" | "unpublish" | "cancel", reason: string | null = null) {
    return this.#run(() => c.prepareStatus(this.id, action, reason));
  }
  participant(user: string, role: "chair" | "member" | "organizer" | null) {
    return this.#run(() => c.prepareParticipant(this.id, user, role));
  }

  /** Shows an upload under its item while `send` runs (fed its conversion states). */
  async #track(name: string, item: string | null, send: (onState: (c: Conversion) => void) => Promise<unknown>) {
    const key = `${Date.now()}-${Math.random()}`;
    this.pending = [...this.pending, { key, name, item, state: "uploading" }];
    const onState = (c: Conversion) => (this.pending = this.pending.map((p) => (p.key === key ? { ...p, state: c.state } : p)));
    let failure: UiError | null = null;
    try {
      await send(onState);
    } catch (e) {
      failure = errorOf(e);
    }
    this.pending = this.pending.filter((p) => p.key !== key);
    await this.refresh();
    // After the refresh, which clears the error of an earlier failed read.
    if (failure) this.error = failure;
  }

  /** Uploads a file from disk (a dropped path) into an item, or as a new version of
   *  `replace`, following its conversion. */
  uploadPath(path: string, item: string | null, replace: string | null = null) {
    return this.#track(path.split(/[\\/]/).pop() ?? path, item, (onState) => {
      const progress = new c.Channel<Conversion>();
      progress.onmessage = onState;
      return c.prepareUpload(this.id, path, item, replace, progress);
    });
  }

  /** Uploads a picked file (its bytes: a file picker gives no path). */
  uploadFile(file: File, item: string | null, replace: string | null = null) {
    return this.#track(file.name, item, async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      return c.prepareUploadBytes(bytes, {
        "x-meeting": this.id,
        "x-item": item ?? "",
        "x-replace": replace ?? "",
        "x-filename": encodeURIComponent(file.name),
      });
    });
  }

  /** The document's item, for showing a new version's progress where it will land. */
  itemOf(document: string): string | null {
    return this.view?.detail.documents.find((d) => d.id === document)?.agenda_item_id ?? null;
  }
  setConfidential(document: string, confidential: boolean) {
    return this.#run(() => c.prepareUpdateDocument(document, { title: null, agenda_item_id: null, detach: false, confidential, watermark: null, offline_copy: null }));
  }
  /** Turns the viewer's-name watermark on or off for one document (confidential ones keep it). */
  setWatermark(document: string, watermark: boolean) {
    return this.#run(() => c.prepareUpdateDocument(document, { title: null, agenda_item_id: null, detach: false, confidential: null, watermark, offline_copy: null }));
  }
  /** Allows or forbids devices an offline copy of one document ("chỉ xem trực tuyến"). */
  setOfflineCopy(document: string, offline_copy: boolean) {
    return this.#run(() => c.prepareUpdateDocument(document, { title: null, agenda_item_id: null, detach: false, confidential: null, watermark: null, offline_copy }));
  }
  deleteDocument(document: string) {
    return this.#run(() => c.prepareDeleteDocument(document));
  }
}
