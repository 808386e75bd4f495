// Geometry of annotations, kept out of the components: PDF space (points, origin
// bottom-left, unrotated) is where marks live; CSS pixels over the page as shown are
// where pointers and drawing happen. `cssPoint` (pages.ts) goes one way, `pdfPoint` back.
import type { Annotation } from "./bindings/Annotation";
import type { AnnotationDraft } from "./bindings/AnnotationDraft";
import type { PageInfo } from "./bindings/PageInfo";
import type { Point } from "./bindings/Point";
import type { Rect } from "./bindings/Rect";
import type { Shape } from "./bindings/Shape";
import type { TextChar } from "./bindings/TextChar";
import type { Key } from "./i18n.svelte";

/** Side of a sticky note's icon, in points (as the exported PDF draws it). */
export const NOTE_ICON = 20;

export type Tool = "select" | "highlight" | "underline" | "strike_out" | "pen" | "note" | "free_text" | "eraser";

/** The tools that mark words (by a drag over them, or a selection). */
export type TextMarkKind = "highlight" | "underline" | "strike_out";
export const isTextMark = (t: string): t is TextMarkKind => t === "highlight" || t === "underline" || t === "strike_out";

/** Every tool with its icon, name and key: the tool strip, the selection bar, the key
 *  handler and the shortcuts list all read this one table. */
export const TOOLS: { id: Tool; icon: string; label: Key; key: string }[] = [
  { id: "select", icon: "↖", label: "toolSelect", key: "V" },
  { id: "highlight", icon: "▬", label: "toolHighlight", key: "H" },
  { id: "underline", icon: "U̲", label: "toolUnderline", key: "U" },
  { id: "strike_out", icon: "S̶", label: "toolStrike", key: "S" },
  { id: "pen", icon: "✎", label: "toolPen", key: "P" },
  { id: "note", icon: "▤", label: "toolNote", key: "N" },
  { id: "free_text", icon: "T", label: "toolText", key: "T" },
  { id: "eraser", icon: "⌫", label: "toolEraser", key: "E" },
];

/** A CSS point over the page as shown (pixels from its top-left) in unrotated PDF space. */
export function pdfPoint(px: number, py: number, page: PageInfo, scale: number, rotation = 0): Point {
  const odd = rotation === 90 || rotation === 270;
  const w = odd ? page.height : page.width;
  const h = odd ? page.width : page.height;
  const [x, y] = [px / scale, py / scale];
  if (rotation === 90) return { x: y, y: x };
  if (rotation === 180) return { x: w - x, y };
  if (rotation === 270) return { x: w - y, y: h - x };
  return { x, y: h - y };
}

/** The character under (or nearest to) a point; -1 on a page without text. */
export function charAt(chars: TextChar[], p: Point): number {
  let best = -1;
  let bestDistance = Infinity;
  chars.forEach((c, i) => {
    const r = c.rect;
    if (!(r.right > r.left)) return;
    const dx = p.x < r.left ? r.left - p.x : p.x > r.right ? p.x - r.right : 0;
    // Vertical distance counts more: a point between two lines belongs to the nearer line.
    const dy = p.y < r.bottom ? r.bottom - p.y : p.y > r.top ? p.y - r.top : 0;
    const d = dx + 3 * dy;
    if (d < bestDistance) { bestDistance = d; best = i; }
  });
  return best;
}

/** The box around a shape, in PDF space. */
export function bounds(shape: Shape): Rect | null {
  const pts: Point[] = [];
  let pad = 0;
  switch (shape.type) {
    case "highlight": case "underline": case "strike_out":
      for (const q of shape.quads) pts.push(...q.points);
      break;
    case "ink":
      for (const p of shape.paths) pts.push(...p.points);
      pad = shape.width / 2;
      break;
    case "note":
      return { left: shape.at.x, bottom: shape.at.y - NOTE_ICON, right: shape.at.x + NOTE_ICON, top: shape.at.y };
    case "free_text":
      return { left: shape.rect[0], bottom: shape.rect[1], right: shape.rect[2], top: shape.rect[3] };
    case "item_note":
      return null;
  }
  if (!pts.length) return null;
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  return { left: Math.min(...xs) - pad, bottom: Math.min(...ys) - pad, right: Math.max(...xs) + pad, top: Math.max(...ys) + pad };
}

function segmentDistance(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x, dy = b.y - a.y;
  const len = dx * dx + dy * dy;
  const t = len > 0 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Whether a point (PDF space) touches a shape, within `tolerance` points. */
export function hits(shape: Shape, p: Point, tolerance: number): boolean {
  if (shape.type === "ink") {
    return shape.paths.some((path) =>
      path.points.some((pt, i) => segmentDistance(p, pt, path.points[Math.min(i + 1, path.points.length - 1)]) <= shape.width / 2 + tolerance));
  }
  const b = bounds(shape);
  return !!b && p.x >= b.left - tolerance && p.x <= b.right + tolerance && p.y >= b.bottom - tolerance && p.y <= b.top + tolerance;
}

/** The shape moved by (dx, dy) points. Text marks stay on their words. */
export function moved(shape: Shape, dx: number, dy: number): Shape {
  const m = (p: Point): Point => ({ x: p.x + dx, y: p.y + dy });
  switch (shape.type) {
    case "ink": return { ...shape, paths: shape.paths.map((p) => ({ points: p.points.map(m) })) };
    case "note": return { ...shape, at: m(shape.at) };
    case "free_text": return { ...shape, rect: [shape.rect[0] + dx, shape.rect[1] + dy, shape.rect[2] + dx, shape.rect[3] + dy] };
    default: return shape;
  }
}

export const canMove = (shape: Shape) => shape.type === "ink" || shape.type === "note" || shape.type === "free_text";

/** A pen stroke with the points closer than `min` to their predecessor dropped: a
 *  120 Hz pen sends many more points than a stroke needs, and each is stored and synced. */
export function thin(points: Point[], min: number): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (!last || Math.hypot(p.x - last.x, p.y - last.y) >= min) out.push(p);
  }
  const end = points[points.length - 1];
  if (end && out[out.length - 1] !== end && out.length > 0) out.push(end);
  return out;
}

/** The draft that re-saves an annotation as it is (an edit starts from it). */
export function draftOf(a: Annotation): AnnotationDraft {
  return {
    id: a.id, document_id: a.document_id, agenda_item_id: a.agenda_item_id, meeting_id: a.meeting_id,
    page: a.page, shape: a.shape, color: a.color, opacity: a.opacity, text: a.text, anchor: a.anchor,
    visibility: a.visibility, deleted: a.deleted,
  };
}

/** Default look of each tool's marks. */
export const STYLE: Record<string, { color: string; opacity: number }> = {
  highlight: { color: "#ffd400", opacity: 0.4 },
  underline: { color: "#1565c0", opacity: 1 },
  strike_out: { color: "#c62828", opacity: 1 },
  pen: { color: "#c62828", opacity: 1 },
  note: { color: "#ffd400", opacity: 1 },
  free_text: { color: "#1565c0", opacity: 1 },
};

export const COLORS = ["#ffd400", "#c62828", "#1565c0", "#2e7d32", "#000000"];
export const WIDTHS = [1, 2, 4, 8];
