import { describe, expect, it } from "vitest";
import { bounds, charAt, hits, moved, thin } from "./annotate";
import type { Shape } from "./bindings/Shape";

describe("marks", () => {
  const ink: Shape = { type: "ink", paths: [{ points: [{ x: 10, y: 10 }, { x: 110, y: 10 }] }], width: 4 };

  it("finds a stroke near its line, not beside it", () => {
    expect(hits(ink, { x: 60, y: 12 }, 1)).toBe(true);
    expect(hits(ink, { x: 60, y: 30 }, 1)).toBe(false);
  });

  it("moves strokes and notes, never text marks (they stay on their words)", () => {
    expect(bounds(moved(ink, 5, -5))).toEqual({ left: 13, bottom: 3, right: 117, top: 7 });
    const hl: Shape = { type: "highlight", quads: [] };
    expect(moved(hl, 5, 5)).toBe(hl);
  });

  it("thins a dense pen stroke but keeps its ends", () => {
    const dense = Array.from({ length: 101 }, (_, i) => ({ x: i * 0.1, y: 0 }));
    const out = thin(dense, 1);
    expect(out.length).toBe(11);
    expect(out[0]).toBe(dense[0]);
    expect(out[out.length - 1]).toBe(dense[100]);
  });

  it("picks the character under a point, preferring the nearer line", () => {
    const chars = [
      { ch: "a", rect: { left: 0, bottom: 100, right: 5, top: 110 }, font_size: 10 },
      { ch: "b", rect: { left: 0, bottom: 80, right: 5, top: 90 }, font_size: 10 },
    ];
    expect(charAt(chars as never, { x: 2, y: 97 })).toBe(0);
    expect(charAt(chars as never, { x: 40, y: 85 })).toBe(1);
    expect(charAt([], { x: 0, y: 0 })).toBe(-1);
  });
});
