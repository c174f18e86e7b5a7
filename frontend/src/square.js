// A square canvas drawn sharp on HiDPI screens: its backing store is the CSS size times the
// device pixel ratio, and the context draws in CSS pixels (the landscape and warp views).

/**
 * Size `canvas`'s backing store to its CSS width (at least `min`, `fallback` while unlaid out)
 * and scale its context to CSS pixels.
 * @param {HTMLCanvasElement} canvas
 * @param {number} [min]
 * @param {number} [fallback]
 * @returns {{ctx: CanvasRenderingContext2D, size: number} | null}  null without a 2-D context
 */
export function squareContext(canvas, min = 120, fallback = 320) {
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  const size = Math.max(min, Math.round(canvas.clientWidth || fallback));
  const px = Math.round(size * (window.devicePixelRatio || 1));
  if (canvas.width !== px) {
    canvas.width = px;
    canvas.height = px;
  }
  ctx.setTransform(px / size, 0, 0, px / size, 0, 0);
  return { ctx, size };
}
