// A document's annotations as the viewer holds them, with undo and redo. Every change
// goes through the app core at once (saved in SQLite with its outbox entry); undo is
// itself a change (a deletion undoes a creation, the old content undoes an edit), so it
// reaches the server and the leader's other devices like any other.
import { api, errorOf, type UiError } from "./api";
import type { Annotation } from "./bindings/Annotation";
import type { AnnotationDraft } from "./bindings/AnnotationDraft";
import type { LocalAnnotation } from "./bindings/LocalAnnotation";
import { draftOf } from "./annotate";

type Step = { before: Annotation | null; after: Annotation };

export class Marks {
  list = $state.raw<LocalAnnotation[]>([]);
  selected = $state<string | null>(null);
  error = $state<UiError | null>(null);
  canUndo = $state(false);
  canRedo = $state(false);
  #undo: Step[] = [];
  #redo: Step[] = [];

  constructor(readonly documentId: string) {}

  async load() {
    try {
      this.list = await api.documentAnnotations(this.documentId);
    } catch (e) {
      this.error = errorOf(e);
    }
  }

  find(id: string | null): LocalAnnotation | undefined {
    return id ? this.list.find((m) => m.annotation.id === id) : undefined;
  }

  #put(saved: LocalAnnotation) {
    const rest = this.list.filter((m) => m.annotation.id !== saved.annotation.id);
    this.list = saved.annotation.deleted ? rest : [...rest, saved];
    if (saved.annotation.deleted && this.selected === saved.annotation.id) this.selected = null;
  }

  #record(step: Step) {
    this.#undo.push(step);
    this.#redo = [];
    this.#sync();
  }

  #sync() {
    this.canUndo = this.#undo.length > 0;
    this.canRedo = this.#redo.length > 0;
  }

  async #apply(run: () => Promise<LocalAnnotation>): Promise<LocalAnnotation | null> {
    try {
      const saved = await run();
      this.error = null;
      this.#put(saved);
      return saved;
    } catch (e) {
      this.error = errorOf(e);
      return null;
    }
  }

  /** Saves a new or changed annotation; undoable. */
  async save(draft: AnnotationDraft): Promise<LocalAnnotation | null> {
    const before = this.find(draft.id)?.annotation ?? null;
    const saved = await this.#apply(() => api.saveAnnotation(draft));
    if (saved) this.#record({ before, after: saved.annotation });
    return saved;
  }

  /** Marks characters `start..end` of the draft's page; undoable. */
  async markText(draft: AnnotationDraft, handle: number, start: number, end: number) {
    const saved = await this.#apply(() => api.markText(draft, handle, start, end));
    if (saved) this.#record({ before: null, after: saved.annotation });
    return saved;
  }

  async remove(id: string) {
    const m = this.find(id);
    if (m?.mine) await this.save({ ...draftOf(m.annotation), deleted: true });
  }

  async undo() {
    const step = this.#undo.pop();
    if (!step) return;
    const back = step.before ? { ...draftOf(step.before), deleted: false } : { ...draftOf(step.after), deleted: true };
    if (await this.#apply(() => api.saveAnnotation(back))) this.#redo.push(step);
    else this.#undo.push(step);
    this.#sync();
  }

  async redo() {
    const step = this.#redo.pop();
    if (!step) return;
    if (await this.#apply(() => api.saveAnnotation({ ...draftOf(step.after), deleted: step.after.deleted }))) this.#undo.push(step);
    else this.#redo.push(step);
    this.#sync();
  }
}
