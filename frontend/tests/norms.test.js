import assert from "node:assert/strict";
import { test } from "node:test";

import { appendNorms, emptyNorms, layerNames } from "../src/norms.js";

test("norms: one column per layer, restart on reset or a new layer count, floor for log", () => {
  const s = emptyNorms();
  assert.equal(appendNorms(s, 10, [1e-3, 0.5, 2]), true);
  assert.equal(appendNorms(s, 10, [1, 1, 1]), false); // same measurement again
  appendNorms(s, 20, [0, 0.4, null]);
  assert.deepEqual(s.step, [10, 20]);
  assert.deepEqual(s.layers, [[1e-3, 1e-12], [0.5, 0.4], [2, null]]);
  appendNorms(s, 5, [1, 2, 3]); // a reset
  assert.deepEqual(s.step, [5]);
  appendNorms(s, 6, [1, 2]); // a layer removed
  assert.deepEqual(s.layers, [[1], [2]]);
  assert.equal(appendNorms(s, 7, undefined), false);
  assert.deepEqual(layerNames(3), ["Layer 1", "Layer 2", "Output"]);
});

test("norms stay bounded: halved past 2,000 points", () => {
  const s = emptyNorms();
  for (let i = 1; i <= 2001; i++) appendNorms(s, i, [i]);
  assert.ok(s.step.length <= 1001);
  assert.equal(s.step.length, s.layers[0].length);
});
