import assert from "node:assert/strict";
import { test } from "node:test";

import { PROVEN_STEPS, RateMemory } from "../src/diverge.js";

test("no working rate known: the fix is the default rate, then a tenth", () => {
  const m = new RateMemory(0.03);
  m.observe(10, 0, true);
  m.observe(10, 40, false);
  m.diverged(10);
  assert.equal(m.fix(10), 0.03);
  assert.equal(m.fix(0.03), 0.003);
  assert.equal(m.fix(0.00001), 0.00001);
});

test("goes back to the last rate that trained, not to a tenth of the bad one", () => {
  const m = new RateMemory(0.03);
  m.observe(0.3, 0, true);
  m.observe(0.3, PROVEN_STEPS + 5, true);
  m.observe(10, PROVEN_STEPS + 6, true); // switched to 10 while playing
  m.observe(10, PROVEN_STEPS + 20, false);
  m.diverged(10);
  assert.equal(m.fix(10), 0.3);
});

test("a rate counts only after PROVEN_STEPS finite steps since it took over or since a reset", () => {
  const m = new RateMemory(0.03);
  m.observe(1, 0, true);
  m.observe(1, PROVEN_STEPS - 1, true);
  assert.equal(m.good, null);
  m.observe(1, 5, true); // reset: the step went back
  m.observe(1, PROVEN_STEPS, true);
  assert.equal(m.good, null);
  m.observe(1, PROVEN_STEPS + 5, true);
  assert.equal(m.good, 1);
  // It later diverges at that same rate: no longer trusted; the fix falls back to the default.
  m.diverged(1);
  assert.equal(m.good, null);
  assert.equal(m.fix(1), 0.03);
});
