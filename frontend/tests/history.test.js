import assert from "node:assert/strict";
import { test } from "node:test";

import { appendHistory, compactCount, emptyHistory, historyFrom, MAX_POINTS, smooth } from "../src/history.js";

test("append adds a point per new step and restarts after a reset", () => {
  const h = emptyHistory();
  appendHistory(h, 10, { train_loss: 0.5, test_loss: 0.6 });
  appendHistory(h, 10, { train_loss: 0.4 });
  appendHistory(h, 20, { train_loss: 0.3, test_loss: NaN });
  assert.deepEqual(h.step, [10, 20]);
  assert.deepEqual(h.train_loss, [0.5, 0.3]);
  assert.deepEqual(h.test_loss, [0.6, null]);
  appendHistory(h, 0, { train_loss: 0.7 });
  assert.deepEqual(h.step, [0]);
  assert.deepEqual(h.train_loss, [0.7]);
});

test("history stays bounded and keeps the newest point", () => {
  const h = emptyHistory();
  for (let s = 1; s <= MAX_POINTS * 3; s++) appendHistory(h, s, { train_loss: 1 / s });
  assert.ok(h.step.length <= MAX_POINTS);
  assert.equal(h.step[h.step.length - 1], MAX_POINTS * 3);
  assert.ok(h.step.every((s, i) => i === 0 || s > h.step[i - 1]));
});

test("historyFrom pads ragged server columns", () => {
  const h = historyFrom({ step: [1, 2], train_loss: [0.5], test_loss: [0.4, 0.3] });
  assert.deepEqual(h.train_loss, [0.5, null]);
  assert.deepEqual(h.test_loss, [0.4, 0.3]);
  assert.deepEqual(h.val_loss, [null, null]);
});

test("smoothing: a constant stays constant (debiased), weight 0 is raw, nulls pass", () => {
  assert.deepEqual(smooth([2, 2, 2], 0.9).map((v) => Number(v?.toFixed(12))), [2, 2, 2]);
  assert.deepEqual(smooth([1, 5, null, 3], 0), [1, 5, null, 3]);
  const s = smooth([0, 10], 0.5);
  // debiased EMA: (0.5*0 + 0.5*10*... ) → (0.25*0 + 0.5*10)/(1-0.25) = 6.666…
  assert.ok(Math.abs(/** @type {number} */ (s[1]) - 20 / 3) < 1e-9);
  assert.equal(smooth([null, 4], 0.5)[0], null);
});

test("step ticks are compact: units, thousands, millions", () => {
  assert.deepEqual([0, 950, 1000, 20000, 1500, 1250000, 3e6].map(compactCount), ["0", "950", "1k", "20k", "1.5k", "1.3M", "3M"]);
});
