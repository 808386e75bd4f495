// Page pixels over the app's loopback pixel socket (meeting_client::pixel_socket says why:
// WebKitGTK reads an IPC answer 8 KiB at a time; one WebSocket message is ~3× faster).
// Requests and answers match by id; answers come in the order renders finish. Whenever the
// socket is not there — not offered, refused, closed — the same request goes through the
// `render_page` IPC command instead, so nothing the viewer asks for is lost.
import type { Priority } from "./bindings/Priority";
import type { UiError } from "./bindings/UiError";

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
  /** Set once the socket could not be opened at all: IPC from then on. */
  private unusable = false;
  private waiting = new Map<number, Waiting>();
  private nextId = 1;

  constructor(
    private url: () => Promise<string | null>,
    private open: (url: string) => SocketLike,
    private fallback: (args: RenderArgs) => Promise<ArrayBuffer>,
  ) {}

  /** `[RGBA…][u32 id][u32 width][u32 height]` from the socket, `[RGBA…][u32 width][u32 height]`
   *  from IPC: both end with the size, which is all `paint` reads. */
  async render(args: RenderArgs): Promise<ArrayBuffer> {
    const socket = await this.connect();
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
                settle(ws);
              };
              ws.onmessage = (e) => this.receive(e.data);
              ws.onerror = () => {};
              ws.onclose = () => {
                // Never opened: the app refused it (or a CSP did); do not try again.
                if (!opened) this.unusable = true;
                this.socket = null;
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
      let answer: { id: number; error: UiError };
      try {
        answer = JSON.parse(data);
      } catch {
        return;
      }
      const w = this.waiting.get(answer.id);
      if (w) {
        this.waiting.delete(answer.id);
        w.reject(answer.error);
      }
      return;
    }
    if (!(data instanceof ArrayBuffer) || data.byteLength < 12) return;
    const id = new DataView(data, data.byteLength - 12, 4).getUint32(0, true);
    const w = this.waiting.get(id);
    if (w) {
      this.waiting.delete(id);
      w.resolve(data);
    }
  }

  /** The socket closed with answers outstanding: ask for them through IPC. */
  private retryWaiting() {
    const left = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of left) this.fallback(w.args).then(w.resolve, w.reject);
  }
}
