import assert from "node:assert/strict";
import { test } from "node:test";

import { markerSvgPath } from "../src/marks.js";

/** The points an SVG path's M/L commands visit. @param {string} d */
const points = (d) => [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);

test("every marker is its own closed shape, centred where it is drawn", () => {
  const paths = /** @type {const} */ (["circle", "square", "triangle", "diamond"]).map((m) => markerSvgPath(m, 16, 7, 4));
  assert.equal(new Set(paths).size, 4);
  assert.equal(points(paths[1]).length, 4); // square
  assert.equal(points(paths[2]).length, 3); // triangle
  assert.equal(points(paths[3]).length, 4); // diamond
  for (const d of paths.slice(1)) {
    assert.ok(d.endsWith("Z"), d);
    const pts = points(d);
    const cx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
    assert.ok(Math.abs(cx - 16) < 1e-9, d);
    assert.ok(pts.every(([x, y]) => Math.hypot(x - 16, y - 7) <= 4 * 1.6), d);
  }
  // The circle: two half arcs of radius 4 from its left edge.
  assert.match(paths[0], /M12 7a4 4 0 1 0 8 0a4 4 0 1 0 -8 0/);
});
