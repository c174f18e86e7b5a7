import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeFrame, dequantize, encodeFrame, FrameError, widenFloat16 } from "../src/frame.js";

const HEADER = {
  v: 1, step: 1200, epoch: 48, playing: true, config_rev: 7,
  metrics: { train_loss: 0.21, test_loss: 0.25, val_loss: null, train_accuracy: 0.93, test_accuracy: 0.9, val_accuracy: null },
};

test("decodes arrays at their offsets with dtype, shape and quantisation", () => {
  const output = Array.from({ length: 6 }, (_, i) => i * 51); // 0 … 255
  const weights = [0.5, -1.25, 3];
  const buffer = encodeFrame(HEADER, [
    { name: "output", dtype: "uint8", shape: [2, 3], data: output, scale: 1 / 255, min: 0 },
    { name: "weights", dtype: "float32", shape: [3], data: weights },
  ]);
  const frame = decodeFrame(buffer);
  assert.equal(frame.header.step, 1200);
  assert.equal(frame.header.metrics.train_loss, 0.21);
  const out = frame.arrays.get("output");
  assert.ok(out);
  assert.deepEqual([...out.data], output);
  assert.deepEqual(out.desc.shape, [2, 3]);
  const real = dequantize(out);
  assert.ok(Math.abs(real[5] - 1) < 1e-6 && real[0] === 0);
  const w = frame.arrays.get("weights");
  assert.ok(w && w.data instanceof Float32Array);
  assert.deepEqual([...w.data], weights);
});

test("a float32 array after an odd-length header is still read correctly", () => {
  for (const pad of ["", "x", "xy", "xyz"]) {
    const buffer = encodeFrame(/** @type {any} */ ({ ...HEADER, pad }), [{ name: "w", dtype: "float32", shape: [2], data: [1.5, -2.5] }]);
    assert.deepEqual([...(decodeFrame(buffer).arrays.get("w")?.data ?? [])], [1.5, -2.5], `pad ${pad}`);
  }
});

test("dequantize applies min and scale; float arrays pass through", () => {
  const buffer = encodeFrame(HEADER, [
    { name: "reg", dtype: "uint8", shape: [3], data: [0, 128, 255], scale: 2 / 255, min: -1 },
  ]);
  const values = dequantize(/** @type {any} */ (decodeFrame(buffer).arrays.get("reg")));
  assert.ok(Math.abs(values[0] + 1) < 1e-6);
  assert.ok(Math.abs(values[1] - (-1 + (128 * 2) / 255)) < 1e-6);
  assert.ok(Math.abs(values[2] - 1) < 1e-6);
});

test("float16 widening matches known bit patterns", () => {
  const bits = new Uint16Array([0x3c00, 0xc000, 0x0000, 0x3555, 0x7c00, 0x0001]);
  const f = widenFloat16(bits);
  assert.equal(f[0], 1);
  assert.equal(f[1], -2);
  assert.equal(f[2], 0);
  assert.ok(Math.abs(f[3] - 0.333251953125) < 1e-9);
  assert.equal(f[4], Infinity);
  assert.ok(Math.abs(f[5] - 5.960464477539063e-8) < 1e-15);
});

test("malformed frames raise FrameError naming the problem", () => {
  assert.throws(() => decodeFrame(new ArrayBuffer(2)), FrameError);
  const tooLong = new ArrayBuffer(8);
  new DataView(tooLong).setUint32(0, 100, true);
  assert.throws(() => decodeFrame(tooLong), /exceeds/);
  const good = encodeFrame(HEADER, [{ name: "output", dtype: "uint8", shape: [4], data: [1, 2, 3, 4] }]);
  assert.throws(() => decodeFrame(good.slice(0, good.byteLength - 4)), /output.*runs past the end/);
  const bad = new TextEncoder().encode("{nope");
  const buf = new ArrayBuffer(4 + bad.length);
  new DataView(buf).setUint32(0, bad.length, true);
  new Uint8Array(buf, 4).set(bad);
  assert.throws(() => decodeFrame(buf), /not JSON/);
  const noDtype = encodeFrame(HEADER, []);
  const json = JSON.stringify({ ...HEADER, arrays: [{ name: "x", dtype: "complex64", shape: [1], offset: 0 }] });
  const bytes = new TextEncoder().encode(json);
  const b2 = new ArrayBuffer(4 + bytes.length + 8);
  new DataView(b2).setUint32(0, bytes.length, true);
  new Uint8Array(b2, 4).set(bytes);
  assert.ok(noDtype.byteLength > 0);
  assert.throws(() => decodeFrame(b2), /x: unsupported dtype complex64/);
});

test("a null scale (as pydantic sends it) means a raw array", () => {
  const data = new Float32Array([1.5, -2]);
  const desc = { name: "w", dtype: /** @type {const} */ ("float32"), shape: [2], offset: 0, scale: null, min: null };
  assert.equal(dequantize({ desc, data }), data);
});
