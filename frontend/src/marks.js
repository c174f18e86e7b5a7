// Series markers (circle, square, triangle, diamond) drawn on a uPlot canvas and, the same
// shapes, in the SVG swatches of an HTML legend: a line is told apart by colour, dash and marker,
// so it reads without colour too (the Sweep panel's charts).

/** @typedef {import("./sweepdata.js").LineStyle} LineStyle */
/**
 * @typedef {object} LegendItem
 * @property {string} label
 * @property {LineStyle} [style]  a line (its colour and dash) with its marker,
 * @property {boolean} [bare]     or without its marker
 * @property {string} [fill]      a filled box (a band) instead of a line
 */

const SVG = "http://www.w3.org/2000/svg";

/**
 * The outline of a marker centred on (x, y) with radius r, as canvas path commands.
 * @param {CanvasRenderingContext2D | Path2D} p
 * @param {LineStyle["marker"]} shape
 * @param {number} x
 * @param {number} y
 * @param {number} r
 */
function markerPath(p, shape, x, y, r) {
  if (shape === "circle") {
    p.moveTo(x + r, y);
    p.arc(x, y, r, 0, 2 * Math.PI);
    return;
  }
  /** @type {[number, number][]} */
  const pts = shape === "square" ? [[-0.85, -0.85], [0.85, -0.85], [0.85, 0.85], [-0.85, 0.85]]
    : shape === "triangle" ? [[0, -1.15], [1.05, 0.8], [-1.05, 0.8]]
      : [[0, -1.25], [1, 0], [0, 1.25], [-1, 0]];
  pts.forEach(([dx, dy], i) => (i ? p.lineTo(x + dx * r, y + dy * r) : p.moveTo(x + dx * r, y + dy * r)));
  p.closePath();
}

/**
 * Draws every series' markers over the lines (uPlot's own points are circles only).
 * @param {uPlot} u
 * @param {(LineStyle | null)[]} styles  per series after x; null: no markers
 */
export function drawMarkers(u, styles) {
  const ctx = u.ctx;
  const dpr = devicePixelRatio || 1;
  ctx.save();
  ctx.lineWidth = 1.2 * dpr;
  ctx.strokeStyle = "#fff";
  styles.forEach((s, j) => {
    if (!s || !u.series[j + 1].show) return;
    const xs = u.data[0];
    const ys = u.data[j + 1];
    ctx.fillStyle = s.color;
    for (let i = 0; i < xs.length; i++) {
      const v = ys[i];
      if (v === null || v === undefined) continue;
      const path = new Path2D();
      markerPath(path, s.marker, u.valToPos(xs[i], "x", true), u.valToPos(v, "y", true), 4.5 * dpr);
      ctx.fill(path);
      ctx.stroke(path);
    }
  });
  ctx.restore();
}

/**
 * A legend swatch: a stretch of the line (its dash) with its marker, or a filled box for a band.
 * @param {Document} doc
 * @param {LegendItem} item
 */
export function swatch(doc, item) {
  const svg = doc.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 32 14");
  svg.setAttribute("aria-hidden", "true");
  const add = (/** @type {string} */ tag, /** @type {Record<string, string | number>} */ attrs) => {
    const node = doc.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    svg.append(node);
  };
  const s = item.style;
  if (!s) {
    add("rect", { x: 1, y: 1, width: 30, height: 12, fill: item.fill ?? "none", stroke: "none" });
    return svg;
  }
  add("line", { x1: 0, y1: 7, x2: 32, y2: 7, stroke: s.color, "stroke-width": 2.5, "stroke-dasharray": s.dash.length ? s.dash.join(" ") : "none" });
  if (item.bare) return svg;
  add("path", { d: markerSvgPath(s.marker, 16, 7, 4.5), fill: s.color, stroke: "#fff", "stroke-width": 1.2 });
  return svg;
}

/**
 * A marker as an SVG path's `d` (the same outline as on the canvas).
 * @param {LineStyle["marker"]} shape
 * @param {number} x
 * @param {number} y
 * @param {number} r
 */
export function markerSvgPath(shape, x, y, r) {
  const p = new ShapePath();
  markerPath(/** @type {Path2D} */ (/** @type {unknown} */ (p)), shape, x, y, r);
  return p.d;
}

/** Collects canvas-style path commands as an SVG path (so swatch and plot share one marker shape). */
class ShapePath {
  d = "";
  /** @param {number} x @param {number} y */
  moveTo(x, y) { this.d += `M${x} ${y}`; }
  /** @param {number} x @param {number} y */
  lineTo(x, y) { this.d += `L${x} ${y}`; }
  closePath() { this.d += "Z"; }
  /** A full circle only (the one arc markers draw). @param {number} x @param {number} y @param {number} r */
  arc(x, y, r) { this.d += `M${x - r} ${y}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`; }
}
