// The Sweep panel's three charts (uPlot, like the curves): the final test loss against the first
// setting's values with one line per second-setting value, the seed ensemble's mean test loss
// with its min–max band, and the double-descent curve with the interpolation threshold marked.
// Each is a figure: a title, the plot (role img, its accessible name) and an HTML legend whose
// swatches repeat the line's colour, dash and marker. Ticks follow the page's --label size;
// uPlot draws at the device's pixel ratio, so the plots are sharp on HiDPI screens.

import uPlot from "../vendor/uplot/uPlot.esm.js";

import { extent, lossRange } from "./chartstyle.js";
import { compactCount } from "./history.js";
import { drawMarkers, swatch } from "./marks.js";
import { logTick } from "./normchart.js";
import { axisName, bandStats, labelledLogTicks, logSplits, seriesStyle, sweepSeries } from "./sweepdata.js";

/** @typedef {import("./sweepdata.js").LineStyle} LineStyle */
/** @typedef {import("./marks.js").LegendItem} LegendItem */

const INK = "#4b535c";
const GRID = { stroke: "#eceef1" };
const BLUE = "#0072B2";
const BAND_FILL = "rgba(0, 114, 178, 0.2)";

/** One chart of the panel: figure, title, plot area (role img) and legend; sized to its box. */
class SweepPlot {
  /**
   * @param {Document} doc
   * @param {string} name   the plot's accessible name (the e2e tests find it by it)
   * @param {string} title  the visible title
   * @param {string} key    the legend's accessible name: it must not contain a control's label
   *   ("Seed", "Test loss"), which a label search would then find twice
   */
  constructor(doc, name, title, key) {
    this.box = doc.createElement("figure");
    this.box.className = "sweep-chart-box";
    const caption = doc.createElement("figcaption");
    caption.className = "sweep-chart-title";
    caption.textContent = title;
    this.area = doc.createElement("div");
    this.area.className = "sweep-chart";
    this.area.setAttribute("role", "img");
    this.area.setAttribute("aria-label", name);
    this.legend = doc.createElement("ul");
    this.legend.className = "sweep-legend";
    this.legend.setAttribute("aria-label", key);
    this.box.append(caption, this.area, this.legend);
    /** @type {uPlot | null} */
    this.plot = null;
    this.key = "";
    this.legendKey = "";
    /** @type {{key: string, build: (w: number, h: number, px: number) => uPlot.Options, data: uPlot.AlignedData} | null} */
    this.last = null;
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => this.redraw()).observe(this.area);
  }

  /** @param {boolean} hidden */
  set hidden(hidden) { this.box.hidden = hidden; }
  get hidden() { return this.box.hidden; }

  /** @param {LegendItem[]} items */
  setLegend(items) {
    const key = items.map((i) => i.label).join("\n");
    if (key === this.legendKey) return;
    this.legendKey = key;
    const doc = this.box.ownerDocument;
    this.legend.replaceChildren(...items.map((item) => {
      const li = doc.createElement("li");
      li.append(swatch(doc, item), item.label);
      return li;
    }));
  }

  /**
   * Draws `data`; the options are rebuilt only when `key` changes (else the data is replaced).
   * @param {string} key
   * @param {(w: number, h: number, px: number) => uPlot.Options} build
   * @param {uPlot.AlignedData} data
   */
  draw(key, build, data) {
    this.last = { key, build, data };
    this.redraw();
  }

  redraw() {
    const last = this.last;
    const w = this.area.clientWidth;
    const h = this.area.clientHeight;
    if (!last || this.box.hidden || w < 50 || h < 50) return;
    if (last.key !== this.key || !this.plot) {
      const px = parseFloat(getComputedStyle(this.area).getPropertyValue("--label")) || 13;
      this.plot?.destroy();
      this.key = last.key;
      this.plot = new uPlot(last.build(w, h, px), last.data, this.area);
      this.area.dataset.ready = "true"; // drawn (the e2e tests wait for it)
      return;
    }
    if (this.plot.width !== w || this.plot.height !== h) this.plot.setSize({ width: w, height: h });
    if (this.plot.data !== last.data) this.plot.setData(last.data);
  }
}

/**
 * Axis options at `px`: ticks and label in the page's font.
 * @param {number} px
 * @param {string} label
 * @param {number} size  the axis' room (ticks), in units of px
 * @returns {uPlot.Axis}
 */
function axis(px, label, size) {
  const font = `${px}px system-ui, sans-serif`;
  return { label, font, labelFont: font, size: px * size, labelSize: px * 1.5, stroke: INK, grid: GRID, ticks: { stroke: "#d9dde2" } };
}

/** A log loss scale that spans at least a decade around the data (chartstyle's lossRange). @returns {uPlot.Scale} */
const logLoss = () => ({ distr: 3, log: 10, range: (u) => lossRange(...extent(u.data.slice(1)), true) });

/**
 * A log axis' ticks (our own splits: see logSplits), labelled as many as fit at `px`.
 * @param {number} px
 * @param {boolean} vertical  a y axis (labels stack by their height, else side by side)
 * @returns {Pick<uPlot.Axis, "splits" | "values" | "filter">}
 */
const logTicks = (px, vertical) => ({
  splits: (_u, _i, min, max) => logSplits(min, max),
  filter: (u, splits) => labelledLogTicks(splits, (vertical ? u.bbox.height : u.bbox.width) / (devicePixelRatio || 1), px * (vertical ? 1.6 : 3.2)),
  values: (_u, splits) => splits.map(logTick),
});

export class SweepCharts {
  /** @param {Document} doc */
  constructor(doc) {
    this.sweep = new SweepPlot(doc, "Sweep chart: final held-out loss per value", "Final test loss per value", "Key to the sweep chart");
    this.band = new SweepPlot(doc, "Ensemble band: mean and range of the held-out loss", "Seed ensemble: test loss", "Key to the ensemble band");
    this.dd = new SweepPlot(doc, "Double descent: test error against hidden width", "Double descent", "Key to the double-descent chart");
    this.band.hidden = true;
    this.dd.hidden = true;
    this.root = doc.createElement("div");
    this.root.className = "sweep-charts";
    this.root.append(this.sweep.box, this.band.box, this.dd.box);
  }

  /**
   * The final test loss against the first setting (categorical x), a line per second-setting value.
   * @param {import("./sweepdata.js").Axis[]} axes
   * @param {import("./sweepdata.js").SweepLane[]} lanes
   */
  paintSweep(axes, lanes) {
    // Over seeds alone the band says it better (its right end is the spread of these losses).
    this.sweep.hidden = axes.length === 1 && axes[0].field === "seed";
    const { field, ticks, series } = sweepSeries(axes, lanes);
    if (!series.length || this.sweep.hidden) return;
    const styles = series.map((_, j) => seriesStyle(j));
    this.sweep.setLegend(series.map((s, j) => ({ label: s.label, style: styles[j] })));
    const key = JSON.stringify([field, ticks, series.map((s) => s.label)]);
    const x = ticks.map((_, i) => i);
    this.sweep.draw(key, (width, height, px) => ({
      width, height, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: false, range: () => [-0.4, Math.max(0, ticks.length - 1) + 0.4] }, y: logLoss() },
      axes: [
        { ...axis(px, axisName(field), 2.1), grid: { show: false }, splits: () => x, values: (_u, splits) => splits.map((i) => ticks[i] ?? "") },
        { ...axis(px, "final test loss", 3.4), ...logTicks(px, true) },
      ],
      series: [{}, ...series.map((s, j) => ({ label: s.label, stroke: styles[j].color, dash: styles[j].dash, width: 2, points: { show: false } }))],
      hooks: { draw: [(u) => drawMarkers(u, styles)] },
    }), /** @type {uPlot.AlignedData} */ ([x, ...series.map((s) => s.values)]));
  }

  /**
   * The seed ensemble: mean test loss over the runs, with the band from the lowest to the highest.
   * @param {import("./sweepdata.js").Run[] | null} runs  null hides the chart (the seed is not swept)
   */
  paintBand(runs) {
    this.band.hidden = runs === null;
    if (!runs) return;
    const b = bandStats(runs);
    if (!b.steps.length) return;
    this.band.setLegend([{ label: "mean", style: { color: BLUE, dash: [], marker: "circle" } }, { label: "min–max", fill: BAND_FILL }]);
    this.band.draw("band", (width, height, px) => ({
      width, height, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: false }, y: logLoss() },
      axes: [
        { ...axis(px, "step", 2.1), space: px * 5, values: (_u, splits) => splits.map((v) => compactCount(v)) },
        { ...axis(px, "test loss", 3.4), ...logTicks(px, true) },
      ],
      series: [
        {},
        { label: "min", stroke: BAND_FILL, width: 1, points: { show: false } },
        { label: "max", stroke: BAND_FILL, width: 1, points: { show: false } },
        { label: "mean", stroke: BLUE, width: 2.2, points: { show: false } },
      ],
      bands: [{ series: [2, 1], fill: BAND_FILL }],
    }), /** @type {uPlot.AlignedData} */ ([b.steps, b.lo, b.hi, b.mean]));
  }

  /**
   * The double-descent curve: test error against hidden width (log–log), with a dashed line at
   * the interpolation threshold, width = number of training points.
   * @param {{widths: number[], test_error: number[], n_train: number}} curve
   */
  paintDoubleDescent(curve) {
    const style = /** @type {LineStyle} */ ({ color: BLUE, dash: [], marker: "circle" });
    const threshold = /** @type {LineStyle} */ ({ color: "#30363d", dash: [5, 4], marker: "circle" });
    this.dd.setLegend([{ label: "test error", style }, { label: "interpolation threshold", style: threshold, bare: true }]);
    const n = curve.n_train;
    const widths = curve.widths;
    this.dd.draw(`dd:${n}:${widths.join(",")}`, (width, height, px) => ({
      width, height, legend: { show: false }, cursor: { show: false },
      scales: {
        x: { time: false, distr: 3, log: 10, range: () => [Math.min(...widths) / 1.25, Math.max(...widths) * 1.25] },
        // Headroom over the peak for the threshold's label.
        y: { distr: 3, log: 10, range: (u) => { const [lo, hi] = lossRange(...extent(u.data.slice(1)), true); return [lo, hi * 2.5]; } },
      },
      axes: [
        { ...axis(px, "hidden width (units)", 2.1), ...logTicks(px, false) },
        { ...axis(px, "test error", 3.4), ...logTicks(px, true) },
      ],
      series: [{}, { label: "test error", stroke: BLUE, width: 2, points: { show: false } }],
      hooks: {
        draw: [(u) => {
          drawMarkers(u, [style]);
          const ctx = u.ctx;
          const dpr = devicePixelRatio || 1;
          const xpos = u.valToPos(n, "x", true);
          ctx.save();
          ctx.strokeStyle = threshold.color;
          ctx.fillStyle = threshold.color;
          ctx.lineWidth = 1.5 * dpr;
          ctx.setLineDash(threshold.dash.map((d) => d * dpr));
          ctx.beginPath();
          ctx.moveTo(xpos, u.bbox.top);
          ctx.lineTo(xpos, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.font = `${px * dpr}px system-ui, sans-serif`;
          ctx.textBaseline = "top";
          // Right of the line where the label fits there, else left of it.
          const text = `width = n = ${n}`;
          const right = xpos + (5 * dpr + ctx.measureText(text).width) <= u.bbox.left + u.bbox.width;
          ctx.textAlign = right ? "left" : "right";
          ctx.fillText(text, xpos + (right ? 5 : -5) * dpr, u.bbox.top + 4 * dpr);
          ctx.restore();
        }],
      },
    }), /** @type {uPlot.AlignedData} */ ([widths, curve.test_error.map((e) => Math.max(e, 1e-6))]));
  }
}
