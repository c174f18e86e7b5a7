import assert from "node:assert/strict";
import { test } from "node:test";

import { BLUE, CLASS_COLORS, classColor, classLut, colorNeuron, deltaE, diverging, NEUTRAL, ORANGE, PASTEL, quantisedLut, simulateCvd } from "../src/colors.js";

test("diverging scale: ends and middle, clamped outside [-1, 1]", () => {
  assert.deepEqual(diverging(-1), ORANGE);
  assert.deepEqual(diverging(0), NEUTRAL);
  assert.deepEqual(diverging(1), BLUE);
  assert.deepEqual(diverging(7), BLUE);
  assert.deepEqual(diverging(NaN), NEUTRAL);
  assert.deepEqual(diverging(0.2, true), diverging(0.9, true));
  assert.notDeepEqual(diverging(-0.2, true), diverging(0.2, true));
});

test("diverging scale is monotone in lightness toward the ends", () => {
  const luma = (/** @type {number[]} */ c) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  let prev = luma(diverging(0));
  for (let v = 0.1; v <= 1; v += 0.1) {
    const l = luma(diverging(v));
    assert.ok(l < prev, `blue side darkens at ${v}`);
    prev = l;
  }
});

test("class colours are distinct and the first two match the binary scale's hue", () => {
  const key = (/** @type {number[]} */ c) => c.join(",");
  assert.equal(new Set(CLASS_COLORS.map(key)).size, CLASS_COLORS.length);
  assert.ok(classColor(0)[0] > classColor(0)[2], "class 0 is orange");
  assert.ok(classColor(1)[2] > classColor(1)[0], "class 1 is blue");
  assert.deepEqual(classColor(6), classColor(0));
});

test("quantised LUT maps codes through min + q·scale", () => {
  const lut = quantisedLut(0, 1 / 255, (p) => 2 * p - 1, false);
  assert.equal(lut.length, 1024);
  assert.deepEqual([...lut.slice(0, 4)], [...ORANGE, 255]);
  assert.deepEqual([...lut.slice(255 * 4, 256 * 4)], [...BLUE, 255]);
});

test("class LUT: chance is neutral, certainty is the class colour", () => {
  const k = 3;
  const lut = classLut(k, false);
  const at = (/** @type {number} */ c, /** @type {number} */ q) => [...lut.slice((c * 256 + q) * 4, (c * 256 + q) * 4 + 3)];
  assert.deepEqual(at(2, 255), [...classColor(2)]);
  at(1, 85).forEach((v, i) => assert.ok(Math.abs(v - NEUTRAL[i]) <= 1, `chance level ${i}`));
  assert.ok(at(1, 170)[2] < NEUTRAL[2] - 20 || at(1, 170)[0] < NEUTRAL[0] - 40, "above chance is tinted");
  assert.deepEqual(at(0, 0), [...NEUTRAL]);
});

test("neuron maps: sign keeps its colour, zero is neutral, scaled by the largest magnitude", () => {
  const out = new Uint8ClampedArray(3 * 4);
  // range [-2, 1]: code 0 → -2 (full orange), code 170 → 0 (neutral), code 255 → 1 (half blue)
  colorNeuron(out, [9, 0, 170, 255], 1, 3, -2, 1);
  assert.deepEqual([...out.slice(0, 3)], [...ORANGE]);
  [...out.slice(4, 7)].forEach((v, i) => assert.ok(Math.abs(v - NEUTRAL[i]) <= 2, `zero ${i}`));
  assert.deepEqual([...out.slice(8, 11)], [...diverging(0.5)]);
});

/** @param {import("../src/colors.js").RGB[]} colours */
function minPairwise(colours) {
  let min = Infinity;
  for (let i = 0; i < colours.length; i++) for (let j = i + 1; j < colours.length; j++) min = Math.min(min, deltaE(colours[i], colours[j]));
  return min;
}

test("colour-vision simulation: grey stays grey; red and green collapse under deuteranopia", () => {
  for (const kind of /** @type {const} */ (["protanopia", "deuteranopia"])) {
    simulateCvd([128, 128, 128], kind).forEach((v) => assert.ok(Math.abs(v - 128) < 1.5, `${kind} keeps grey`));
  }
  // The classic confusion pair: clearly different to a trichromat, nearly equal without M cones.
  const red = /** @type {import("../src/colors.js").RGB} */ ([200, 80, 60]);
  const green = /** @type {import("../src/colors.js").RGB} */ ([110, 130, 40]);
  assert.ok(deltaE(red, green) > 40);
  assert.ok(deltaE(simulateCvd(red, "deuteranopia"), simulateCvd(green, "deuteranopia")) < 15);
});

test("the K-class palette stays distinguishable under deuteranopia and protanopia (ΔE*76 ≥ 15)", () => {
  assert.ok(minPairwise([...CLASS_COLORS]) >= 20, "normal vision");
  for (const kind of /** @type {const} */ (["deuteranopia", "protanopia"])) {
    const seen = CLASS_COLORS.map((c) => simulateCvd(c, kind));
    const min = minPairwise(seen);
    assert.ok(min >= 15, `${kind}: closest pair ΔE ${min.toFixed(1)}`);
  }
});

test("pastel map: a confident region is light, and each point colour stands out on it", () => {
  const lut = classLut(3, false, PASTEL);
  for (let c = 0; c < 3; c++) {
    const bg = /** @type {import("../src/colors.js").RGB} */ ([...lut.slice((c * 256 + 255) * 4, (c * 256 + 255) * 4 + 3)]);
    assert.ok(deltaE(bg, classColor(c)) > 20, `class ${c}: point vs its own confident region`);
    assert.ok(deltaE(bg, NEUTRAL) > 10, `class ${c}: region still tinted`);
  }
  const bin = quantisedLut(0, 1 / 255, (p) => 2 * p - 1, false, PASTEL);
  const blueBg = /** @type {import("../src/colors.js").RGB} */ ([...bin.slice(255 * 4, 255 * 4 + 3)]);
  assert.ok(deltaE(blueBg, classColor(1)) > 20);
});
