// Two-finger pinch on touch screens. While the fingers move the viewer only previews
// the zoom with a CSS transform; the pages are rendered again once, when they lift
// (rendering at every frame of a gesture would flood the engine with stale work).
// Touchpad pinches do not come here: WebKitGTK turns them into ctrl+wheel.

export type Pinch = {
  down: (e: PointerEvent) => void;
  move: (e: PointerEvent) => void;
  up: (e: PointerEvent) => void;
};

export function pinch(onPreview: (factor: number | null) => void, onDone: (factor: number) => void): Pinch {
  const points = new Map<number, { x: number; y: number }>();
  let start = 0;
  let factor = 1;
  const spread = () => {
    const [a, b] = [...points.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  };
  return {
    down(e) {
      if (e.pointerType !== "touch") return;
      points.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (points.size === 2) {
        start = spread();
        factor = 1;
      }
    },
    move(e) {
      if (!points.has(e.pointerId)) return;
      points.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (points.size === 2 && start > 0) {
        factor = spread() / start;
        onPreview(factor);
      }
    },
    up(e) {
      if (!points.delete(e.pointerId)) return;
      if (start > 0 && points.size < 2) {
        start = 0;
        onPreview(null);
        if (Math.abs(factor - 1) > 0.02) onDone(factor);
      }
    },
  };
}
