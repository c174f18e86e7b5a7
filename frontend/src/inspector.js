// The backprop inspector (issue 15): one training example's forward pass (pre-activation z and
// activation a of every neuron) and backward pass (δ = ∂loss/∂z, ∂loss/∂w on every link), drawn
// on the network and listed as numbers. The reply comes from the server's `inspect` message.

import { css, diverging } from "./colors.js";

/**
 * @typedef {object} InspectReply
 * @property {number} point
 * @property {number | null} loss
 * @property {(number | null)[][]} activations  inputs, hidden layers, outputs
 * @property {(number | null)[][]} preactivations  hidden layers, outputs
 * @property {(number | null)[][]} deltas
 * @property {(number | null)[][]} weight_grads  per layer, source-major
 * @property {(number | null)[][]} bias_grads
 * @property {number | null} learning_rate
 * @property {boolean} applied
 * @property {number | null} loss_after
 */

const SVG = "http://www.w3.org/2000/svg";
const W = 640;
const H = 260;

/** @param {number | null | undefined} x */
export function fmt(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  const a = Math.abs(x);
  if (a !== 0 && (a < 0.001 || a >= 1000)) return x.toExponential(1);
  return x.toFixed(3);
}

export class InspectorView {
  /**
   * @param {SVGSVGElement} svg
   * @param {HTMLElement} summary
   * @param {HTMLTableSectionElement} tbody
   */
  constructor(svg, summary, tbody) {
    this.svg = svg;
    this.summary = summary;
    this.tbody = tbody;
    this.painted = 0;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  }

  /**
   * @param {InspectReply | null} reply
   * @param {string[]} features  names of the active inputs
   * @param {{x1: number, x2: number, label: number} | null} point
   * @param {boolean} [classification]  the label is a class (else a regression target)
   */
  paint(reply, features, point, classification = true) {
    this.svg.replaceChildren();
    this.tbody.replaceChildren();
    if (!reply) {
      this.summary.textContent = "Choose a training point: type its number, pick a random one, or click a point on the output while this panel is open.";
      return;
    }
    const where = point ? ` at (${point.x1.toFixed(2)}, ${point.x2.toFixed(2)}), ${classification ? `class ${point.label}` : `target ${fmt(point.label)}`}` : "";
    let text = `Point ${reply.point}${where}: loss ${fmt(reply.loss)}.`;
    if (reply.applied) text += ` One SGD step on this point alone (learning rate ${fmt(reply.learning_rate)}): loss now ${fmt(reply.loss_after)}.`;
    this.summary.textContent = text;
    const cols = reply.activations;
    const n = cols.length;
    const xs = cols.map((_, c) => 50 + (c * (W - 100)) / Math.max(1, n - 1));
    const ys = cols.map((col) => col.map((_, i) => ((i + 1) * H) / (col.length + 1)));
    // Links: colour by the gradient's sign, width by its size relative to the largest.
    const gmax = Math.max(1e-12, ...reply.weight_grads.flat().map((g) => Math.abs(g ?? 0)));
    reply.weight_grads.forEach((grads, c) => {
      const outs = cols[c + 1].length;
      grads.forEach((g, k) => {
        const s = Math.floor(k / outs), t = k % outs;
        const line = el("line", { x1: xs[c] + 16, y1: ys[c][s], x2: xs[c + 1] - 16, y2: ys[c + 1][t],
          stroke: (g ?? 0) >= 0 ? "#0877bd" : "#f59322", "stroke-width": (0.5 + (5 * Math.abs(g ?? 0)) / gmax).toFixed(2), "stroke-opacity": "0.75" });
        line.append(title(`∂loss/∂w ${label(c, s, features, n)} → ${label(c + 1, t, features, n)}: ${fmt(g)}`));
        this.svg.append(line);
      });
    });
    cols.forEach((col, c) => {
      col.forEach((a, i) => {
        const g = el("g", {});
        g.append(el("circle", { cx: xs[c], cy: ys[c][i], r: 15, fill: css(diverging(a ?? 0)), stroke: "#1f2328", "stroke-width": 1 }));
        const val = el("text", { x: xs[c], y: ys[c][i] + 4, "text-anchor": "middle", "font-size": 10 });
        val.textContent = fmt(a);
        g.append(val);
        if (c > 0) {
          const d = el("text", { x: xs[c], y: ys[c][i] + 27, "text-anchor": "middle", "font-size": 9, fill: "#b3261e" });
          d.textContent = `δ ${fmt(reply.deltas[c - 1][i])}`;
          g.append(d);
        }
        g.append(title(c === 0 ? `${label(c, i, features, n)} = ${fmt(a)}` : `${label(c, i, features, n)}: z ${fmt(reply.preactivations[c - 1][i])}, a ${fmt(a)}, δ ${fmt(reply.deltas[c - 1][i])}`));
        this.svg.append(g);
        if (c > 0) {
          const row = this.tbody.ownerDocument.createElement("tr");
          for (const v of [label(c, i, features, n), fmt(reply.preactivations[c - 1][i]), fmt(a), fmt(reply.deltas[c - 1][i]), fmt(reply.bias_grads[c - 1][i])]) {
            const td = this.tbody.ownerDocument.createElement("td");
            td.textContent = v;
            row.append(td);
          }
          this.tbody.append(row);
        }
      });
    });
    this.painted++;
  }
}

/**
 * @param {number} c  column: 0 inputs, then hidden layers, last outputs
 * @param {number} i
 * @param {string[]} features
 * @param {number} n  number of columns
 */
function label(c, i, features, n) {
  return c === 0 ? (features[i] ?? `input ${i + 1}`) : `L${c} n${i + 1}`;
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 */
function el(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** @param {string} text */
function title(text) {
  const t = document.createElementNS(SVG, "title");
  t.textContent = text;
  return t;
}
