import assert from "node:assert/strict";
import { test } from "node:test";

import {
  axisName, badgeText, bandStats, bestLane, extendRun, formatLoss, gridShape, labelledLogTicks, lanePositions, logSplits,
  MAX_RUN_POINTS, parseValue, seriesStyle, sweepSeries, valueName,
} from "../src/sweepdata.js";

/**
 * @param {unknown[]} values
 * @param {number | null} loss
 * @param {boolean} [diverged]
 * @returns {import("../src/sweepdata.js").SweepLane}
 */
const lane = (values, loss, diverged = false) => ({ values, step: 100, test_loss: loss, train_loss: loss, diverged });

const LR = { field: "learning_rate", values: [0.01, 0.03, 0.1, 0.3] };
const ACT = { field: "activation", values: ["tanh", "relu", "sigmoid", "gelu"] };

test("typed values: numbers, booleans, layer widths and names", () => {
  assert.equal(parseValue("learning_rate", " 0.03 "), 0.03);
  assert.equal(parseValue("batch_norm", "true"), true);
  assert.deepEqual(parseValue("hidden_layers", "8-8"), [8, 8]);
  assert.deepEqual(parseValue("hidden_layers", "none"), []);
  assert.equal(parseValue("activation", "relu"), "relu");
});

test("names: settings as the controls say them, legend entries as setting and value", () => {
  assert.equal(axisName("learning_rate"), "Learning rate");
  assert.equal(axisName("some_field"), "some field");
  assert.equal(valueName("activation", "relu"), "activation relu");
  assert.equal(valueName("hidden_layers", [8, 8]), "hidden layers 8-8");
});

test("a loss badge keeps small losses readable and says when a model diverged", () => {
  assert.equal(formatLoss(0.0634), "0.063");
  assert.equal(formatLoss(0.00042), "4.2e-4");
  assert.equal(formatLoss(0), "0.000");
  assert.equal(formatLoss(12.34), "12.3");
  assert.equal(formatLoss(3.2e5), "3.2e5");
  assert.equal(formatLoss(null), "–");
  assert.equal(formatLoss(NaN), "–");
  assert.equal(badgeText(lane([0.3], 5.1, true)), "diverged");
  assert.equal(badgeText(lane([0.3], 0.25)), "0.250");
});

test("two settings make a table of rows x columns; one wraps into at most three low rows", () => {
  assert.deepEqual(gridShape([LR, ACT], 16), { rows: 4, cols: 4, table: true });
  assert.deepEqual(gridShape([{ field: "l2", values: [0, 1] }, ACT], 8), { rows: 2, cols: 4, table: true });
  assert.deepEqual(gridShape([{ field: "seed", values: [...Array(16).keys()] }], 16), { rows: 3, cols: 6, table: false });
  assert.deepEqual(gridShape([{ field: "seed", values: [...Array(8).keys()] }], 8), { rows: 2, cols: 4, table: false });
  assert.deepEqual(gridShape([LR], 4), { rows: 1, cols: 4, table: false });
  assert.deepEqual(gridShape([{ field: "hidden_layers", values: [[2], [4], [8], [16], [32]] }], 5), { rows: 1, cols: 5, table: false });
  assert.deepEqual(gridShape([{ field: "seed", values: [...Array(7).keys()] }], 7), { rows: 2, cols: 4, table: false });
  assert.deepEqual(gridShape([{ field: "seed", values: [0, 1] }], 2), { rows: 1, cols: 2, table: false });
});

test("each lane sits at its values' places, whatever order the lanes come in", () => {
  const lanes = [lane([0.3, "relu"], 1), lane([0.01, "tanh"], 1), lane([0.1, "gelu"], 1)];
  assert.deepEqual(lanePositions([LR, ACT], lanes), [[3, 1], [0, 0], [2, 3]]);
  // Layer lists compare by their widths.
  const hl = { field: "hidden_layers", values: [[4], [8, 8]] };
  assert.deepEqual(lanePositions([hl], [lane([[8, 8]], 1), lane([[4]], 1)]), [[1], [0]]);
  // A value typed twice: the lanes' own order (first setting major).
  const twice = { field: "l2", values: [0.1, 0.1] };
  assert.deepEqual(lanePositions([twice, { field: "seed", values: [0, 1] }], [0, 1, 2, 3].map((i) => lane([0.1, i % 2], 1))), [[0, 0], [0, 1], [1, 0], [1, 1]]);
});

test("the best model is the lowest finite test loss of the ones that did not diverge", () => {
  assert.equal(bestLane([lane([1], 0.2), lane([2], 0.01, true), lane([3], 0.05), lane([4], null)]), 2);
  assert.equal(bestLane([lane([1], null)]), -1);
});

test("series styles differ between neighbours in colour, dash and marker", () => {
  for (let j = 0; j < 7; j++) {
    const a = seriesStyle(j);
    const b = seriesStyle(j + 1);
    assert.notEqual(a.color, b.color);
    assert.notEqual(a.dash.join(), b.dash.join());
    assert.notEqual(a.marker, b.marker);
  }
  assert.equal(new Set([0, 1, 2, 3].map((j) => seriesStyle(j).marker)).size, 4);
});

test("the sweep chart: categorical x ticks, one series per second value, gaps for diverged models", () => {
  const lanes = LR.values.flatMap((lr, i) => ACT.values.map((a, j) => lane([lr, a], i === 3 && j === 1 ? 9 : 0.1 * (i + 1) + 0.01 * j, i === 3 && j === 1)));
  const s = sweepSeries([LR, ACT], lanes);
  assert.equal(s.field, "learning_rate");
  assert.deepEqual(s.ticks, ["0.01", "0.03", "0.1", "0.3"]);
  assert.deepEqual(s.series.map((x) => x.label), ["activation tanh", "activation relu", "activation sigmoid", "activation gelu"]);
  assert.deepEqual(s.series[1].values.map((v) => (v === null ? null : +v.toFixed(2))), [0.11, 0.21, 0.31, null]);
  // One setting: a single "test loss" series; a loss of 0 stays on a log axis.
  const one = sweepSeries([{ field: "seed", values: [0, 1] }], [lane([0], 0), lane([1], 0.5)]);
  assert.deepEqual(one.series, [{ label: "test loss", values: [1e-6, 0.5] }]);
  assert.deepEqual(sweepSeries([], []).series, []);
});

test("a run restarts when its step goes back and stays bounded, keeping its latest point", () => {
  let r = extendRun(undefined, 10, 0.5);
  r = extendRun(r, 20, 0.4);
  r = extendRun(r, 20, 0.3); // the same step again: kept once
  r = extendRun(r, 30, null); // not measured: skipped
  assert.deepEqual(r, { steps: [10, 20], losses: [0.5, 0.4] });
  assert.deepEqual(extendRun(r, 5, 0.7), { steps: [5], losses: [0.7] });
  let long = extendRun(undefined, 0, 1);
  for (let s = 1; s <= MAX_RUN_POINTS; s++) long = extendRun(long, s, 1 / (s + 1));
  assert.ok(long.steps.length <= MAX_RUN_POINTS, `${long.steps.length}`);
  assert.equal(long.steps[long.steps.length - 1], MAX_RUN_POINTS);
  assert.equal(long.losses[long.losses.length - 1], 1 / (MAX_RUN_POINTS + 1));
});

test("the ensemble band: min, mean and max over the runs at the steps all of them measured", () => {
  const b = bandStats([
    { steps: [10, 20, 30], losses: [0.9, 0.5, 0.2] },
    { steps: [10, 20], losses: [0.7, 0.3] },
    { steps: [10, 20, 30], losses: [0.8, 0.4, 0.1] },
  ]);
  assert.deepEqual(b.steps, [10, 20]);
  assert.deepEqual(b.lo, [0.7, 0.3]);
  assert.deepEqual(b.hi, [0.9, 0.5]);
  assert.deepEqual(b.mean.map((v) => +v.toFixed(6)), [0.8, 0.4]);
  assert.deepEqual(bandStats([]).steps, []);
});

test("log ticks lie in the range, at 1-2-5, 1-3 or powers of ten, from any range start", () => {
  assert.deepEqual(logSplits(0.0963, 1.21), [0.1, 0.2, 0.5, 1]);
  assert.deepEqual(logSplits(1.6, 500), [3, 10, 30, 100, 300]);
  assert.deepEqual(logSplits(1e-5, 10), [1e-5, 1e-4, 0.001, 0.01, 0.1, 1, 10]);
  assert.deepEqual(logSplits(1e-9, 1e3), [1e-8, 1e-6, 1e-4, 0.01, 1, 100]);
  assert.deepEqual(logSplits(0, 1), []);
  assert.deepEqual(logSplits(1, Infinity), []);
  for (const [lo, hi] of [[0.0029, 0.9], [0.05, 0.07], [3e-4, 2e-2]]) {
    const s = logSplits(lo, hi);
    assert.ok(s.every((v) => v >= lo && v <= hi), `${lo}..${hi}: ${s}`);
  }
});

test("log tick labels thin out to the powers of ten, then fewer of them, when the axis is short", () => {
  assert.deepEqual(labelledLogTicks([0.05, 0.1, 0.2, 0.5], 150, 21), [0.05, 0.1, 0.2, 0.5]);
  assert.deepEqual(labelledLogTicks([0.05, 0.1, 0.2, 0.5, 1], 60, 21), [null, 0.1, null, null, 1]);
  const thin = labelledLogTicks([1e-8, 1e-6, 1e-4, 0.01, 1, 100], 40, 21);
  assert.deepEqual(thin, [1e-8, null, null, 0.01, null, null]);
  assert.deepEqual(labelledLogTicks([0.1], 10, 21), [0.1]);
});
