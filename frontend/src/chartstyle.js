// The curves' look and their y-range, pure so they can be unit-tested: each series has its own
// colour, dash pattern and legend marker (readable without colour, in print and under CVD), and
// the y-range never zooms into noise (loss anchored at 0, or at least a decade on a log axis).

/**
 * @typedef {object} SeriesStyle
 * @property {string} key      history column
 * @property {string} label
 * @property {string} color
 * @property {number[]} dash   canvas dash pattern in CSS px ([] = solid)
 * @property {"circle" | "square" | "triangle"} marker
 */

/** Okabe–Ito blue, vermillion and bluish green. */
const BLUE = "#0072B2";
const VERMILLION = "#D55E00";
const GREEN = "#009E73";

/** @type {readonly SeriesStyle[]} */
export const LOSS_SERIES = Object.freeze([
  { key: "train_loss", label: "Train loss", color: BLUE, dash: [], marker: "circle" },
  { key: "test_loss", label: "Test loss", color: VERMILLION, dash: [9, 5], marker: "square" },
  { key: "val_loss", label: "Validation loss", color: GREEN, dash: [2, 4], marker: "triangle" },
]);

/**
 * @param {boolean} regression  R² instead of accuracy
 * @returns {SeriesStyle[]}
 */
export function accuracySeries(regression) {
  const name = regression ? "R²" : "accuracy";
  return [
    { key: "train_accuracy", label: `Train ${name}`, color: BLUE, dash: [], marker: "circle" },
    { key: "test_accuracy", label: `Test ${name}`, color: VERMILLION, dash: [9, 5], marker: "square" },
  ];
}

/** A linear loss axis spans at least this much (a loss of 0.69–0.71 is a flat line, not a zig-zag). */
export const MIN_LINEAR_SPAN = 0.1;

/**
 * The loss axis' range for data between `lo` and `hi` (finite, or null when there are none).
 * Linear: from 0 (losses are ≥ 0) to a little above the largest value, never less than
 * MIN_LINEAR_SPAN. Log: at least one decade, centred on the data.
 * @param {number | null} lo
 * @param {number | null} hi
 * @param {boolean} log
 * @returns {[number, number]}
 */
export function lossRange(lo, hi, log) {
  if (lo === null || hi === null) return log ? [0.01, 1] : [0, 1];
  if (!log) return [Math.min(0, lo), Math.max(hi * 1.08, Math.min(0, lo) + MIN_LINEAR_SPAN)];
  const a = Math.max(lo, 1e-6);
  const b = Math.max(hi, a);
  const decades = Math.log10(b / a);
  const pad = Math.max(0, 1 - decades) / 2 + 0.05;
  return [a / 10 ** pad, b * 10 ** pad];
}

/**
 * The accuracy (or R²) axis: [0, 1] for accuracy; for R² from the data's minimum (not below -1,
 * where a bad fit's curve would squash the rest) to 1.
 * @param {number | null} lo
 * @param {boolean} regression
 * @returns {[number, number]}
 */
export function accuracyRange(lo, regression) {
  if (!regression) return [0, 1];
  return [Math.max(-1, Math.min(0, lo ?? 0)), 1];
}

/**
 * Smallest and largest finite values of some columns.
 * @param {ArrayLike<number | null | undefined>[]} columns
 * @returns {[number | null, number | null]}
 */
export function extent(columns) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const col of columns) {
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      if (typeof v === "number" && Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  return lo <= hi ? [lo, hi] : [null, null];
}
