// The hidden-space warp panel (issue 15): the input plane's grid lines and the data points as a
// hidden layer sees them, on two of its neurons or its two principal components. With the last
// hidden layer of two neurons, the output's decision line is straight here (dashed).

import { classColor, css, diverging } from "./colors.js";
import { squareContext } from "./square.js";

/** @typedef {{layer: number, axes?: string | null, neurons?: number[] | null, boundary?: number[] | null, error?: string | null}} WarpHeader */

export class WarpView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement} caption
   * @param {{layer: HTMLSelectElement, x: HTMLSelectElement, y: HTMLSelectElement, pca: HTMLInputElement}} inputs
   */
  constructor(canvas, caption, inputs) {
    this.canvas = canvas;
    this.caption = caption;
    this.inputs = inputs;
    this.painted = 0;
    this.shape = "";
    /** Show the last hidden layer whatever the layers become (a lesson's default), until a pick. */
    this.followLast = false;
  }

  /**
   * Fill the selects for these hidden layers, keeping the choices that still exist.
   * @param {number[]} hidden
   */
  setup(hidden) {
    const shape = hidden.join(",");
    if (shape === this.shape) return;
    this.shape = shape;
    const { layer, x, y } = this.inputs;
    const keep = (!this.followLast && Number(layer.value)) || hidden.length;
    fill(layer, hidden.map((w, i) => [String(i + 1), `Layer ${i + 1} (${w} neurons)`]));
    layer.value = String(Math.min(Math.max(1, keep), Math.max(1, hidden.length)));
    this.setupNeurons(hidden);
  }

  /** @param {number[]} hidden */
  setupNeurons(hidden) {
    const { layer, x, y } = this.inputs;
    const width = hidden[Number(layer.value) - 1] ?? 1;
    const opts = Array.from({ length: width }, (_, i) => /** @type {[string, string]} */ ([String(i), `Neuron ${i + 1}`]));
    const [xv, yv] = [Number(x.value) || 0, Number(y.value) || 1];
    fill(x, opts);
    fill(y, opts);
    x.value = String(Math.min(xv, width - 1));
    y.value = String(Math.min(yv, width - 1));
  }

  /** @returns {{layer: number, neurons: [number, number] | "pca"} | null} what to ask the server */
  request() {
    const { layer, x, y, pca } = this.inputs;
    const l = Number(layer.value);
    if (!l) return null;
    return { layer: l, neurons: pca.checked ? "pca" : [Number(x.value), Number(y.value)] };
  }

  /**
   * @param {import("./frame.js").Frame | null} frame
   * @param {{xy: Float32Array} | null} points  x1, x2, label triplets (frame `points` order)
   * @param {boolean} classification
   */
  paint(frame, points, classification) {
    const header = /** @type {WarpHeader | undefined} */ (/** @type {any} */ (frame?.header)?.warp);
    const lines = frame?.arrays.get("warp_lines");
    const pts = frame?.arrays.get("warp_points");
    const square = squareContext(this.canvas);
    if (!square) return;
    const { ctx, size } = square;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, size, size);
    if (!header || !lines || !pts) {
      this.caption.textContent = header?.error ?? "No hidden layer to show: add one.";
      return;
    }
    const L = /** @type {Float32Array} */ (lines.data);
    const P = /** @type {Float32Array} */ (pts.data);
    // The view box: the data points' extent (the lines may run far out), padded by 10 %.
    const src = P.length > 0 ? P : L;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let k = 0; k < src.length; k += 2) {
      x0 = Math.min(x0, src[k]); x1 = Math.max(x1, src[k]);
      y0 = Math.min(y0, src[k + 1]); y1 = Math.max(y1, src[k + 1]);
    }
    const pad = 0.1 * Math.max(x1 - x0, y1 - y0, 1e-6);
    [x0, x1, y0, y1] = [x0 - pad, x1 + pad, y0 - pad, y1 + pad];
    const sx = size / Math.max(x1 - x0, 1e-9), sy = size / Math.max(y1 - y0, 1e-9);
    /** @param {number} u @param {number} v @returns {[number, number]} */
    const toXY = (u, v) => [(u - x0) * sx, size - (v - y0) * sy];
    const [nLines, nSamples] = lines.desc.shape;
    ctx.lineWidth = 1;
    for (let l = 0; l < nLines; l++) {
      // Lines x1 = c (first half) and x2 = c (second half) in two greys; the axes darker.
      const axis = l % (nLines / 2) === (nLines / 2 - 1) / 2;
      ctx.strokeStyle = axis ? "#5b636d" : l < nLines / 2 ? "#b9c0c8" : "#d6c3a5";
      ctx.beginPath();
      for (let s = 0; s < nSamples; s++) {
        const k = (l * nSamples + s) * 2;
        const [x, y] = toXY(L[k], L[k + 1]);
        if (s === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
    }
    const xy = points?.xy;
    for (let k = 0; k < P.length / 2; k++) {
      const label = xy && xy.length >= 3 * (k + 1) ? xy[3 * k + 2] : 0;
      ctx.fillStyle = css(classification ? classColor(label) : diverging(label));
      const [x, y] = toXY(P[2 * k], P[2 * k + 1]);
      ctx.beginPath();
      ctx.arc(x, y, 2.6, 0, 2 * Math.PI);
      ctx.fill();
    }
    if (header.boundary) {
      const [a, b, c] = header.boundary;
      // a·u + b·v + c = 0 across the view box.
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#1f2328";
      ctx.beginPath();
      if (Math.abs(b) > Math.abs(a)) {
        ctx.moveTo(...toXY(x0, -(a * x0 + c) / b));
        ctx.lineTo(...toXY(x1, -(a * x1 + c) / b));
      } else if (a !== 0) {
        ctx.moveTo(...toXY(-(b * y0 + c) / a, y0));
        ctx.lineTo(...toXY(-(b * y1 + c) / a, y1));
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const axes = header.axes === "pca" ? "its two principal components" : `neurons ${(header.neurons ?? []).map((n) => n + 1).join(" and ")}`;
    this.caption.textContent = `Layer ${header.layer} on ${axes}: grid lines of the input plane and the data points as this layer sees them.${header.boundary ? " Dashed: the output's decision line, straight in this space." : ""}`;
    this.canvas.setAttribute("aria-label", `Hidden-space warp of layer ${header.layer} on ${axes}`);
    this.painted++;
  }
}

/**
 * @param {HTMLSelectElement} select
 * @param {[string, string][]} options  value, label
 */
function fill(select, options) {
  select.replaceChildren(...options.map(([value, label]) => {
    const o = select.ownerDocument.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }));
}
