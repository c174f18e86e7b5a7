import assert from "node:assert/strict";
import { test } from "node:test";

import { accuracyRange, accuracySeries, extent, LOSS_SERIES, lossRange, MIN_LINEAR_SPAN } from "../src/chartstyle.js";

test("every series differs from the others in dash and marker, not only in colour", () => {
  for (const group of [LOSS_SERIES, accuracySeries(false)]) {
    const dashes = new Set(group.map((s) => s.dash.join(",")));
    const markers = new Set(group.map((s) => s.marker));
    assert.equal(dashes.size, group.length);
    assert.equal(markers.size, group.length);
  }
  assert.match(accuracySeries(true)[0].label, /R²/);
});

test("a linear loss axis starts at 0 and never zooms into noise", () => {
  const [lo, hi] = lossRange(0.69, 0.71, false);
  assert.equal(lo, 0);
  assert.ok(hi >= 0.71 && hi < 0.8);
  // The noise (0.02) is under 3 % of the axis, not its full height.
  assert.ok(0.02 / (hi - lo) < 0.03);
  assert.deepEqual(lossRange(0.001, 0.002, false), [0, MIN_LINEAR_SPAN]);
  assert.deepEqual(lossRange(null, null, false), [0, 1]);
});

test("a log loss axis spans at least one decade around the data", () => {
  const [lo, hi] = lossRange(0.5, 0.55, true);
  assert.ok(hi / lo >= 10, `${lo}..${hi}`);
  assert.ok(lo < 0.5 && hi > 0.55);
  const [a, b] = lossRange(0.001, 2, true);
  assert.ok(a < 0.001 && b > 2 && b / a < 2000 * 1.5 ** 2);
});

test("accuracy is 0..1; R² goes down to the data's minimum but not below -1", () => {
  assert.deepEqual(accuracyRange(0.4, false), [0, 1]);
  assert.deepEqual(accuracyRange(-0.3, true), [-0.3, 1]);
  assert.deepEqual(accuracyRange(-40, true), [-1, 1]);
  assert.deepEqual(accuracyRange(0.5, true), [0, 1]);
});

test("extent skips nulls and non-finite values", () => {
  assert.deepEqual(extent([[null, 2, NaN], [0.5, Infinity]]), [0.5, 2]);
  assert.deepEqual(extent([[null]]), [null, null]);
});
