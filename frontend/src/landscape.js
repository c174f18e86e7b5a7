// The loss landscape panel (issue 15): the training loss on a plane through the current weights,
// log colour scale with contour lines, the optimizer's recent path and the current point.
// Pure drawing: main.js hands it frames; it sends nothing.

import { squareContext } from "./square.js";

/** @typedef {{directions: string, span: number, path: (number | null)[][], center_loss: number | null}} LandscapeHeader */

/** Sequential colour stops (viridis-like: dark low, bright high), colour-blind safe. */
const STOPS = [
  [68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37],
];
const LEVELS = 10; // contour lines, evenly spaced in log10(loss)

/**
 * @param {number} t  0..1
 * @returns {[number, number, number]}
 */
export function viridis(t) {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/**
 * Contour segments of a (g, g) row-major grid at `level` (marching squares), in grid units
 * (x = column, y = row, at the grid points).
 * @param {ArrayLike<number>} v
 * @param {number} g
 * @param {number} level
 * @returns {number[]}  flat x0, y0, x1, y1 per segment
 */
export function contourSegments(v, g, level) {
  /** @type {number[]} */
  const out = [];
  /** @param {number} a @param {number} b */
  const t = (a, b) => (a === b ? 0.5 : (level - a) / (b - a));
  for (let i = 0; i + 1 < g; i++) {
    for (let j = 0; j + 1 < g; j++) {
      const tl = v[i * g + j], tr = v[i * g + j + 1], br = v[(i + 1) * g + j + 1], bl = v[(i + 1) * g + j];
      const code = (tl > level ? 8 : 0) | (tr > level ? 4 : 0) | (br > level ? 2 : 0) | (bl > level ? 1 : 0);
      if (code === 0 || code === 15) continue;
      // Crossing points on the four edges: top, right, bottom, left.
      const top = [j + t(tl, tr), i], right = [j + 1, i + t(tr, br)];
      const bottom = [j + t(bl, br), i + 1], left = [j, i + t(tl, bl)];
      /** @type {number[][][]} */
      const pairs = {
        1: [[left, bottom]], 2: [[bottom, right]], 3: [[left, right]], 4: [[top, right]],
        5: [[left, top], [bottom, right]], 6: [[top, bottom]], 7: [[left, top]], 8: [[left, top]],
        9: [[top, bottom]], 10: [[top, right], [left, bottom]], 11: [[top, right]], 12: [[left, right]],
        13: [[bottom, right]], 14: [[left, bottom]],
      }[code] ?? [];
      for (const [p, q] of pairs) out.push(p[0], p[1], q[0], q[1]);
    }
  }
  return out;
}

export class LandscapeView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement} caption
   */
  constructor(canvas, caption) {
    this.canvas = canvas;
    this.caption = caption;
    this.painted = 0; // for the browser tests: pictures drawn
  }

  /**
   * @param {import("./frame.js").Frame | null} frame
   */
  paint(frame) {
    const header = /** @type {LandscapeHeader | undefined} */ (/** @type {any} */ (frame?.header)?.landscape);
    const arr = frame?.arrays.get("landscape");
    const square = squareContext(this.canvas);
    if (!square) return;
    const { ctx, size } = square;
    ctx.clearRect(0, 0, size, size);
    if (!header || !arr) {
      this.caption.textContent = "Waiting for the server's landscape…";
      return;
    }
    const g = arr.desc.shape[0];
    const raw = /** @type {Float32Array} */ (arr.data);
    const logs = Array.from(raw, (x) => Math.log10(Math.max(x, 1e-8)));
    const lo = Math.min(...logs), hi = Math.max(...logs);
    const span = hi - lo || 1;
    // The g×g picture, grid points at pixel centres, smoothed up to the canvas.
    const img = new ImageData(g, g);
    logs.forEach((l, k) => {
      const [r, gg, b] = viridis((l - lo) / span);
      img.data.set([r, gg, b, 255], k * 4);
    });
    const small = document.createElement("canvas");
    small.width = g;
    small.height = g;
    small.getContext("2d")?.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, size, size);
    const px = size / g;
    /** @param {number} gridUnits  grid index → canvas px (grid points at pixel centres) */
    const at = (gridUnits) => (gridUnits + 0.5) * px;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(255,255,255,0.55)";
    ctx.beginPath();
    for (let k = 1; k < LEVELS; k++) {
      const seg = contourSegments(logs, g, lo + (span * k) / LEVELS);
      for (let s = 0; s < seg.length; s += 4) {
        ctx.moveTo(at(seg[s]), at(seg[s + 1]));
        ctx.lineTo(at(seg[s + 2]), at(seg[s + 3]));
      }
    }
    ctx.stroke();
    // The path: (a, b) → grid units j = (a + span)/(2 span)·(g − 1), i = (span − b)/(2 span)·(g − 1).
    const s = header.span || 1;
    /** @param {number} a @param {number} b @returns {[number, number]} */
    const toXY = (a, b) => [at(((a + s) / (2 * s)) * (g - 1)), at(((s - b) / (2 * s)) * (g - 1))];
    const path = header.path.filter((p) => p[0] !== null && p[1] !== null);
    if (path.length > 1) {
      for (const [width, colour] of [[4, "rgba(0,0,0,0.6)"], [2, "#ffffff"]]) {
        ctx.lineWidth = /** @type {number} */ (width);
        ctx.strokeStyle = /** @type {string} */ (colour);
        ctx.beginPath();
        path.forEach((p, k) => {
          const [x, y] = toXY(/** @type {number} */ (p[0]), /** @type {number} */ (p[1]));
          if (k === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        });
        ctx.stroke();
      }
      const [x0, y0] = toXY(/** @type {number} */ (path[0][0]), /** @type {number} */ (path[0][1]));
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(x0 - 3, y0 - 3, 6, 6);
    }
    const [cx, cy] = toXY(0, 0);
    ctx.beginPath();
    ctx.arc(cx, cy, 6, 0, 2 * Math.PI);
    ctx.fillStyle = "#f59322";
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#000000";
    ctx.stroke();
    const fmt = (/** @type {number} */ x) => (x >= 0.01 ? x.toFixed(3) : x.toExponential(1));
    const centre = header.center_loss === null ? "–" : fmt(header.center_loss);
    const how = header.directions === "pca" ? "top two principal directions of the recent path" : "two filter-normalised random directions";
    this.caption.textContent = `Training loss now ${centre} (orange dot). Plane: ${how}, ±${fmt(s)}. Colours: log loss from ${fmt(10 ** lo)} (dark) to ${fmt(10 ** hi)} (yellow); white line: the optimizer's recent path.`;
    this.canvas.setAttribute("aria-label", `Loss landscape: training loss ${centre} at the current weights, ranging ${fmt(10 ** lo)} to ${fmt(10 ** hi)} over the plane`);
    this.painted++;
  }
}
