// The Sweep panel's data, pure so it can be unit-tested (no DOM, no uPlot): the settings a sweep
// may vary, value and loss labels, where each model sits in the grid of small multiples, the
// chart series (one per second-setting value) with their styles, and the seed ensemble's band.

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
  { field: "hidden_layers", label: "Hidden layers", values: "2, 4, 8, 16, 32" },
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

/** A value as the panel writes it: layer lists as widths ("8-8", "none"). @param {unknown} v */
export const label = (v) => (Array.isArray(v) ? (v.length ? v.join("-") : "none") : String(v));

/** A setting's name as the controls show it ("Learning rate"). @param {string} field */
export function axisName(field) {
  return SWEEP_FIELDS.find((f) => f.field === field)?.label ?? field.replaceAll("_", " ");
}

/** A legend entry for one value of a setting ("activation relu", "learning rate 0.1"). @param {string} field @param {unknown} value */
export const valueName = (field, value) => `${field.replaceAll("_", " ")} ${label(value)}`;

/**
 * A loss for a 13 px badge: three decimals down to 0.01, then two significant digits as a power
 * of ten (0.000 would hide how small it is).
 * @param {number | null} v
 */
export function formatLoss(v) {
  if (v === null || !Number.isFinite(v)) return "–";
  if (v >= 100) return v.toExponential(1).replace("e+", "e");
  if (v >= 10) return v.toFixed(1);
  if (v >= 0.01 || v === 0) return v.toFixed(3);
  return v.toExponential(1);
}

/** A thumbnail's badge. @param {SweepLane} lane */
export const badgeText = (lane) => (lane.diverged ? "diverged" : formatLoss(lane.test_loss));

/**
 * The grid's shape: two settings make a table (rows = the first setting's values, columns = the
 * second's); one setting puts up to six models in a row, and wraps more into rows of at least
 * four, at most three rows while that keeps the rows under eight wide (16 seeds: 3 rows of 6),
 * so the panel stays low.
 * @param {Axis[]} axes
 * @param {number} count  models in the sweep
 * @returns {{rows: number, cols: number, table: boolean}}
 */
export function gridShape(axes, count) {
  if (axes.length === 2) return { rows: axes[0].values.length, cols: axes[1].values.length, table: true };
  // Five models (a width sweep 2…32) in one row: a lone map on a second row reads as an
  // afterthought.
  const cols = count <= 6 ? Math.max(1, count) : Math.max(4, Math.min(8, Math.ceil(count / 3)));
  return { rows: Math.ceil(count / cols), cols, table: false };
}

/**
 * Where each lane's values sit along each axis (by label, so layer lists compare by their
 * widths); when that is ambiguous, the lanes' own order (first setting major).
 * @param {Axis[]} axes
 * @param {SweepLane[]} lanes
 * @returns {number[][]}  per lane, its index along each axis
 */
export function lanePositions(axes, lanes) {
  const n1 = axes[1]?.values.length ?? 1;
  const inOrder = lanes.map((_, i) => axes.map((_a, k) => (k === 0 ? Math.floor(i / n1) : i % n1)));
  const found = lanes.map((lane) => axes.map((axis, k) => axis.values.findIndex((v) => label(v) === label(lane.values[k]))));
  // A value typed twice ("0.1, 0.1") or one the server wrote differently: the lanes' own order.
  const keys = new Set(found.map((p) => p.join(",")));
  return keys.size === lanes.length && found.every((p) => p.every((at) => at >= 0)) ? found : inOrder;
}

/**
 * The model with the lowest finite test loss (-1 when none has one yet): the grid outlines it.
 * @param {SweepLane[]} lanes
 */
export function bestLane(lanes) {
  let best = -1;
  lanes.forEach((l, i) => {
    if (l.diverged || l.test_loss === null || !Number.isFinite(l.test_loss)) return;
    if (best < 0 || l.test_loss < /** @type {number} */ (lanes[best].test_loss)) best = i;
  });
  return best;
}

/**
 * @typedef {object} LineStyle
 * @property {string} color
 * @property {number[]} dash  canvas dash pattern in CSS px ([] = solid)
 * @property {"circle" | "square" | "triangle" | "diamond"} marker
 */

/** Okabe–Ito, readable under colour-vision deficiency; dash and marker tell series apart without colour. */
const COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
const DASHES = [[], [9, 5], [2, 4], [12, 4, 2, 4]];
/** @type {LineStyle["marker"][]} */
const MARKERS = ["circle", "square", "triangle", "diamond"];

/** The j-th series' look: colour, dash and marker all differ between neighbours. @param {number} j @returns {LineStyle} */
export function seriesStyle(j) {
  return { color: COLORS[j % COLORS.length], dash: DASHES[j % DASHES.length], marker: MARKERS[(j + Math.floor(j / 4)) % MARKERS.length] };
}

/**
 * The sweep chart's data: x is the first setting's value by position (categorical), one series
 * per second-setting value (or one "test loss" series), diverged or missing losses as gaps.
 * @param {Axis[]} axes
 * @param {SweepLane[]} lanes
 * @returns {{field: string, ticks: string[], series: {label: string, values: (number | null)[]}[]}}
 */
export function sweepSeries(axes, lanes) {
  if (!axes.length) return { field: "", ticks: [], series: [] };
  const [first, second] = axes;
  const series = second
    ? second.values.map((v) => ({ label: valueName(second.field, v), values: first.values.map(() => /** @type {number | null} */ (null)) }))
    : [{ label: "test loss", values: first.values.map(() => /** @type {number | null} */ (null)) }];
  const where = lanePositions(axes, lanes);
  lanes.forEach((lane, i) => {
    const [x, j = 0] = where[i];
    const v = lane.test_loss;
    if (!lane.diverged && v !== null && Number.isFinite(v) && series[j] && x < first.values.length) series[j].values[x] = Math.max(v, 1e-6);
  });
  return { field: first.field, ticks: first.values.map(label), series };
}

/** @typedef {{steps: number[], losses: number[]}} Run */

/** A run's history keeps at most this many points: past it every other one is dropped. */
export const MAX_RUN_POINTS = 2000;

/**
 * Adds a lane's test loss at `step` to its run; a step that goes back (a new sweep, a reset)
 * starts the run again. Returns the run to keep.
 * @param {Run | undefined} run
 * @param {number} step
 * @param {number | null} loss
 * @returns {Run}
 */
export function extendRun(run, step, loss) {
  let r = run ?? { steps: [], losses: [] };
  const last = r.steps[r.steps.length - 1];
  if (last !== undefined && step < last) r = { steps: [], losses: [] };
  const end = r.steps[r.steps.length - 1];
  if (loss === null || !Number.isFinite(loss) || (end !== undefined && step <= end)) return r;
  r.steps.push(step);
  r.losses.push(loss);
  if (r.steps.length > MAX_RUN_POINTS) {
    const n = r.steps.length;
    const keep = (/** @type {unknown} */ _, /** @type {number} */ k) => (n - 1 - k) % 2 === 0; // the latest point stays
    r.steps = r.steps.filter(keep);
    r.losses = r.losses.filter(keep);
  }
  return r;
}

/**
 * A seed ensemble's band: at each step that every run has measured, the lowest, mean and highest
 * test loss over the runs.
 * @param {Run[]} runs
 * @returns {{steps: number[], lo: number[], mean: number[], hi: number[]}}
 */
export function bandStats(runs) {
  const out = { steps: /** @type {number[]} */ ([]), lo: /** @type {number[]} */ ([]), mean: /** @type {number[]} */ ([]), hi: /** @type {number[]} */ ([]) };
  const live = runs.filter((r) => r.steps.length);
  if (!live.length) return out;
  const maps = live.map((r) => new Map(r.steps.map((s, k) => [s, r.losses[k]])));
  for (const step of live[0].steps) {
    const at = maps.map((m) => m.get(step));
    if (at.some((v) => v === undefined)) continue;
    const vs = /** @type {number[]} */ (at);
    out.steps.push(step);
    out.lo.push(Math.min(...vs));
    out.hi.push(Math.max(...vs));
    out.mean.push(vs.reduce((a, b) => a + b, 0) / vs.length);
  }
  return out;
}

/**
 * Ticks of a log axis from `min` to `max`: 1, 2 and 5 times the powers of ten up to 1.5
 * decades, 1 and 3 times them up to 3.5 decades, else the powers of ten alone (every other one
 * past 6 decades). Computed here because uPlot's own log splits assume the range starts at a power of
 * ten; from a min like 0.096 they step 0.11, 0.22, … and round to 0 forever.
 * @param {number} min
 * @param {number} max
 * @returns {number[]}
 */
export function logSplits(min, max) {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const decades = Math.log10(max / min);
  const mults = decades <= 1.5 ? [1, 2, 5] : decades <= 3.5 ? [1, 3] : [1];
  const every = decades > 6 ? 2 : 1;
  /** @type {number[]} */
  const out = [];
  for (let e = lo; e <= hi; e++) {
    if (mults.length === 1 && e % every !== 0) continue;
    for (const m of mults) {
      const v = +(m * 10 ** e).toPrecision(3);
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

/**
 * The log ticks that get a label on an axis `length` CSS px long, each label needing `gap` px:
 * all of them when they fit, else the powers of ten, else every k-th power of ten (the rest
 * keep their grid line; null leaves a tick unlabelled, as uPlot expects).
 * @param {number[]} splits
 * @param {number} length
 * @param {number} gap
 * @returns {(number | null)[]}
 */
export function labelledLogTicks(splits, length, gap) {
  const fits = (/** @type {number} */ n) => n <= 1 || (n - 1) * gap <= length;
  if (fits(splits.length)) return splits;
  const decade = (/** @type {number} */ v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
  const powers = splits.filter(decade);
  if (fits(powers.length)) return splits.map((v) => (decade(v) ? v : null));
  const every = Math.ceil(((powers.length - 1) * gap) / Math.max(length, 1));
  return splits.map((v) => (decade(v) && powers.indexOf(v) % every === 0 ? v : null));
}
