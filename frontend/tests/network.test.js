import assert from "node:assert/strict";
import { test } from "node:test";

import { diverging } from "../src/colors.js";
import { FEATURE_INFO, featurePixels } from "../src/features.js";
import { weightIndex } from "../src/netparts.js";

test("weight index is source-major per layer, layers one after another", () => {
  const sizes = [3, 4, 2, 1]; // 3 inputs → 4 → 2 → 1 output: 12 + 8 + 2 weights
  assert.equal(weightIndex(sizes, 0, 0, 0), 0);
  assert.equal(weightIndex(sizes, 0, 0, 3), 3);
  assert.equal(weightIndex(sizes, 0, 2, 3), 11);
  assert.equal(weightIndex(sizes, 1, 0, 0), 12);
  assert.equal(weightIndex(sizes, 1, 3, 1), 12 + 7);
  assert.equal(weightIndex(sizes, 2, 1, 0), 21);
});

test("feature thumbnails follow the grid convention (row 0 is the top, x2 = +6)", () => {
  const size = 4;
  const px = new Uint8ClampedArray(size * size * 4);
  featurePixels(px, FEATURE_INFO.x2.f, size);
  // top row: x2 = 4.5 → +0.75 (blue side); bottom row: x2 = -4.5 → orange side
  assert.deepEqual([...px.slice(0, 3)], diverging(0.75));
  assert.deepEqual([...px.slice((size - 1) * size * 4, (size - 1) * size * 4 + 3)], diverging(-0.75));
  for (const [name, info] of Object.entries(FEATURE_INFO)) {
    for (const [a, b] of [[6, 6], [-6, 3], [1, -6]]) {
      const v = info.f(a, b);
      assert.ok(Math.abs(v) <= 1 + 1e-9, `${name} is scaled into [-1, 1]`);
    }
  }
});
