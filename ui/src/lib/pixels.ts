// Page pixels over the app's loopback pixel socket (meeting_client::pixel_socket says why:
// WebKitGTK reads an IPC answer 8 KiB at a time; WebSocket messages are ~3× faster).
// An answer is a text head `{id, len}` then `len` bytes of frame in binary chunks (or a
// text `{id, error}`); answers come in the order renders finish, never interleaved.
// Whenever the socket is not there — not offered, refused, closed — the same request
// goes through the `render_page` IPC command instead, so nothing the viewer asks is lost.
import type { Priority } from "./bindings/Priority";
import type { UiError } from "./bindings/UiError";
import { release } from "./pages";

export type RenderArgs = {
  handle: number;
  page: number;
  width: number;
  priority: Priority;
  view: number;
  generation: number;
  rows: [number, number] | null;
};

/** The part of a WebSocket this uses (a test hands in its own). */
export interface SocketLike {
  binaryType: string;
  readyState: number;
  send(data: string): void;
  onopen: ((e: Event) => unknown) | null;
  onclose: ((e: CloseEvent) => unknown) | null;
  onerror: ((e: Event) => unknown) | null;
  onmessage: ((e: MessageEvent) => unknown) | null;
}

const OPEN = 1;

type Waiting = { args: RenderArgs; resolve: (b: ArrayBuffer) => void; reject: (e: unknown) => void };

export class PixelChannel {
  private socket: Promise<SocketLike | null> | null = null;
  /** The socket once it has opened, until it closes. */
  private live: SocketLike | null = null;
  /** Set once the socket could not be opened at all: IPC from then on. */
  private unusable = false;
  private waiting = new Map<number, Waiting>();
  private nextId = 1;
  /** The answer whose chunks are arriving. */
  private filling: { id: number; bytes: Uint8Array; at: number } | null = null;

  constructor(
    private url: () => Promise<string | null>,
    private open: (url: string) => SocketLike,
    private fallback: (args: RenderArgs) => Promise<ArrayBuffer>,
  ) {}

  /** The frame `[RGBA…][u32 width][u32 height]`, from the socket or from IPC. */
  async render(args: RenderArgs): Promise<ArrayBuffer> {
    // An open socket is written to now, in the caller's task: awaiting even a settled
    // promise put the send after whatever the caller does next. A document's first
    // page asked for right before the viewer lays out its pages reached the app ~18 ms
    // late that way (bench-reader --trace, freeculture.pdf's 352 pages).
    const socket = this.live ?? (await this.connect());
    if (!socket || socket.readyState !== OPEN) return this.fallback(args);
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
    return new Promise<ArrayBuffer>((resolve, reject) => {
      this.waiting.set(id, { args, resolve, reject });
      try {
        socket.send(JSON.stringify({ id, ...args }));
      } catch {
        this.waiting.delete(id);
        this.fallback(args).then(resolve, reject);
      }
    });
  }

  /** Connects ahead of the first page: a connection made on demand cost the first
   *  page of the first document ~40 ms. */
  prepare() {
    void this.connect();
  }

  private connect(): Promise<SocketLike | null> {
    if (this.unusable) return Promise.resolve(null);
    this.socket ??= this.url().then(
      (url) =>
        url === null
          ? ((this.unusable = true), null)
          : new Promise<SocketLike | null>((settle) => {
              let opened = false;
              let ws: SocketLike;
              try {
                ws = this.open(url);
              } catch {
                this.unusable = true;
                settle(null);
                return;
              }
              ws.binaryType = "arraybuffer";
              ws.onopen = () => {
                opened = true;
                this.live = ws;
                settle(ws);
              };
              ws.onmessage = (e) => this.receive(e.data);
              ws.onerror = () => {};
              ws.onclose = () => {
                // Never opened: the app refused it (or a CSP did); do not try again.
                if (!opened) this.unusable = true;
                this.socket = null;
                this.live = null;
                settle(null);
                this.retryWaiting();
              };
            }),
      () => ((this.unusable = true), null),
    );
    return this.socket;
  }

  private receive(data: unknown) {
    if (typeof data === "string") {
      let head: { id: number; len?: number; error?: UiError };
      try {
        head = JSON.parse(data);
      } catch {
        return;
      }
      if (head.error) {
        const w = this.waiting.get(head.id);
        this.waiting.delete(head.id);
        w?.reject(head.error);
      } else if (typeof head.len === "number") {
        this.filling = { id: head.id, bytes: new Uint8Array(head.len), at: 0 };
        this.complete();
      }
      return;
    }
    const f = this.filling;
    if (!f || !(data instanceof ArrayBuffer) || f.at + data.byteLength > f.bytes.length) return;
    f.bytes.set(new Uint8Array(data), f.at);
    f.at += data.byteLength;
    release(data); // the chunk's MiB back now, not at the next collection
    this.complete();
  }

  private complete() {
    const f = this.filling;
    if (!f || f.at < f.bytes.length) return;
    this.filling = null;
    const w = this.waiting.get(f.id);
    this.waiting.delete(f.id);
    w?.resolve(f.bytes.buffer as ArrayBuffer);
  }

  /** The socket closed with answers outstanding: ask for them through IPC. */
  private retryWaiting() {
    this.filling = null;
    const left = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of left) this.fallback(w.args).then(w.resolve, w.reject);
  }
}
