// One form submission at a time, with its busy state and its error in the user's
// language: shared by the login and the lock screen (and any form that calls the core
// once and shows what went wrong).
import { errorOf, type UiError } from "./api";
import { errorText } from "./i18n.svelte";

export class Submission {
  busy = $state(false);
  error = $state<string | null>(null);
  /** The last failure's code, for forms that branch on it (e.g. `old_password_needed`). */
  code = $state<UiError["code"] | null>(null);

  /** Runs `work` unless one is running; returns its result, or null after showing its error. */
  async run<T>(work: () => Promise<T>): Promise<T | null> {
    if (this.busy) return null;
    this.busy = true;
    this.error = null;
    this.code = null;
    try {
      return await work();
    } catch (err) {
      const { code, message } = errorOf(err);
      this.code = code;
      this.error = errorText(code, message);
      return null;
    } finally {
      this.busy = false;
    }
  }
}
