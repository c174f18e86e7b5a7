import assert from "node:assert/strict";
import { test } from "node:test";

import { findLesson, LESSONS } from "../src/lessons.js";
import { defaultConfig, parseHash } from "../src/store.js";

test("at least ten lessons, each a clean URL with a two-sentence caption", () => {
  assert.ok(LESSONS.length >= 10);
  assert.equal(new Set(LESSONS.map((l) => l.id)).size, LESSONS.length);
  for (const l of LESSONS) {
    const parsed = parseHash(l.hash);
    assert.deepEqual(parsed.errors, [], l.id);
    assert.equal(parsed.lesson, l.id);
    assert.equal(Object.keys(parsed.config).length, Object.keys(defaultConfig()).length, `${l.id} spells out the whole config`);
    const sentences = l.caption.split(/(?<=[.!?])\s+/).filter(Boolean);
    assert.equal(sentences.length, 2, `${l.id}: ${l.caption}`);
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
  assert.ok(byId("lr-too-large").learning_rate >= 3);
  assert.equal(byId("batch-noise").batch_size, 1);
  assert.equal(byId("momentum-adam").optimizer, "adam");
  assert.equal(byId("zero-init").init, "zero");
  assert.ok(byId("l2-shrinks").l2 > 0);
  assert.ok(byId("dropout-overfitting").dropout > 0);
  const softmax = byId("softmax-spiral");
  assert.equal(softmax.loss, "softmax");
  assert.equal(softmax.num_classes, 3);
  const deep = byId("vanishing-gradients");
  assert.equal(deep.activation, "sigmoid");
  assert.ok(deep.hidden_layers.length >= 5);
});
