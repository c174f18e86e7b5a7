import assert from "node:assert/strict";
import { test } from "node:test";

import { configDiff, decodePoints, defaultConfig, defaultUi, encodePoints, FIELDS, parseHash, serializeHash, Store } from "../src/store.js";

test("every config field of the contract is in the table, with its default", () => {
  const cfg = defaultConfig();
  assert.equal(cfg.learning_rate, 0.03);
  assert.deepEqual(cfg.hidden_layers, [4, 2]);
  assert.deepEqual(cfg.features, ["x1", "x2"]);
  assert.equal(cfg.batch_norm, false); // issue 16
  assert.equal(Object.keys(cfg).length, 28);
  assert.equal(new Set(FIELDS.map((f) => f.key)).size, FIELDS.length);
});

test("hash round trip reproduces config, view flags, hidden groups and lesson", () => {
  const config = { ...defaultConfig(), dataset: "xor", features: ["x1", "x1x2"], hidden_layers: [], learning_rate: 0.3, seed: 42, noise: 12.5 };
  const ui = { ...defaultUi(), discretize: true, smoothing: 0 };
  const hash = serializeHash(config, ui, ["features", "network"], "xor-feature");
  assert.match(hash, /features=x1,x1x2/);
  assert.match(hash, /hidden_layers=&|hidden_layers=$/);
  const back = parseHash("#" + hash);
  assert.deepEqual(back.errors, []);
  assert.deepEqual({ ...defaultConfig(), ...back.config }, config);
  assert.deepEqual({ ...defaultUi(), ...back.ui }, ui);
  assert.deepEqual(back.hidden.sort(), ["features", "network"]);
  assert.equal(back.lesson, "xor-feature");
});

test("default view flags are left out of the hash, config fields never are", () => {
  const hash = serializeHash(defaultConfig(), defaultUi());
  assert.doesNotMatch(hash, /discretize|smoothing/);
  assert.match(hash, /seed=0/);
  assert.match(hash, /learning_rate=0\.03/);
});

test("unreadable entries are reported by key and ignored", () => {
  const s = parseHash("learning_rate=fast&hidden_layers=3,x&bogus=1&seed=1.5&network_hide=true&moon_hide=true&batch_size=16");
  assert.deepEqual(s.config, { batch_size: 16 });
  assert.deepEqual(s.hidden, ["network"]);
  assert.equal(s.errors.length, 5);
  for (const key of ["learning_rate", "hidden_layers", "bogus", "seed", "moon_hide"]) {
    assert.ok(s.errors.some((e) => e.startsWith(`${key}:`)), key);
  }
});

test("configDiff lists only changed fields, comparing lists by value", () => {
  const cfg = defaultConfig();
  assert.deepEqual(configDiff(cfg, { hidden_layers: [4, 2], features: ["x1", "x2"], seed: 0 }), {});
  assert.deepEqual(configDiff(cfg, { hidden_layers: [4, 2, 1], seed: 3 }), { hidden_layers: [4, 2, 1], seed: 3 });
});

test("the store notifies listeners with exactly the changed keys", () => {
  const store = new Store();
  /** @type {string[][]} */
  const calls = [];
  store.subscribe((changed) => calls.push([...changed].sort()));
  store.set({ step: 5, epoch: 0 });
  store.set({ step: 5 });
  store.set({ playing: true, step: 6 });
  assert.deepEqual(calls, [["step"], ["playing", "step"]]);
  assert.match(store.hash(), /dataset=circle/);
});

test("a link carries the user's points to the hundredth, only with dataset=user", () => {
  const points = [[-6, 6, 0], [1.234, -5.999, 1], [0.005, 0, 5], [2, 3, -0.75]];
  const flat = points.flat();
  const user = { ...defaultConfig(), dataset: "user" };
  const hash = serializeHash(user, defaultUi(), [], null, flat);
  const encoded = new URLSearchParams(hash).get("points");
  assert.ok(encoded && /^[A-Za-z0-9_-]+$/.test(encoded), "base64url, no escaping in a URL");
  assert.equal(encoded.length, Math.ceil((points.length * 6 * 4) / 3));
  const back = parseHash("#" + hash);
  assert.deepEqual(back.errors, []);
  const expected = points.map((p) => p.map((v) => Math.round(v * 100) / 100));
  assert.deepEqual(back.points, expected);
  assert.deepEqual(decodePoints(encodePoints(flat)), expected);
  // A built-in dataset regenerates its points from the seed: they stay out of the link.
  assert.doesNotMatch(serializeHash(defaultConfig(), defaultUi(), [], null, flat), /(^|&)points=/);
  assert.equal(parseHash("#dataset=circle").points, null);
});

test("unreadable points in a link are reported, not half-applied", () => {
  for (const bad of ["points=%%%", "points=AAAA", "points="]) {
    const s = parseHash(bad);
    assert.equal(s.points, null, bad);
    assert.deepEqual(s.errors, ["points: not a list of points"], bad);
  }
});
