// Per-layer norm history for normchart.js: pure functions over uPlot's column layout (as
// history.js is for the loss curves), so they are unit-tested without a browser.

/** Above this many points the series are halved, as in history.js. */
const MAX_POINTS = 2000;
/** Log axes cannot show 0: a norm below this is drawn at it. */
const FLOOR = 1e-12;

/**
 * @typedef {object} NormSeries  columns in uPlot's layout: steps, then one column per layer
 * @property {number[]} step
 * @property {(number | null)[][]} layers
 */

/** @returns {NormSeries} */
export function emptyNorms() {
  return { step: [], layers: [] };
}

/**
 * Append one measurement in place. A step at or below the last one means a reset (restart); a
 * different layer count (the network changed) restarts too, since a line must be one layer.
 * @param {NormSeries} s
 * @param {number} step
 * @param {readonly (number | null)[] | undefined} norms
 * @returns {boolean}  whether anything was added
 */
export function appendNorms(s, step, norms) {
  if (!norms || norms.length === 0) return false;
  const last = s.step.length ? s.step[s.step.length - 1] : -1;
  if (step === last) return false;
  if (step < last || norms.length !== s.layers.length) {
    s.step.length = 0;
    s.layers = norms.map(() => []);
  }
  s.step.push(step);
  norms.forEach((v, i) => s.layers[i].push(typeof v === "number" && Number.isFinite(v) ? Math.max(v, FLOOR) : null));
  if (s.step.length > MAX_POINTS) {
    const keep = (/** @type {unknown} */ _, /** @type {number} */ i) => i % 2 === 1;
    s.step = s.step.filter(keep);
    s.layers = s.layers.map((col) => col.filter(keep));
  }
  return true;
}

/**
 * The line names: "Layer 1" … and "Output" for the last.
 * @param {number} count
 */
export function layerNames(count) {
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? "Output" : `Layer ${i + 1}`));
}

