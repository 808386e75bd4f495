// A meeting's hot folder as the Prepare workspace shows it. The watcher runs in the
// app's core (it keeps going while the secretary is elsewhere); this only asks how it
// is doing, every second or so while the meeting is open, and tells the meeting to
// re-read itself when the watcher changed something.
import * as c from "./commands";
import { errorOf, type UiError } from "./api";
import type { DeletionChoice } from "./bindings/DeletionChoice";
import type { HotFolderStatus } from "./bindings/HotFolderStatus";

export class HotFolder {
  status = $state.raw<HotFolderStatus | null>(null);
  error = $state<UiError | null>(null);
  #seq = -1;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(readonly meeting: string, readonly onChanged: () => void) {}

  /** Polls until `stop`; cheap (the status is local). */
  start(everyMs = 1000) {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), everyMs);
  }
  stop() {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #take(s: HotFolderStatus) {
    // The first answer only sets the mark; later growth means the watcher did something.
    if (this.#seq >= 0 && s.seq !== this.#seq) this.onChanged();
    this.#seq = s.seq;
    this.status = s;
  }

  async refresh() {
    try {
      this.#take(await c.hotFolderStatus(this.meeting));
    } catch (e) {
      this.error = errorOf(e);
    }
  }

  async #run(f: () => Promise<HotFolderStatus>) {
    try {
      this.#take(await f());
      this.error = null;
      return true;
    } catch (e) {
      this.error = errorOf(e);
      return false;
    }
  }

  link(dir: string, poll: boolean) {
    return this.#run(() => c.hotFolderLink(this.meeting, dir, poll));
  }
  stopWatching() {
    return this.#run(() => c.hotFolderStop(this.meeting));
  }
  /** Removes (or keeps) the documents of files gone from the folder; none: all of them. */
  async settle(paths: string[] | null, choice: DeletionChoice) {
    const ok = await this.#run(() => c.hotFolderSettle(this.meeting, paths, choice));
    if (ok) this.onChanged();
    return ok;
  }
}
