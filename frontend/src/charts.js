// Loss curves (uPlot): train / test / validation loss, smoothed over a faint raw curve, accuracy
// (or R²) on a second axis, linear or log loss scale. `update` stores; `paint` commits once.

import uPlot from "../vendor/uplot/uPlot.esm.js";

import { compactCount, smooth } from "./history.js";

const COLORS = { train: "#0072B2", test: "#D55E00", val: "#009E73" };
/** Positions of the validation curves (raw, smoothed) in the series and data arrays. */
const VAL_COLUMNS = [3, 6];

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

/**
 * @param {string} hex
 * @param {number} alpha
 */
function faint(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export class LossChart {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    /** @type {uPlot | null} */
    this.plot = null;
    /** @type {ChartInput | null} */
    this.input = null;
    this.optionsKey = "";
    this.drawn = "";
  }

  /** @param {ChartInput} input */
  update(input) {
    this.input = input;
  }

  paint() {
    const input = this.input;
    if (!input) return;
    const width = Math.max(200, this.root.clientWidth);
    const height = input.presenter ? 140 : 190;
    const key = JSON.stringify([input.logScale, input.regression, input.presenter, input.validation, input.xUnit, input.stepsPerUnit]);
    if (key !== this.optionsKey || !this.plot) {
      this.optionsKey = key;
      this.plot?.destroy();
      this.plot = new uPlot(this.options(input, width, height), this.data(input), this.root);
      this.drawn = "";
    } else if (this.plot.width !== width || this.plot.height !== height) {
      this.plot.setSize({ width, height });
    }
    const drawn = `${input.version}:${input.smoothing}:${input.marker?.step ?? ""}`;
    if (drawn !== this.drawn) {
      this.drawn = drawn;
      this.plot.setData(this.data(input));
    }
  }

  /**
   * @param {ChartInput} input
   * @returns {uPlot.AlignedData}
   */
  data(input) {
    const h = input.history;
    // Log axes cannot show 0 or negative losses; clamp to a tiny positive value instead of dropping.
    const loss = (/** @type {(number | null)[]} */ v) => (input.logScale ? v.map((x) => (x === null ? null : Math.max(x, 1e-6))) : v);
    const s = (/** @type {(number | null)[]} */ v) => loss(smooth(v, input.smoothing));
    const columns = [
      h.step,
      loss(h.train_loss), loss(h.test_loss), loss(h.val_loss),
      s(h.train_loss), s(h.test_loss), s(h.val_loss),
      h.train_accuracy, h.test_accuracy,
    ];
    return /** @type {uPlot.AlignedData} */ (columns.filter((_, i) => input.validation || !VAL_COLUMNS.includes(i)));
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
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textAlign = x > u.bbox.left + u.bbox.width / 2 ? "right" : "left";
    ctx.fillText(marker.label, x + (ctx.textAlign === "right" ? -4 : 4) * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
    ctx.restore();
  }

  /**
   * @param {ChartInput} input
   * @param {number} width
   * @param {number} height
   * @returns {uPlot.Options}
   */
  options(input, width, height) {
    const thick = input.presenter ? 3.5 : 2;
    const acc = input.regression ? "R²" : "accuracy";
    const accShort = input.regression ? "R²" : "acc.";
    /** @type {(label: string, color: string, extra?: Partial<uPlot.Series>) => uPlot.Series} */
    const line = (label, color, extra = {}) => ({ label, stroke: color, width: thick, spanGaps: true, points: { show: false }, ...extra });
    const raw = (/** @type {string} */ label, /** @type {string} */ color) =>
      line(label, faint(color, 0.28), { width: 1, class: "raw", value: (_u, v) => (v === null ? "–" : v.toFixed(3)) });
    const font = `${input.presenter ? 15 : 12}px system-ui, sans-serif`;
    return {
      width,
      height,
      // issue 11: the stop marker, drawn over the curves after each redraw.
      hooks: { draw: [(u) => this.drawMarker(u)] },
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false },
        loss: { distr: input.logScale ? 3 : 1, auto: true },
        acc: { auto: false, range: input.regression ? [-1, 1] : [0, 1] },
      },
      axes: [
        // issue 11: the axis says steps or epochs, whichever the page's pace counts in.
        { label: input.xUnit ?? "step", font, labelFont: font, size: 34, labelSize: 18, stroke: "#5b636d", grid: { stroke: "#eceef1" },
          space: input.presenter ? 70 : 50, values: (_u, splits) => splits.map((v) => compactCount(+(v / (input.stepsPerUnit ?? 1)).toPrecision(3))) },
        { scale: "loss", label: "loss", font, labelFont: font, size: 52, labelSize: 18, stroke: "#5b636d", grid: { stroke: "#eceef1" } },
        { scale: "acc", side: 1, label: acc, font, labelFont: font, size: 40, labelSize: 18, stroke: "#5b636d", grid: { show: false } },
      ],
      series: [
        { label: "step" },
        raw("train (raw)", COLORS.train),
        raw("test (raw)", COLORS.test),
        raw("validation (raw)", COLORS.val),
        line("Train loss", COLORS.train, { scale: "loss" }),
        line("Test loss", COLORS.test, { scale: "loss" }),
        line("Validation loss", COLORS.val, { scale: "loss" }),
        line(`Train ${accShort}`, COLORS.train, { scale: "acc", dash: [6, 4], width: thick * 0.6 }),
        line(`Test ${accShort}`, COLORS.test, { scale: "acc", dash: [6, 4], width: thick * 0.6 }),
      ]
        .map((series, i) => (i >= 1 && i <= 3 ? { ...series, scale: "loss" } : series))
        .filter((_, i) => input.validation || !VAL_COLUMNS.includes(i)),
    };
  }
}
