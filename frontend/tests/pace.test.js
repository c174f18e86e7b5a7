import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_PACE, paceFromSteps, PACES, paceUnit, stepsPerEpoch, stepsPerFrame } from "../src/pace.js";
import { parseHash, serializeHash, defaultConfig, defaultUi } from "../src/store.js";

test("named paces: slow motion is one step a frame, the default one epoch, max is auto", () => {
  assert.deepEqual(Object.keys(PACES), ["slow", "playground", "fast", "max"]);
  assert.equal(DEFAULT_PACE, "playground");
  assert.equal(stepsPerFrame("slow", 250, 10), 1);
  assert.equal(stepsPerEpoch(250, 10), 25);
  assert.equal(stepsPerEpoch(251, 10), 26); // the last, smaller batch is a step too
  assert.equal(stepsPerFrame("playground", 250, 10), 25);
  assert.equal(stepsPerFrame("playground", 250, 64), 4);
  assert.equal(stepsPerFrame("fast", 250, 10), 250);
  assert.equal(stepsPerFrame("fast", 2000, 1), 10000); // the server's cap
  assert.equal(stepsPerFrame("max", 250, 10), null);
  assert.equal(stepsPerFrame("nonsense", 250, 10), 25);
  assert.equal(paceUnit("slow"), "step");
  assert.equal(paceUnit("playground"), "epoch");
});

test("the pace is in the link only when not the default; old steps_per_frame links still open", () => {
  const hash = serializeHash(defaultConfig(), { ...defaultUi(), pace: "slow" });
  assert.equal(parseHash(hash).ui.pace, "slow");
  assert.doesNotMatch(serializeHash(defaultConfig(), defaultUi()), /pace=/);
  assert.equal(parseHash("#steps_per_frame=0").ui.pace, "max");
  assert.equal(parseHash("#steps_per_frame=1").ui.pace, "slow");
  assert.equal(parseHash("#steps_per_frame=20").ui.pace, DEFAULT_PACE);
  assert.deepEqual(parseHash("#steps_per_frame=20").errors, []);
  assert.equal(paceFromSteps(500), DEFAULT_PACE);
});
