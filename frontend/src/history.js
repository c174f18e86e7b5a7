// Loss/accuracy history for the charts: pure functions over column arrays (uPlot's data layout).

/** The curves the charts draw, in the server's `hello.history` layout. */
export const CURVES = /** @type {const} */ (["train_loss", "test_loss", "val_loss", "train_accuracy", "test_accuracy"]);

/** @typedef {(typeof CURVES)[number]} Curve */

/**
 * @typedef {{step: number[]} & Record<Curve, (number | null)[]>} History
 */

/** Above this many points the history is halved, so memory and chart cost stay bounded. */
export const MAX_POINTS = 2000;

/** @returns {History} */
export function emptyHistory() {
  return { step: [], train_loss: [], test_loss: [], val_loss: [], train_accuracy: [], test_accuracy: [] };
}

/**
 * A history from the server's `hello.history` (missing or ragged columns are padded with null).
 * @param {Partial<Record<string, (number | null)[]>> | null | undefined} raw
 * @returns {History}
 */
export function historyFrom(raw) {
  const h = emptyHistory();
  if (!raw || !Array.isArray(raw.step)) return h;
  h.step = raw.step.map((s) => Number(s));
  for (const c of CURVES) {
    const col = raw[c] ?? [];
    h[c] = h.step.map((_, i) => finiteOrNull(col[i]));
  }
  return h;
}

/**
 * @param {unknown} v
 * @returns {number | null}
 */
function finiteOrNull(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * Append one frame's metrics in place. A step at or below the last one means the run was reset:
 * the history restarts. Returns the same object.
 * @param {History} h
 * @param {number} step
 * @param {Partial<Record<Curve, number | null>>} metrics
 * @returns {History}
 */
export function appendHistory(h, step, metrics) {
  const last = h.step.length ? h.step[h.step.length - 1] : -1;
  if (step === last) return h;
  if (step < last) {
    h.step.length = 0;
    for (const c of CURVES) h[c].length = 0;
  }
  h.step.push(step);
  for (const c of CURVES) h[c].push(finiteOrNull(metrics[c]));
  if (h.step.length > MAX_POINTS) halve(h);
  return h;
}

/**
 * Keep every other point (and always the newest).
 * @param {History} h
 */
function halve(h) {
  const n = h.step.length;
  const keep = (/** @type {number} */ i) => i % 2 === (n - 1) % 2;
  h.step = h.step.filter((_, i) => keep(i));
  for (const c of CURVES) h[c] = h[c].filter((_, i) => keep(i));
}

/**
 * Exponential moving average with TensorBoard's debiasing, so the first points are not pulled
 * toward zero. Nulls stay null and do not advance the average.
 * @param {(number | null)[]} values
 * @param {number} weight  0 = raw … 0.99 = very smooth
 * @returns {(number | null)[]}
 */
export function smooth(values, weight) {
  if (!(weight > 0)) return values.slice();
  let avg = 0;
  let count = 0;
  return values.map((v) => {
    if (v === null) return null;
    avg = avg * weight + (1 - weight) * v;
    count++;
    return avg / (1 - weight ** count);
  });
}

/**
 * A step count for an axis tick: 950, 20k, 1.5M — full numbers ran into each other on a
 * narrow chart once training passed ten thousand steps.
 * @param {number} n
 * @returns {string}
 */
export function compactCount(n) {
  const a = Math.abs(n);
  if (a >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return `${n}`;
}
