// Training pace: named settings students understand (slow motion, the TensorFlow Playground's
// one epoch a frame, fast, max), defined in lessons.json beside the lessons that use them, and
// turned here into the server's `steps_per_frame` (null = max: the server fills its frame
// budget, which is what `nnplayground bench` measures).

import RECORDS from "./lessons.json" with { type: "json" };

/**
 * @typedef {object} PaceSpec
 * @property {string} label   what the Speed dropdown shows
 * @property {string} about   what it means (the option's tooltip)
 * @property {number} [steps]   fixed steps a frame
 * @property {number} [epochs]  epochs a frame: steps = epochs × ⌈n_train / batch_size⌉
 */

/** @type {Readonly<Record<string, PaceSpec>>} */
export const PACES = Object.freeze(/** @type {Record<string, PaceSpec>} */ (RECORDS.paces));
export const PACE_NAMES = Object.freeze(Object.keys(PACES));
export const DEFAULT_PACE = RECORDS.default_pace;
/** Frames a second the page asks for (and the lessons' claims assume). */
export const FPS = RECORDS.fps;
/** The server's cap on steps_per_frame (protocol limits). */
const MAX_STEPS_PER_FRAME = 10000;

/**
 * Steps in one epoch: every training example seen once.
 * @param {number} nTrain
 * @param {number} batchSize
 */
export function stepsPerEpoch(nTrain, batchSize) {
  return Math.max(1, Math.ceil(nTrain / Math.max(1, batchSize)));
}

/**
 * @param {string} pace  a key of PACES (unknown names fall back to the default)
 * @param {number} nTrain  training examples
 * @param {number} batchSize
 * @returns {number | null}  null = max (auto)
 */
export function stepsPerFrame(pace, nTrain, batchSize) {
  const spec = PACES[pace] ?? PACES[DEFAULT_PACE];
  if (spec.steps !== undefined) return spec.steps;
  if (spec.epochs === undefined) return null;
  return Math.max(1, Math.min(MAX_STEPS_PER_FRAME, Math.round(spec.epochs * stepsPerEpoch(nTrain, batchSize))));
}

/**
 * What the loss chart's x axis counts in: steps in slow motion (one step a frame), epochs otherwise.
 * @param {string} pace
 * @returns {"step" | "epoch"}
 */
export function paceUnit(pace) {
  return (PACES[pace] ?? PACES[DEFAULT_PACE]).steps !== undefined ? "step" : "epoch";
}

/**
 * A link from before paces (`steps_per_frame=N`, 0 = auto) read as the nearest named pace.
 * @param {number} spf
 * @returns {string}
 */
export function paceFromSteps(spf) {
  if (spf <= 0) return "max";
  return spf === 1 ? "slow" : DEFAULT_PACE;
}
