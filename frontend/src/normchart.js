// Per-layer norms over training (uPlot, log scale, one line per layer): the gradient norm of each
// layer's weights (`metrics.grad_norms`, what vanishing gradients look like) or their size
// (`metrics.weight_norms`, what L1/L2 do). Frames carry both vectors: hidden layers 0..depth-1,
// then the output layer. `append` stores; `paint` commits once per animation frame.

import uPlot from "../vendor/uplot/uPlot.esm.js";

import { compactCount } from "./history.js";
import { appendNorms, emptyNorms, layerNames } from "./norms.js";

/** @typedef {import("./norms.js").NormSeries} NormSeries */

/** @typedef {"gradients" | "weights"} NormKind */

/** The metric each kind plots, and the axis label. */
export const NORM_KINDS = Object.freeze({
  gradients: { metric: "grad_norms", label: "gradient norm" },
  weights: { metric: "weight_norms", label: "weight norm" },
});

/** Layer colours from the input side (dark) to the output (light): viridis, readable when colour-blind. */
const LAYER_COLORS = ["#440154", "#443983", "#31688e", "#21918c", "#35b779", "#90d743", "#e3c800"];

/**
 * A log-axis tick: 0.1, 1, 10 as written, smaller and larger as powers of ten (uPlot's default
 * rounds 1e-4 to "0").
 * @param {number | null} v  uPlot passes null for a split it leaves unlabelled
 */
export function logTick(v) {
  if (v === null || !Number.isFinite(v)) return "";
  return v >= 0.01 && v < 1e4 ? String(+v.toPrecision(2)) : v.toExponential(0).replace("e+", "e");
}

export class NormChart {
  /**
   * @param {HTMLElement} root  the chart's box (hidden by the page when no lesson or toggle asks)
   */
  constructor(root) {
    this.root = root;
    /** @type {uPlot | null} */
    this.plot = null;
    this.key = "";
    /** @type {Record<NormKind, NormSeries>} */
    this.series = { gradients: emptyNorms(), weights: emptyNorms() };
    /** @type {NormKind} */
    this.kind = "gradients";
    this.presenter = false;
    /** @type {"step" | "epoch"} */
    this.unit = "step";
    this.stepsPerUnit = 1;
    this.version = 0;
    this.drawn = -1;
  }

  /**
   * @param {number} step  metrics_step of the frame
   * @param {{grad_norms?: number[], weight_norms?: number[]} | null | undefined} metrics
   */
  append(step, metrics) {
    if (!metrics) return;
    const a = appendNorms(this.series.gradients, step, metrics.grad_norms);
    const b = appendNorms(this.series.weights, step, metrics.weight_norms);
    if (a || b) this.version++;
  }

  /**
   * @param {NormKind} kind
   * @param {boolean} presenter
   * @param {"step" | "epoch"} unit  what the x axis counts in, as on the loss chart
   * @param {number} stepsPerUnit
   */
  update(kind, presenter, unit, stepsPerUnit) {
    this.kind = kind;
    this.presenter = presenter;
    this.unit = unit;
    this.stepsPerUnit = stepsPerUnit;
  }

  paint() {
    if (this.root.hidden || this.root.clientWidth === 0) return;
    const s = this.series[this.kind];
    const width = Math.max(200, this.root.clientWidth);
    // The box's height (issue 12's layout sizes it), less uPlot's legend under the plot.
    const legend = /** @type {HTMLElement | null} */ (this.root.querySelector(".u-legend"));
    const height = Math.max(100, this.root.clientHeight - (legend?.offsetHeight ?? 28));
    const key = `${this.kind}:${s.layers.length}:${this.presenter}:${this.unit}:${this.stepsPerUnit}`;
    if (key !== this.key || !this.plot) {
      this.key = key;
      this.plot?.destroy();
      this.plot = new uPlot(this.options(s.layers.length, width, height), this.data(), this.root);
      this.drawn = this.version;
      return;
    }
    if (this.plot.width !== width || this.plot.height !== height) this.plot.setSize({ width, height });
    if (this.drawn !== this.version) {
      this.drawn = this.version;
      this.plot.setData(this.data());
    }
  }

  /** @returns {uPlot.AlignedData} */
  data() {
    const s = this.series[this.kind];
    return /** @type {uPlot.AlignedData} */ ([s.step, ...s.layers]);
  }

  /**
   * @param {number} layers
   * @param {number} width
   * @param {number} height
   * @returns {uPlot.Options}
   */
  options(layers, width, height) {
    // Ticks at the page's label size (CSS --label: 13 px, 20 px in presenter mode).
    const px = parseFloat(getComputedStyle(this.root).getPropertyValue("--label")) || 13;
    const font = `${px}px system-ui, sans-serif`;
    const names = layerNames(layers);
    return {
      width,
      height,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: { distr: 3, log: 10 } },
      axes: [
        { label: this.unit, font, labelFont: font, size: px * 2.3, labelSize: px * 1.5, stroke: "#5b636d", grid: { stroke: "#eceef1" },
          values: (_u, splits) => splits.map((v) => compactCount(+(v / this.stepsPerUnit).toPrecision(3))) },
        { label: NORM_KINDS[this.kind].label, font, labelFont: font, size: px * 4.3, labelSize: px * 1.5, stroke: "#5b636d", grid: { stroke: "#eceef1" },
          values: (_u, splits) => splits.map(logTick) },
      ],
      series: [
        { label: "step" },
        ...names.map((label, i) => ({
          label,
          stroke: LAYER_COLORS[Math.round((i * (LAYER_COLORS.length - 1)) / Math.max(1, layers - 1))],
          width: this.presenter ? 3 : 2,
          spanGaps: true,
          points: { show: false },
        })),
      ],
    };
  }
}
