// The curves (uPlot): a Loss tab (train / test / validation) and an Accuracy (or R²) tab, each
// series smoothed over its faint raw curve, with its own dash and legend marker; the legend shows
// the measured values under the cursor (else the latest, as in the run bar). `update` stores;
// `paint` commits once.

import uPlot from "../vendor/uplot/uPlot.esm.js";

import { accuracyRange, accuracySeries, extent, LOSS_SERIES, lossRange } from "./chartstyle.js";
import { compactCount, smooth } from "./history.js";

const SVG = "http://www.w3.org/2000/svg";

/**
 * @typedef {object} ChartInput
 * @property {import("./history.js").History} history
 * @property {number} version    bumps whenever history changed (it is mutated in place)
 * @property {boolean} logScale
 * @property {number} smoothing
 * @property {boolean} regression
 * @property {boolean} validation  a validation split exists (else its curves are left out)
 * @property {boolean} presenter
 * @property {"step" | "epoch"} [xUnit]  issue 11: what the x axis counts in (data stays in steps)
 * @property {number} [stepsPerUnit]    issue 11: steps in one x unit (steps per epoch)
 * @property {{step: number, label: string} | null} [marker]  issue 11: where training stopped
 *   (early stop, divergence): a dashed vertical line with its label
 */

/** @typedef {"loss" | "accuracy"} ChartView */

/**
 * @param {string} hex
 * @param {number} alpha
 */
function faint(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/**
 * A legend swatch: a short stretch of the series' line (its dash) with its marker in the middle.
 * @param {Document} doc
 * @param {import("./chartstyle.js").SeriesStyle} s
 */
function swatch(doc, s) {
  const svg = doc.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 32 14");
  svg.setAttribute("aria-hidden", "true");
  const line = doc.createElementNS(SVG, "line");
  for (const [k, v] of Object.entries({ x1: 0, y1: 7, x2: 32, y2: 7, stroke: s.color, "stroke-width": 2.5 })) line.setAttribute(k, String(v));
  if (s.dash.length) line.setAttribute("stroke-dasharray", s.dash.join(" "));
  /** @type {Record<string, [string, Record<string, number | string>]>} */
  const shapes = {
    circle: ["circle", { cx: 16, cy: 7, r: 4.5 }],
    square: ["rect", { x: 11.5, y: 2.5, width: 9, height: 9 }],
    triangle: ["polygon", { points: "16,1.5 21.5,11.5 10.5,11.5" }],
  };
  const [tag, attrs] = shapes[s.marker];
  const mark = doc.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries({ ...attrs, fill: s.color, stroke: "#fff", "stroke-width": 1.2 })) mark.setAttribute(k, String(v));
  svg.append(line, mark);
  return svg;
}

export class LossChart {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    const doc = root.ownerDocument;
    /** @type {uPlot | null} */
    this.plot = null;
    /** @type {ChartInput | null} */
    this.input = null;
    /** @type {ChartView} */
    this.view = "loss";
    this.optionsKey = "";
    this.drawn = "";
    /** @type {import("./chartstyle.js").SeriesStyle[]} */
    this.shown = [];
    /** @type {HTMLElement[]} value cells of the legend, one per shown series */
    this.values = [];
    this.legend = doc.createElement("div");
    this.legend.className = "chart-legend";
    root.append(this.legend);
    /** @type {Record<ChartView, HTMLButtonElement | null>} */
    this.tabs = {
      loss: /** @type {HTMLButtonElement | null} */ (doc.getElementById("tab-loss")),
      accuracy: /** @type {HTMLButtonElement | null} */ (doc.getElementById("tab-accuracy")),
    };
    for (const [view, tab] of Object.entries(this.tabs)) {
      tab?.addEventListener("click", () => this.select(/** @type {ChartView} */ (view)));
      tab?.addEventListener("keydown", (e) => {
        if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
        e.preventDefault();
        const next = view === "loss" ? "accuracy" : "loss";
        this.select(next);
        this.tabs[next]?.focus();
      });
    }
  }

  /** @param {ChartView} view */
  select(view) {
    this.view = view;
    for (const [v, tab] of Object.entries(this.tabs)) {
      tab?.setAttribute("aria-selected", String(v === view));
      if (tab) tab.tabIndex = v === view ? 0 : -1;
    }
    if (this.tabs[view]) this.root.setAttribute("aria-labelledby", this.tabs[view].id);
    this.paint();
  }

  /** @param {ChartInput} input */
  update(input) {
    this.input = input;
  }

  /** The smallest type of the page (CSS --label): ticks follow it, 13 px or 20 px in presenter. */
  tickPx() {
    const v = parseFloat(getComputedStyle(this.root).getPropertyValue("--label"));
    return Number.isFinite(v) ? v : 13;
  }

  paint() {
    const input = this.input;
    if (!input) return;
    const accTab = this.tabs.accuracy;
    if (accTab) accTab.textContent = input.regression ? "R²" : "Accuracy";
    const px = this.tickPx();
    const width = Math.max(200, this.root.clientWidth);
    const height = Math.max(120, this.root.clientHeight - this.legend.offsetHeight);
    const key = JSON.stringify([this.view, input.logScale, input.regression, input.presenter, input.validation, px, input.xUnit, input.stepsPerUnit]);
    if (key !== this.optionsKey || !this.plot) {
      this.optionsKey = key;
      this.plot?.destroy();
      this.shown = this.series(input);
      this.buildLegend();
      this.plot = new uPlot(this.options(input, width, height, px), this.data(input), this.root);
      this.root.dataset.tickPx = String(px); // what the ticks are drawn at (the e2e tests read it)
      this.drawn = "";
    } else if (this.plot.width !== width || this.plot.height !== height) {
      this.plot.setSize({ width, height });
    }
    const drawn = `${input.version}:${input.smoothing}:${input.marker?.step ?? ""}`;
    if (drawn !== this.drawn) {
      this.drawn = drawn;
      this.plot.setData(this.data(input));
      this.showValues(null);
    }
  }

  /**
   * @param {ChartInput} input
   * @returns {import("./chartstyle.js").SeriesStyle[]}
   */
  series(input) {
    if (this.view === "accuracy") return accuracySeries(input.regression);
    return LOSS_SERIES.filter((s) => input.validation || s.key !== "val_loss");
  }

  buildLegend() {
    const doc = this.root.ownerDocument;
    this.values = [];
    const items = this.shown.map((s) => {
      const item = doc.createElement("span");
      item.className = "item";
      const value = doc.createElement("span");
      value.className = "value";
      this.values.push(value);
      item.append(swatch(doc, s), s.label, value);
      return item;
    });
    this.legend.replaceChildren(...items);
  }

  /**
   * The legend's values at data index `idx` (the cursor), or the latest ones.
   * @param {number | null} idx
   */
  showValues(idx) {
    const data = this.plot?.data;
    if (!data) return;
    const n = data[0].length;
    const at = idx ?? n - 1;
    this.shown.forEach((s, i) => {
      const col = data[1 + i]; // the measured value (smoothing only shapes the drawn curve)
      const v = at >= 0 && at < n ? col[at] : null;
      const text = typeof v === "number" ? (this.view === "accuracy" && !this.input?.regression ? `${(v * 100).toFixed(1)}%` : v.toFixed(3)) : "–";
      this.values[i].textContent = text;
    });
    this.legend.dataset.step = at >= 0 && at < n ? String(data[0][at]) : "";
  }

  /**
   * Columns: step, the raw series, then the smoothed ones (same order as `shown`).
   * @param {ChartInput} input
   * @returns {uPlot.AlignedData}
   */
  data(input) {
    const h = input.history;
    // Log axes cannot show 0 or negative losses; clamp to a tiny positive value instead of dropping.
    const log = input.logScale && this.view === "loss";
    const fix = (/** @type {(number | null)[]} */ v) => (log ? v.map((x) => (x === null ? null : Math.max(x, 1e-6))) : v);
    const raw = this.shown.map((s) => fix(h[/** @type {import("./history.js").Curve} */ (s.key)]));
    const smoothed = this.shown.map((s) => fix(smooth(h[/** @type {import("./history.js").Curve} */ (s.key)], input.smoothing)));
    return /** @type {uPlot.AlignedData} */ ([h.step, ...raw, ...smoothed]);
  }

  /**
   * issue 11: a dashed vertical line where training stopped, with its label at the top.
   * @param {uPlot} u
   */
  drawMarker(u) {
    const marker = this.input?.marker;
    if (!marker) return;
    const x = u.valToPos(marker.step, "x", true);
    if (!Number.isFinite(x) || x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = "#5b636d";
    ctx.fillStyle = "#30363d";
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.font = `${this.tickPx() * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textAlign = x > u.bbox.left + u.bbox.width / 2 ? "right" : "left";
    ctx.fillText(marker.label, x + (ctx.textAlign === "right" ? -4 : 4) * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
    ctx.restore();
  }

  /**
   * @param {ChartInput} input
   * @param {number} width
   * @param {number} height
   * @param {number} px  tick and axis-label font size
   * @returns {uPlot.Options}
   */
  options(input, width, height, px) {
    const thick = input.presenter ? 3.5 : 2.2;
    const loss = this.view === "loss";
    const log = input.logScale && loss;
    const font = `${px}px system-ui, sans-serif`;
    const axis = { font, labelFont: font, stroke: "#4b535c", grid: { stroke: "#eceef1" }, ticks: { stroke: "#d9dde2" } };
    /** @type {uPlot.Series[]} */
    const raw = this.shown.map((s) => ({ label: `${s.label} (raw)`, stroke: faint(s.color, 0.25), width: 1, spanGaps: true, points: { show: false }, scale: "y" }));
    /** @type {uPlot.Series[]} */
    const lines = this.shown.map((s) => ({ label: s.label, stroke: s.color, width: thick, dash: s.dash, spanGaps: true, points: { show: false }, scale: "y" }));
    const regression = input.regression;
    return {
      width,
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false },
        y: {
          distr: log ? 3 : 1,
          range: (u) => {
            const cols = u.data.slice(1);
            const [lo, hi] = extent(cols);
            return loss ? lossRange(lo, hi, log) : accuracyRange(lo, regression);
          },
        },
      },
      axes: [
        // issue 11: the axis says steps or epochs, whichever the page's pace counts in.
        {
          ...axis, label: input.xUnit ?? "step", size: px * 2.1, labelSize: px * 1.5, space: px * 5,
          values: (_u, splits) => splits.map((v) => compactCount(+(v / (input.stepsPerUnit ?? 1)).toPrecision(3))),
        },
        {
          ...axis, label: loss ? "loss" : regression ? "R²" : "accuracy", size: px * 3.6, labelSize: px * 1.4, space: px * 2.6,
          values: loss || regression ? undefined : (_u, splits) => splits.map((v) => `${Math.round(v * 100)}%`),
        },
      ],
      series: [{ label: "step" }, ...raw, ...lines],
      hooks: {
        setCursor: [(u) => this.showValues(u.cursor.idx ?? null)],
        draw: [(u) => this.drawMarker(u)], // issue 11: the stop marker, over the curves after each redraw
      },
    };
  }
}
