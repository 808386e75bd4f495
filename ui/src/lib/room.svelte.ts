// The meeting room in session, for every view: the room of the meeting on screen as
// this device has it, the live channel's state, and whether the reader follows the
// presenter. One instance (`room`): the meeting view, its panel and the viewer all read
// it, and a sync refreshes it in place.
//
// The live channel runs in the app's core (`room_live`) while a meeting or one of its
// documents is on screen; each of its syncs re-reads the room from the local store, so
// what shows offline is the room as last synced.
import * as c from "./commands";
import { errorOf, type UiError } from "./api";
import type { LiveEvent } from "./bindings/LiveEvent";
import type { Presentation } from "./bindings/Presentation";
import type { RoomView } from "./bindings/RoomView";

export type Connection = "connecting" | "live" | "down";

class RoomStore {
  meetingId = $state<string | null>(null);
  view = $state.raw<RoomView | null>(null);
  connection = $state<Connection>("connecting");
  /** Followers' viewers go where the presenter goes, until they scroll or zoom by hand. */
  following = $state(true);
  /** Bumps after each sync that brought changes: views re-read their data in place. */
  revision = $state(0);
  error = $state<UiError | null>(null);
  #running = false;
  #presentTimer: ReturnType<typeof setTimeout> | null = null;

  /** Shows `meetingId`'s room and keeps the device live; resolves once the room as
   *  this device has it is read (a view waits for it, so nothing jumps when it shows). */
  watch(meetingId: string): Promise<void> {
    if (!this.#running) void this.#live();
    if (this.meetingId !== meetingId) {
      this.meetingId = meetingId;
      this.view = null;
      this.following = true;
      this.#loaded = this.refresh();
    }
    return this.#loaded;
  }
  #loaded: Promise<void> = Promise.resolve();

  /** Leaves the room (the device polls again as before). */
  stop() {
    this.meetingId = null;
    this.view = null;
    if (this.#running) void c.roomLiveStop().catch(() => undefined);
  }

  async #live() {
    this.#running = true;
    this.connection = "connecting";
    const events = new c.Channel<LiveEvent>();
    events.onmessage = (e) => {
      if (e.event === "connected") this.connection = "live";
      else if (e.event === "disconnected") this.connection = "down";
      else if (e.event === "synced" && e.changes > 0) {
        this.revision++;
        void this.refresh();
      }
    };
    try {
      await c.roomLive(events);
    } catch (e) {
      this.error = errorOf(e);
      this.connection = "down";
    } finally {
      this.#running = false;
    }
  }

  async refresh() {
    const id = this.meetingId;
    if (!id) return;
    try {
      const v = await c.room(id);
      if (this.meetingId === id) this.view = v;
    } catch (e) {
      this.error = errorOf(e);
    }
  }

  /** The presentation of `meetingId`, if this is the room shown and someone presents. */
  presentation(meetingId: string): Presentation | null {
    return this.meetingId === meetingId ? (this.view?.room.state.presentation ?? null) : null;
  }

  get iPresent(): boolean {
    const p = this.view?.room.state.presentation;
    return !!p && p.presenter_id === this.view?.me;
  }

  /** Runs a room action; `false` (with `error` set) when it failed. An unreachable
   *  server also marks the connection down: the panel then says voting needs one. */
  async act<T>(call: () => Promise<T>): Promise<T | null> {
    this.error = null;
    try {
      const out = await call();
      void this.refresh();
      return out;
    } catch (e) {
      const err = errorOf(e);
      if (err.code === "server_unreachable" || err.code === "connection_interrupted") this.connection = "down";
      this.error = err;
      return null;
    }
  }

  /** The presenter's page turns, sent at most every 150 ms while the page settles. */
  present(meetingId: string, documentId: string, page: number) {
    if (this.#presentTimer) clearTimeout(this.#presentTimer);
    this.#presentTimer = setTimeout(() => {
      void this.act(() => c.roomPresent(meetingId, documentId, page));
    }, 150);
  }
}

export const room = new RoomStore();
