import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { findLesson, LESSONS, normsFor } from "../src/lessons.js";
import { PACES } from "../src/pace.js";
import { defaultConfig, parseHash } from "../src/store.js";

const RECORDS = JSON.parse(readFileSync(new URL("../src/lessons.json", import.meta.url), "utf8"));

test("at least twenty lessons, each a clean URL of its whole run with a two-sentence caption", () => {
  assert.ok(LESSONS.length >= 20);
  assert.equal(new Set(LESSONS.map((l) => l.id)).size, LESSONS.length);
  for (const l of LESSONS) {
    const parsed = parseHash(l.hash);
    assert.deepEqual(parsed.errors, [], l.id);
    assert.equal(parsed.lesson, l.id);
    assert.equal(Object.keys(parsed.config).length, Object.keys(defaultConfig()).length, `${l.id} spells out the whole config`);
    const sentences = l.caption.split(/(?<=[.!?])\s+(?=[A-Z“"])/).filter(Boolean);
    assert.equal(sentences.length, 2, `${l.id}: ${l.caption}`);
    assert.ok(l.pace in PACES, l.id);
    // The pace and panels travel in the link (default pace and no panels are left out).
    assert.equal(parsed.ui.pace ?? "playground", l.pace, l.id);
    assert.equal(parsed.ui.norms ?? "off", normsFor(l.show), l.id);
  }
});

test("the page's lessons are the records, config for config", () => {
  assert.deepEqual(LESSONS.map((l) => l.id), RECORDS.lessons.map((/** @type {{id: string}} */ r) => r.id));
  for (const r of RECORDS.lessons) {
    const l = findLesson(r.id);
    assert.ok(l);
    const config = { ...defaultConfig(), ...parseHash(l.hash).config };
    for (const [key, value] of Object.entries(r.config)) assert.deepEqual(config[/** @type {keyof typeof config} */ (key)], value, `${r.id}.${key}`);
    assert.deepEqual(l.compare, r.compare, r.id);
    assert.deepEqual(l.action, r.action, r.id);
  }
});

test("lessons cover the lecture topics", () => {
  const byId = (/** @type {string} */ id) => {
    const l = findLesson(id);
    assert.ok(l, id);
    return { ...defaultConfig(), ...parseHash(l.hash).config };
  };
  assert.deepEqual(byId("perceptron-xor").hidden_layers, []);
  assert.equal(byId("batch-norm-deep-sigmoid").batch_norm, true); // issue 16
  assert.equal(byId("hidden-layer-xor").hidden_layers.length, 1);
  assert.ok(byId("xor-feature").features.includes("x1x2"));
  assert.ok(byId("lr-too-small").learning_rate < 0.001);
  assert.equal(byId("batch-noise").batch_size, 1);
  assert.equal(byId("zero-init").init, "zero");
  assert.ok(byId("l2-shrinks").l2 > 0);
  assert.ok(byId("l1-sparsity").l1 > 0);
  assert.ok(byId("dropout-overfitting").dropout > 0);
  assert.ok(byId("early-stopping").patience > 0 && byId("early-stopping").val_ratio > 0);
  assert.ok(byId("overfitting-validation").val_ratio > 0);
  assert.notEqual(byId("lr-schedule").schedule, "constant");
  assert.equal(byId("init-scale").init, "small");
  assert.equal(byId("universal-approximation").problem, "regression");
  const softmax = byId("softmax-spiral");
  assert.equal(softmax.loss, "softmax");
  assert.equal(softmax.num_classes, 3);
  const deep = byId("vanishing-gradients");
  assert.equal(deep.activation, "sigmoid");
  assert.ok(deep.hidden_layers.length >= 5);
  assert.deepEqual(findLesson("vanishing-gradients")?.show, ["gradients"]);
  assert.equal(findLesson("activation-shapes")?.compare?.field, "activation");
  assert.equal(findLesson("nesterov-momentum")?.compare?.values[0], "nesterov");
});

test("every lesson's compare preset is something the Compare panel can tick", async () => {
  const { COMPARE_SETTINGS } = await import("../src/compare.js");
  for (const l of LESSONS) {
    if (!l.compare) continue;
    const setting = COMPARE_SETTINGS.find((s) => s.field === l.compare?.field);
    assert.ok(setting, `${l.id}: ${l.compare.field}`);
    for (const v of l.compare.values) assert.ok(setting.values.some((x) => JSON.stringify(x) === JSON.stringify(v)), `${l.id}: ${JSON.stringify(v)}`);
  }
});
