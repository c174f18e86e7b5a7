import assert from "node:assert/strict";
import { test } from "node:test";

import { readOptions } from "../src/controls.js";

test("readOptions reads the registry document of /api/options", () => {
  const doc = {
    registries: {
      problems: [{ name: "classification", label: "Classification" }, { name: "regression", label: "Regression" }],
      classification_datasets: [{ name: "circle", label: "Circle" }, { name: "xor", label: "Exclusive or" }],
      regression_datasets: [{ name: "plane", label: "Plane" }],
      activations: [{ name: "tanh", label: "Tanh" }],
      schedules: [{ name: "step", label: "Step decay" }],
    },
    capacity: { layers: 6, width: 8, batch: 64, points: 2048, classes: 6 },
  };
  const o = readOptions(doc);
  assert.deepEqual(o.lists.classification, ["circle", "xor"]);
  assert.deepEqual(o.lists.regression, ["plane"]);
  assert.deepEqual(o.lists.activations, ["tanh"]);
  assert.equal(o.labels.classification.xor, "Exclusive or");
  assert.equal(o.labels.schedules.step, "Step decay");
  assert.equal(o.capacity.points, 2048);
});

test("readOptions tolerates plain lists and missing parts", () => {
  const o = readOptions({ activations: ["relu", "tanh"] });
  assert.deepEqual(o.lists.activations, ["relu", "tanh"]);
  assert.deepEqual(o.lists.optimizers, []);
  assert.equal(o.capacity.layers, 6);
});
