import assert from "node:assert/strict";
import { test } from "node:test";

import { embedOptions, pictureName } from "../src/export.js";

test("picture names say dataset, inputs, architecture and step", () => {
  const config = { dataset: "spiral", features: ["x1", "x2", "sinx1"], hidden_layers: [8, 4], problem: "classification", num_classes: 2 };
  assert.equal(pictureName(config, 1200, "output"), "spiral_x1-x2-sinx1_8-4_step1200_output.png");
  assert.equal(pictureName({ ...config, hidden_layers: [] }, 0, "network"), "spiral_x1-x2-sinx1_linear_step0_network.png");
  assert.equal(pictureName({ ...config, dataset: "a/b c" }, 3, "output"), "a-b-c_x1-x2-sinx1_8-4_step3_output.png");
});

test("embed options come from the query string", () => {
  assert.equal(embedOptions(""), null);
  assert.equal(embedOptions("?embed=0"), null);
  assert.deepEqual(embedOptions("?embed=1"), { caption: "" });
  assert.deepEqual(embedOptions("?embed=1&caption=A%20hidden%20layer%20bends%20the%20line"), { caption: "A hidden layer bends the line" });
  assert.equal(embedOptions(`?embed=1&caption=${"x".repeat(500)}`)?.caption.length, 200);
});
