import assert from "node:assert/strict";
import { test } from "node:test";

import { COMPARE_SETTINGS, valueLabel, variantsFor } from "../src/compare.js";
import { defaultConfig } from "../src/store.js";

test("the main config's own value is the main model, never a variant", () => {
  assert.deepEqual(variantsFor("learning_rate", [0.003, 0.03, 3], 0.03), [{ learning_rate: 0.003 }, { learning_rate: 3 }]);
  assert.deepEqual(variantsFor("hidden_layers", [[4, 2], [8, 8]], [4, 2]), [{ hidden_layers: [8, 8] }]);
  assert.deepEqual(variantsFor("activation", [], "tanh"), []);
});

test("value labels: numbers as written, layer lists as widths", () => {
  assert.equal(valueLabel(0.0001), "0.0001");
  assert.equal(valueLabel("relu"), "relu");
  assert.equal(valueLabel([8, 8, 3]), "8-8-3");
  assert.equal(valueLabel([]), "none");
});

test("every compare setting is a config field with distinct values, the default among them", () => {
  const config = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (defaultConfig()));
  for (const s of COMPARE_SETTINGS) {
    assert.ok(s.field in config, s.field);
    const keys = s.values.map((v) => JSON.stringify(v));
    assert.equal(new Set(keys).size, keys.length, s.field);
    assert.ok(keys.includes(JSON.stringify(config[s.field])), `${s.field}: the default ${JSON.stringify(config[s.field])} is not offered`);
  }
});
