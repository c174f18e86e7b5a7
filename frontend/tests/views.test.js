// Pure parts of the issue-15 views: contour segments, the colour scale, number formatting.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fmt } from "../src/inspector.js";
import { contourSegments, viridis } from "../src/landscape.js";

test("contour of a cone is a closed ring at the right radius", () => {
  // v = distance from the centre of a 21x21 grid; the 5.3 contour lies at radius 5.3 (a level no grid value equals).
  const g = 21;
  const v = [];
  for (let i = 0; i < g; i++) for (let j = 0; j < g; j++) v.push(Math.hypot(i - 10, j - 10));
  const seg = contourSegments(v, g, 5.3);
  assert.ok(seg.length >= 4 * 20, `${seg.length / 4} segments`);
  for (let k = 0; k < seg.length; k += 2) {
    const r = Math.hypot(seg[k] - 10, seg[k + 1] - 10);
    assert.ok(Math.abs(r - 5.3) < 0.3, `point at radius ${r}`);
  }
  // Every segment end is shared by another segment (a closed curve, no loose ends).
  const ends = new Map();
  for (let k = 0; k < seg.length; k += 2) {
    const key = `${seg[k].toFixed(6)},${seg[k + 1].toFixed(6)}`;
    ends.set(key, (ends.get(key) ?? 0) + 1);
  }
  for (const [key, n] of ends) assert.equal(n, 2, key);
});

test("no contour where the grid is all above or below the level", () => {
  assert.deepEqual(contourSegments([1, 2, 3, 4], 2, 10), []);
  assert.deepEqual(contourSegments([1, 2, 3, 4], 2, 0), []);
});

test("viridis runs dark to bright and clamps", () => {
  const lum = (/** @type {number[]} */ c) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  let last = -1;
  for (let t = 0; t <= 1; t += 0.1) {
    const l = lum(viridis(t));
    assert.ok(l > last, `t=${t}`);
    last = l;
  }
  assert.deepEqual(viridis(-3), viridis(0));
  assert.deepEqual(viridis(7), viridis(1));
});

test("fmt: fixed for ordinary numbers, exponent for tiny or huge, dash for none", () => {
  assert.equal(fmt(0.25), "0.250");
  assert.equal(fmt(-1.7e-5), "-1.7e-5");
  assert.equal(fmt(12345), "1.2e+4");
  assert.equal(fmt(null), "–");
  assert.equal(fmt(Number.NaN), "–");
  assert.equal(fmt(0), "0.000");
});
