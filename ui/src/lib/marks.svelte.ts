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
  // Changes run one after another, each on the mark as the one before left it: a colour
  // or visibility picked while the words are still being saved must not put back the
  // old words (two saves built from the same stale copy, the later one winning).
  #queue: Promise<unknown> = Promise.resolve();

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

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #saveNow(draft: AnnotationDraft): Promise<LocalAnnotation | null> {
    const before = this.find(draft.id)?.annotation ?? null;
    const saved = await this.#apply(() => api.saveAnnotation(draft));
    if (saved) this.#record({ before, after: saved.annotation });
    return saved;
  }

  /** Saves a new annotation (or a whole draft); undoable. */
  save(draft: AnnotationDraft): Promise<LocalAnnotation | null> {
    return this.#serial(() => this.#saveNow(draft));
  }

  /** Changes some fields of one of my marks, as it stands once earlier changes are saved; undoable. */
  edit(id: string, patch: Partial<AnnotationDraft> | ((a: Annotation) => Partial<AnnotationDraft>)): Promise<LocalAnnotation | null> {
    return this.#serial(async () => {
      const m = this.find(id);
      if (!m?.mine) return null;
      return this.#saveNow({ ...draftOf(m.annotation), ...(typeof patch === "function" ? patch(m.annotation) : patch) });
    });
  }

  /** Marks characters `start..end` of the draft's page; undoable. */
  markText(draft: AnnotationDraft, handle: number, start: number, end: number) {
    return this.#serial(async () => {
      const saved = await this.#apply(() => api.markText(draft, handle, start, end));
      if (saved) this.#record({ before: null, after: saved.annotation });
      return saved;
    });
  }

  remove(id: string) {
    return this.edit(id, { deleted: true });
  }

  undo() {
    return this.#serial(async () => {
      const step = this.#undo.pop();
      if (!step) return;
      const back = step.before ? { ...draftOf(step.before), deleted: false } : { ...draftOf(step.after), deleted: true };
      if (await this.#apply(() => api.saveAnnotation(back))) this.#redo.push(step);
      else this.#undo.push(step);
      this.#sync();
    });
  }

  redo() {
    return this.#serial(async () => {
      const step = this.#redo.pop();
      if (!step) return;
      if (await this.#apply(() => api.saveAnnotation({ ...draftOf(step.after), deleted: step.after.deleted }))) this.#undo.push(step);
      else this.#redo.push(step);
      this.#sync();
    });
  }
}
