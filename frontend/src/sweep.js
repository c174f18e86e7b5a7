// The Sweep panel (issue 16): one or two settings over a few values, every combination a model
// trained from scratch on the server. It shows a grid of live output thumbnails (the frames'
// `sweep_outputs`), a chart of each model's test loss against the first setting's value, a
// seed-ensemble band (mean test-loss curve with its min–max band, when the seed is swept) and
// the double-descent curve (GET /api/double_descent). It builds its own DOM inside
// #sweep-panel and never talks to the socket: `onSweep` hands the message to main.js.

import { diverging } from "./colors.js";

/** @typedef {{field: string, values: unknown[]}} Axis */
/**
 * @typedef {object} SweepLane  one model in a frame header's `sweep` block
 * @property {unknown[]} values
 * @property {number} step
 * @property {number | null} test_loss
 * @property {number | null} train_loss
 * @property {boolean} diverged
 */

/** Settings a sweep may vary, with the values it starts from. */
export const SWEEP_FIELDS = Object.freeze([
  { field: "learning_rate", label: "Learning rate", values: "0.001, 0.01, 0.1, 1" },
  { field: "l2", label: "L2", values: "0, 0.001, 0.01, 0.1" },
  { field: "l1", label: "L1", values: "0, 0.001, 0.01, 0.1" },
  { field: "dropout", label: "Dropout", values: "0, 0.1, 0.3, 0.5" },
  { field: "hidden_layers", label: "Hidden layers", values: "2, 4, 8, 8-8" },
  { field: "batch_size", label: "Batch size", values: "1, 3, 5, 10" },
  { field: "activation", label: "Activation", values: "tanh, relu, sigmoid, gelu" },
  { field: "optimizer", label: "Optimizer", values: "sgd, momentum, adam, rmsprop" },
  { field: "init", label: "Initialisation", values: "xavier, he, small, uniform" },
  { field: "seed", label: "Seed", values: "0, 1, 2, 3" },
  { field: "batch_norm", label: "Batch normalization", values: "false, true" },
]);

/**
 * One typed-in value: numbers, true/false, layer widths ("8-8", "none") or a name.
 * @param {string} field
 * @param {string} token
 * @returns {unknown}
 */
export function parseValue(field, token) {
  const t = token.trim();
  if (field === "hidden_layers") return t === "none" || t === "" ? [] : t.split("-").map(Number);
  if (t === "true" || t === "false") return t === "true";
  const n = Number(t);
  return t !== "" && Number.isFinite(n) ? n : t;
}

/** @param {unknown} v */
export const label = (v) => (Array.isArray(v) ? (v.length ? v.join("-") : "none") : String(v));

/**
 * @param {Document} doc
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 */
function el(doc, tag, attrs = {}, text = "") {
  const node = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

export class SweepView {
  /**
   * @param {Document} doc
   * @param {{onSweep: (message: {type: "sweep", axes: Axis[], same_init: boolean}, source: Element) => void}} handlers
   */
  constructor(doc, handlers) {
    this.doc = doc;
    this.handlers = handlers;
    this.panel = /** @type {HTMLElement} */ (doc.getElementById("sweep-panel"));
    this.button = /** @type {HTMLElement} */ (doc.getElementById("sweep-button"));
    /** @type {Axis[]} */
    this.axes = [];
    /** @type {Map<number, {steps: number[], losses: number[]}>} test-loss history per lane */
    this.history = new Map();
    const parts = this.build();
    this.fields = parts.fields;
    this.valueInputs = parts.valueInputs;
    this.same = parts.same;
    this.grid = parts.grid;
    this.chart = parts.chart;
    this.band = parts.band;
    this.dd = parts.dd;
    this.button.addEventListener("click", () => this.toggle());
  }

  /** The panel's DOM; returns the parts the view updates. */
  build() {
    const d = this.doc;
    const head = el(d, "h2", { id: "sweep-heading" }, "Sweep");
    const form = el(d, "div", { class: "sweep-controls" });
    /** @type {HTMLSelectElement[]} */
    const fields = [];
    /** @type {HTMLInputElement[]} */
    const valueInputs = [];
    ["First", "Second"].forEach((which, i) => {
      const select = /** @type {HTMLSelectElement} */ (el(d, "select", { id: `sweep-field-${i}` }));
      if (i === 1) select.append(el(d, "option", { value: "" }, "none"));
      for (const f of SWEEP_FIELDS) select.append(el(d, "option", { value: f.field }, f.label));
      const input = /** @type {HTMLInputElement} */ (el(d, "input", { id: `sweep-values-${i}`, type: "text" }));
      select.value = i === 0 ? "learning_rate" : "";
      input.value = i === 0 ? SWEEP_FIELDS[0].values : "";
      select.addEventListener("change", () => {
        input.value = SWEEP_FIELDS.find((f) => f.field === select.value)?.values ?? "";
      });
      form.append(
        el(d, "label", { for: select.id }, `${which} setting`), select,
        el(d, "label", { for: input.id }, `${which} values`), input,
      );
      fields.push(select);
      valueInputs.push(input);
    });
    const same = /** @type {HTMLInputElement} */ (el(d, "input", { id: "sweep-same-init", type: "checkbox" }));
    same.checked = true;
    const sameLabel = el(d, "label", { class: "check" });
    sameLabel.append(same, " Same starting weights");
    const start = el(d, "button", { type: "button", id: "sweep-start" }, "Start sweep");
    const stop = el(d, "button", { type: "button", id: "sweep-stop" }, "Stop sweep");
    const dd = el(d, "button", { type: "button", id: "sweep-dd" }, "Show double descent");
    start.addEventListener("click", () => this.start(start));
    stop.addEventListener("click", () => this.handlers.onSweep({ type: "sweep", axes: [], same_init: true }, stop));
    dd.addEventListener("click", () => void this.showDoubleDescent());
    form.append(sameLabel, start, stop, dd);
    const grid = el(d, "div", { class: "sweep-grid", role: "list", "aria-label": "Sweep models" });
    const chart = /** @type {HTMLCanvasElement} */ (el(d, "canvas", { class: "sweep-chart", role: "img", "aria-label": "Sweep chart: final held-out loss per value", width: "320", height: "160" }));
    const band = /** @type {HTMLCanvasElement} */ (el(d, "canvas", { class: "sweep-chart", role: "img", "aria-label": "Ensemble band: mean and range of the held-out loss", width: "320", height: "160" }));
    band.hidden = true;
    const ddChart = /** @type {HTMLCanvasElement} */ (el(d, "canvas", { class: "sweep-chart", role: "img", "aria-label": "Double descent: test error against hidden width", width: "320", height: "160" }));
    ddChart.hidden = true;
    const charts = el(d, "div", { class: "sweep-charts" });
    charts.append(chart, band, ddChart);
    const body = el(d, "div", { class: "sweep-body" }); // the charts beside the grid where there is room
    body.append(grid, charts);
    this.panel.setAttribute("aria-labelledby", head.id);
    this.panel.replaceChildren(head, form, body);
    return { fields, valueInputs, same, grid, chart, band, dd: ddChart };
  }

  toggle() {
    this.panel.hidden = !this.panel.hidden;
    this.button.setAttribute("aria-pressed", String(!this.panel.hidden));
  }

  /** @param {Element} source */
  start(source) {
    /** @type {Axis[]} */
    const axes = [];
    this.fields.forEach((select, i) => {
      const text = this.valueInputs[i].value;
      if (!select.value || !text.trim()) return;
      axes.push({ field: select.value, values: text.split(",").map((t) => parseValue(select.value, t)) });
    });
    this.handlers.onSweep({ type: "sweep", axes, same_init: this.same.checked }, source);
  }

  /** The server's `sweep` echo. @param {Axis[]} axes */
  echo(axes) {
    this.axes = axes;
    this.history.clear();
    if (axes.length && this.panel.hidden) this.toggle();
    if (!axes.length) this.grid.replaceChildren();
  }

  /** @param {import("./frame.js").Frame | null} frame */
  paint(frame) {
    if (!frame || this.panel.hidden) return;
    /** @type {{axes: Axis[], lanes: SweepLane[]} | undefined} */
    const block = /** @type {any} */ (frame.header).sweep;
    const outputs = frame.arrays.get("sweep_outputs");
    if (!block || !outputs) return;
    const lanes = block.lanes;
    lanes.forEach((lane, i) => {
      const h = this.history.get(i) ?? { steps: [], losses: [] };
      const last = h.steps[h.steps.length - 1];
      if (last !== undefined && lane.step < last) { h.steps = []; h.losses = []; }
      if (lane.test_loss !== null && (last === undefined || lane.step > last)) { h.steps.push(lane.step); h.losses.push(lane.test_loss); }
      this.history.set(i, h);
    });
    this.paintGrid(block.axes, lanes, outputs);
    this.paintChart(block.axes, lanes);
    const seeded = block.axes.some((a) => a.field === "seed");
    this.band.hidden = !seeded;
    if (seeded) this.paintBand();
  }

  /**
   * @param {Axis[]} axes
   * @param {SweepLane[]} lanes
   * @param {import("./frame.js").DecodedArray} outputs
   */
  paintGrid(axes, lanes, outputs) {
    const d = this.doc;
    const [, g] = outputs.desc.shape;
    if (this.grid.children.length !== lanes.length) {
      this.grid.replaceChildren(...lanes.map(() => {
        const fig = el(d, "figure", { class: "sweep-card", role: "listitem" });
        const canvas = el(d, "canvas", { class: "sweep-map", role: "img", width: String(g), height: String(g) });
        const caption = el(d, "figcaption");
        caption.append(el(d, "span", { class: "sweep-values" }), el(d, "span", { class: "sweep-loss" }));
        fig.append(canvas, caption);
        return fig;
      }));
    }
    // Rows are the first setting's values and columns the second's, so the grid reads as a table.
    const cols = axes.length === 2 ? axes[1].values.length : Math.min(4, lanes.length);
    this.grid.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 112px))`;
    const scale = outputs.desc.scale ?? 1 / 255;
    const lo = outputs.desc.min ?? 0;
    lanes.forEach((lane, i) => {
      const fig = /** @type {HTMLElement} */ (this.grid.children[i]);
      const canvas = /** @type {HTMLCanvasElement} */ (fig.querySelector("canvas"));
      const name = axes.map((a, k) => `${a.field} ${label(lane.values[k])}`).join(", ");
      canvas.setAttribute("aria-label", `Decision boundary, ${name}`);
      const loss = lane.diverged ? "diverged" : lane.test_loss === null ? "–" : lane.test_loss.toFixed(3);
      const [values, lossText] = /** @type {NodeListOf<HTMLElement>} */ (fig.querySelectorAll("figcaption span"));
      values.textContent = lane.values.map(label).join(" · ");
      lossText.textContent = `test loss ${loss}`;
      const ctx = canvas.getContext("2d");
      if (!ctx) return;
      const img = ctx.createImageData(g, g);
      const base = i * g * g;
      for (let p = 0; p < g * g; p++) {
        const v = lo + outputs.data[base + p] * scale;
        // Classification p ∈ [0, 1] maps to [-1, 1]; a regression prediction already is.
        const [r, gg, b] = diverging(lo < 0 ? v : 2 * v - 1);
        img.data.set([r, gg, b, 255], 4 * p);
      }
      ctx.putImageData(img, 0, 0);
    });
  }

  /**
   * Test loss (log) against the first axis's value (by position), one line per second-axis value.
   * @param {Axis[]} axes
   * @param {SweepLane[]} lanes
   */
  paintChart(axes, lanes) {
    const ctx = this.chart.getContext("2d");
    if (!ctx || !axes.length) return;
    const { width: w, height: h } = this.chart;
    ctx.clearRect(0, 0, w, h);
    const n0 = axes[0].values.length;
    const n1 = axes[1]?.values.length ?? 1;
    const losses = lanes.map((l) => (l.test_loss !== null && l.test_loss > 0 ? Math.log10(l.test_loss) : NaN));
    const finite = losses.filter(Number.isFinite);
    if (!finite.length) return;
    const lo = Math.min(...finite), hi = Math.max(...finite) + 1e-9;
    const x = (/** @type {number} */ i) => 30 + (i * (w - 40)) / Math.max(n0 - 1, 1);
    const y = (/** @type {number} */ v) => h - 20 - ((v - lo) / (hi - lo)) * (h - 30);
    for (let j = 0; j < n1; j++) {
      ctx.strokeStyle = ["#0877bd", "#f59322", "#3a9d23", "#8e44ad"][j % 4];
      ctx.beginPath();
      for (let i = 0; i < n0; i++) {
        const v = losses[i * n1 + j];
        if (!Number.isFinite(v)) continue;
        ctx.lineTo(x(i), y(v));
        ctx.fillRect(x(i) - 2, y(v) - 2, 4, 4);
      }
      ctx.stroke();
    }
    ctx.fillStyle = "#333";
    axes[0].values.forEach((v, i) => ctx.fillText(label(v), x(i) - 8, h - 5));
  }

  /** Mean test loss over the lanes with its min–max band, step by step (seed ensembles). */
  paintBand() {
    const ctx = this.band.getContext("2d");
    if (!ctx) return;
    const runs = [...this.history.values()].filter((r) => r.losses.length);
    if (!runs.length) return;
    const n = Math.min(...runs.map((r) => r.losses.length));
    if (n < 1) return;
    const stats = Array.from({ length: n }, (_, k) => {
      const at = runs.map((r) => r.losses[k]);
      return [Math.min(...at), at.reduce((a, b) => a + b, 0) / at.length, Math.max(...at)];
    });
    const { width: w, height: h } = this.band;
    const hi = Math.max(...stats.map((s) => s[2])) + 1e-9;
    const x = (/** @type {number} */ k) => 10 + (k * (w - 20)) / Math.max(n - 1, 1);
    const y = (/** @type {number} */ v) => h - 10 - (v / hi) * (h - 20);
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "rgba(8, 119, 189, 0.25)";
    ctx.beginPath();
    stats.forEach((s, k) => ctx.lineTo(x(k), y(s[2])));
    for (let k = n - 1; k >= 0; k--) ctx.lineTo(x(k), y(stats[k][0]));
    ctx.fill();
    ctx.strokeStyle = "#0877bd";
    ctx.beginPath();
    stats.forEach((s, k) => ctx.lineTo(x(k), y(s[1])));
    ctx.stroke();
  }

  async showDoubleDescent() {
    this.dd.hidden = false;
    if (this.panel.hidden) this.toggle();
    const res = await fetch("/api/double_descent");
    /** @type {{widths: number[], test_error: number[], n_train: number}} */
    const curve = await res.json();
    const ctx = this.dd.getContext("2d");
    if (!ctx) return;
    const { width: w, height: h } = this.dd;
    const lx = curve.widths.map(Math.log10);
    const ly = curve.test_error.map((e) => Math.log10(Math.max(e, 1e-6)));
    const [x0, x1] = [Math.min(...lx), Math.max(...lx)];
    const [y0, y1] = [Math.min(...ly), Math.max(...ly) + 1e-9];
    const x = (/** @type {number} */ v) => 10 + ((v - x0) / (x1 - x0)) * (w - 20);
    const y = (/** @type {number} */ v) => h - 15 - ((v - y0) / (y1 - y0)) * (h - 25);
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = "#f59322";
    ctx.beginPath();
    ctx.moveTo(x(Math.log10(curve.n_train)), 5);
    ctx.lineTo(x(Math.log10(curve.n_train)), h - 15);
    ctx.stroke();
    ctx.fillStyle = "#333";
    ctx.fillText(`width = n = ${curve.n_train}`, x(Math.log10(curve.n_train)) + 3, 12);
    ctx.strokeStyle = "#0877bd";
    ctx.beginPath();
    lx.forEach((v, i) => ctx.lineTo(x(v), y(ly[i])));
    ctx.stroke();
    this.dd.dataset.ready = "true";
  }
}
