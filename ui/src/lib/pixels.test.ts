// The viewer's pixel channel: answers matched to requests whatever their order, errors
// rejected as UiErrors, and IPC whenever the socket is not there or goes away.
import { describe, expect, it } from "vitest";
import { PixelChannel, type RenderArgs, type SocketLike } from "./pixels";

class FakeSocket implements SocketLike {
  binaryType = "blob";
  readyState = 0;
  sent: { id: number; page: number }[] = [];
  onopen: ((e: Event) => unknown) | null = null;
  onclose: ((e: CloseEvent) => unknown) | null = null;
  onerror: ((e: Event) => unknown) | null = null;
  onmessage: ((e: MessageEvent) => unknown) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  opens() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  closes() {
    this.readyState = 3;
    this.onclose?.(new Event("close") as CloseEvent);
  }
  /** The frame for request `id` (one pixel of `value`, width 1, height 1) as the app
   *  sends it: a head, then the 12 bytes in chunks of at most `chunk`. */
  answers(id: number, value: number, chunk = 12) {
    const b = new ArrayBuffer(12);
    const v = new DataView(b);
    v.setUint8(0, value);
    v.setUint32(4, 1, true);
    v.setUint32(8, 1, true);
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify({ id, len: 12 }) }));
    for (let at = 0; at < 12; at += chunk) this.onmessage?.(new MessageEvent("message", { data: b.slice(at, at + chunk) }));
  }
}

const args = (page: number): RenderArgs => ({ handle: 1, page, width: 100, priority: "Visible", view: 1, generation: 1, rows: null });
const tick = () => new Promise((r) => setTimeout(r, 0));
const firstByte = (b: ArrayBuffer) => new Uint8Array(b)[0];

function channel(url: string | null) {
  const sockets: FakeSocket[] = [];
  const viaIpc: number[] = [];
  const c = new PixelChannel(
    async () => url,
    () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    async (a) => {
      viaIpc.push(a.page);
      const b = new ArrayBuffer(12);
      new DataView(b).setUint8(0, 200 + a.page);
      return b;
    },
  );
  return { c, sockets, viaIpc };
}

/** A channel whose socket has opened with page `page` asked through it: `p` its answer. */
async function asked(page: number) {
  const ch = channel("ws://127.0.0.1:1/t");
  const p = ch.c.render(args(page));
  await tick();
  ch.sockets[0].opens();
  await tick();
  return { ...ch, p };
}

describe("PixelChannel", () => {
  it("writes to an open socket in the caller's task, before the caller goes on", async () => {
    const { c, sockets } = await asked(3);
    void c.render(args(4));
    // No await between: the viewer lays out its pages right after asking for the first.
    expect(sockets[0].sent.map((s) => s.page)).toEqual([3, 4]);
  });

  it("matches answers to their requests whatever order they come in", async () => {
    const { c, sockets, viaIpc, p: p3 } = await asked(3);
    const p4 = c.render(args(4));
    await tick();
    expect(sockets[0].sent.map((s) => s.page)).toEqual([3, 4]);
    const [id3, id4] = sockets[0].sent.map((s) => s.id);
    sockets[0].answers(id4, 44, 5);
    sockets[0].answers(id3, 33);
    const b3 = await p3;
    expect(firstByte(b3)).toBe(33);
    expect(new DataView(b3).getUint32(4, true)).toBe(1);
    const b4 = await p4;
    expect(b4.byteLength).toBe(12);
    expect(firstByte(b4)).toBe(44);
    expect(new DataView(b4).getUint32(8, true)).toBe(1);
    expect(viaIpc).toEqual([]);
    expect(sockets.length).toBe(1);
  });

  it("rejects with the app's error", async () => {
    const { c, sockets, p } = await asked(9);
    const id = sockets[0].sent[0].id;
    sockets[0].onmessage?.(new MessageEvent("message", { data: JSON.stringify({ id, error: { code: "damaged_file", message: "Tệp hỏng" } }) }));
    await expect(p).rejects.toEqual({ code: "damaged_file", message: "Tệp hỏng" });
  });

  it("uses IPC when the app offers no socket or refuses it, and stops trying", async () => {
    const none = channel(null);
    expect(firstByte(await none.c.render(args(1)))).toBe(201);
    expect(none.sockets.length).toBe(0);

    const refused = channel("ws://127.0.0.1:1/t");
    const p = refused.c.render(args(2));
    await tick();
    refused.sockets[0].closes(); // never opened
    expect(firstByte(await p)).toBe(202);
    expect(firstByte(await refused.c.render(args(5)))).toBe(205);
    expect(refused.sockets.length).toBe(1);
    expect(refused.viaIpc).toEqual([2, 5]);
  });

  it("asks again through IPC for what a closed socket left unanswered, then reconnects", async () => {
    const { c, sockets, viaIpc, p } = await asked(6);
    sockets[0].closes();
    expect(firstByte(await p)).toBe(206);
    expect(viaIpc).toEqual([6]);
    const q = c.render(args(7));
    await tick();
    expect(sockets.length).toBe(2);
    sockets[1].opens();
    await tick();
    sockets[1].answers(sockets[1].sent[0].id, 77);
    expect(firstByte(await q)).toBe(77);
  });
});

describe("PixelChannel, a socket closing mid-answer", () => {
  it("drops the half answer and asks for the page through IPC", async () => {
    const { c, sockets, viaIpc, p } = await asked(8);
    const id = sockets[0].sent[0].id;
    sockets[0].onmessage?.(new MessageEvent("message", { data: JSON.stringify({ id, len: 12 }) }));
    sockets[0].onmessage?.(new MessageEvent("message", { data: new ArrayBuffer(5) }));
    sockets[0].closes();
    expect(firstByte(await p)).toBe(208);
    expect(viaIpc).toEqual([8]);
  });
});

describe("PixelChannel.prepare", () => {
  it("connects before the first page is asked for", async () => {
    const { c, sockets } = channel("ws://127.0.0.1:1/t");
    c.prepare();
    await tick();
    expect(sockets.length).toBe(1);
    sockets[0].opens();
    const p = c.render(args(1));
    await tick();
    expect(sockets[0].sent.map((s) => s.page)).toEqual([1]);
    sockets[0].answers(sockets[0].sent[0].id, 11);
    expect(firstByte(await p)).toBe(11);
    expect(sockets.length).toBe(1);
  });
});
