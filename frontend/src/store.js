// Page state and its URL-hash round trip, both driven by ONE declarative table (FIELDS).
// The store never touches the DOM: views subscribe and repaint on their own schedule.

import { DEFAULT_PACE, paceFromSteps } from "./pace.js";

/**
 * The run config as on the wire (docs/architecture.md §2).
 * @typedef {object} RunConfig
 * @property {string} problem
 * @property {string} dataset
 * @property {number} num_classes
 * @property {number} num_points
 * @property {number} noise
 * @property {number} train_ratio
 * @property {number} val_ratio
 * @property {number} data_seed
 * @property {string[]} features
 * @property {number[]} hidden_layers
 * @property {string} activation
 * @property {string} init
 * @property {string} loss
 * @property {string} optimizer
 * @property {number} learning_rate
 * @property {number} momentum
 * @property {number} beta1
 * @property {number} beta2
 * @property {string} schedule
 * @property {number} decay_rate
 * @property {number} decay_steps
 * @property {number} batch_size
 * @property {number} l1
 * @property {number} l2
 * @property {number} dropout
 * @property {boolean} batch_norm
 * @property {number} seed
 * @property {number} patience
 */

/**
 * View preferences that live in the URL but never reach the server.
 * @typedef {object} UiState
 * @property {boolean} discretize      output heatmap in two (or K) flat colours
 * @property {boolean} show_test       draw the test points on the output
 * @property {boolean} log_scale       loss axis logarithmic
 * @property {number} smoothing        EMA weight of the smoothed loss curve, 0 = raw
 * @property {string} pace             a named training pace (pace.js): slow, playground, fast, max
 * @property {string} norms            per-layer norm chart: "off", "gradients" or "weights"
 */

/** @typedef {"str" | "int" | "float" | "bool" | "ints" | "strs"} FieldKind */

/**
 * @typedef {object} FieldSpec
 * @property {string} key     the same name in the wire config, the URL and the control's data-field
 * @property {FieldKind} kind
 * @property {"config" | "ui"} scope
 * @property {string | number | boolean | string[] | number[]} value  the default
 * @property {string} group   the control group a `<group>_hide=true` flag hides
 */

/** @type {readonly FieldSpec[]} */
export const FIELDS = Object.freeze([
  { key: "problem", kind: "str", scope: "config", value: "classification", group: "problem" },
  { key: "dataset", kind: "str", scope: "config", value: "circle", group: "data" },
  { key: "num_classes", kind: "int", scope: "config", value: 2, group: "data" },
  { key: "num_points", kind: "int", scope: "config", value: 500, group: "data" },
  { key: "noise", kind: "float", scope: "config", value: 0, group: "noise" },
  { key: "train_ratio", kind: "float", scope: "config", value: 0.5, group: "split" },
  { key: "val_ratio", kind: "float", scope: "config", value: 0, group: "split" },
  { key: "data_seed", kind: "int", scope: "config", value: 0, group: "data" },
  { key: "features", kind: "strs", scope: "config", value: ["x1", "x2"], group: "features" },
  { key: "hidden_layers", kind: "ints", scope: "config", value: [4, 2], group: "network" },
  { key: "activation", kind: "str", scope: "config", value: "tanh", group: "activation" },
  { key: "init", kind: "str", scope: "config", value: "xavier", group: "init" },
  { key: "loss", kind: "str", scope: "config", value: "auto", group: "loss" },
  { key: "optimizer", kind: "str", scope: "config", value: "sgd", group: "optimizer" },
  { key: "learning_rate", kind: "float", scope: "config", value: 0.03, group: "learning_rate" },
  { key: "momentum", kind: "float", scope: "config", value: 0.9, group: "optimizer" },
  { key: "beta1", kind: "float", scope: "config", value: 0.9, group: "optimizer" },
  { key: "beta2", kind: "float", scope: "config", value: 0.999, group: "optimizer" },
  { key: "schedule", kind: "str", scope: "config", value: "constant", group: "schedule" },
  { key: "decay_rate", kind: "float", scope: "config", value: 0.001, group: "schedule" },
  { key: "decay_steps", kind: "int", scope: "config", value: 1000, group: "schedule" },
  { key: "batch_size", kind: "int", scope: "config", value: 10, group: "batch_size" },
  { key: "l1", kind: "float", scope: "config", value: 0, group: "regularization" },
  { key: "l2", kind: "float", scope: "config", value: 0, group: "regularization" },
  { key: "dropout", kind: "float", scope: "config", value: 0, group: "dropout" },
  { key: "batch_norm", kind: "bool", scope: "config", value: false, group: "batch_norm" }, // issue 16
  { key: "seed", kind: "int", scope: "config", value: 0, group: "seed" },
  { key: "patience", kind: "int", scope: "config", value: 0, group: "regularization" },
  { key: "discretize", kind: "bool", scope: "ui", value: false, group: "output" },
  { key: "show_test", kind: "bool", scope: "ui", value: false, group: "output" },
  { key: "log_scale", kind: "bool", scope: "ui", value: false, group: "curves" },
  { key: "smoothing", kind: "float", scope: "ui", value: 0.6, group: "curves" },
  { key: "pace", kind: "str", scope: "ui", value: DEFAULT_PACE, group: "speed" },
  { key: "norms", kind: "str", scope: "ui", value: "off", group: "curves" },
]);

/** Every group a `<group>_hide=true` flag can hide. */
export const GROUPS = Object.freeze([...new Set(FIELDS.map((f) => f.group)), "lessons", "advanced"]);

/** @returns {RunConfig} */
export function defaultConfig() {
  return /** @type {RunConfig} */ (defaultsOf("config"));
}

/** @returns {UiState} */
export function defaultUi() {
  return /** @type {UiState} */ (defaultsOf("ui"));
}

/**
 * @param {"config" | "ui"} scope
 * @returns {Record<string, unknown>}
 */
function defaultsOf(scope) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const f of FIELDS) {
    if (f.scope === scope) out[f.key] = Array.isArray(f.value) ? [...f.value] : f.value;
  }
  return out;
}

/**
 * @typedef {object} HashState
 * @property {Partial<RunConfig>} config  only the fields present in the hash
 * @property {Partial<UiState>} ui
 * @property {string[]} hidden           groups with `<group>_hide=true`
 * @property {string | null} lesson
 * @property {Point[] | null} points     drawn or uploaded data (`points=`, with dataset=user)
 * @property {string[]} errors           one "<key>: <reason>" per ignored entry
 */

/** @typedef {[number, number, number]} Point  x1, x2, class or regression target */

/**
 * The most points a link carries: 8 characters each, so at most an 8,000-character hash (links
 * that long still paste into chats and LMS pages). Past it the link leaves the points out and the
 * page says so; points drawn by hand are placed on the link's 0.01 grid, so a link with them
 * reproduces the run exactly.
 */
export const MAX_LINK_POINTS = 1000;

/**
 * Points for a link: int16 triplets of hundredths (x1, x2 in ±6, class ≤ 5 or target in ±1),
 * little-endian, base64url — 8 characters a point, so 2,000 points make a 16 kB link.
 * @param {ArrayLike<number>} xyl  flat x1, x2, label triplets
 * @returns {string}
 */
export function encodePoints(xyl) {
  const bytes = new Uint8Array(xyl.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < xyl.length; i++) view.setInt16(2 * i, Math.round(xyl[i] * 100), true);
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * @param {string} text
 * @returns {Point[] | undefined}  undefined when the text is not a whole number of points
 */
export function decodePoints(text) {
  let raw;
  try {
    raw = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return undefined;
  }
  if (raw.length === 0 || raw.length % 6 !== 0) return undefined;
  const view = new DataView(Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer);
  /** @type {Point[]} */
  const points = [];
  for (let i = 0; i < raw.length; i += 6) {
    points.push([view.getInt16(i, true) / 100, view.getInt16(i + 2, true) / 100, view.getInt16(i + 4, true) / 100]);
  }
  return points;
}

/**
 * Parse `#key=value&…` (with or without the leading #). Unknown keys and unreadable values are
 * reported in `errors` and otherwise ignored; the server validates ranges and names.
 * @param {string} hash
 * @returns {HashState}
 */
export function parseHash(hash) {
  /** @type {HashState} */
  const out = { config: {}, ui: {}, hidden: [], lesson: null, points: null, errors: [] };
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  for (const [key, raw] of params) {
    if (key === "lesson") {
      out.lesson = raw;
      continue;
    }
    if (key === "steps_per_frame") {
      // Links from before named paces: the nearest pace (0 was auto, i.e. max).
      const n = Number(raw);
      if (Number.isInteger(n) && n >= 0) out.ui.pace = paceFromSteps(n);
      else out.errors.push(`${key}: cannot read ${JSON.stringify(raw)} as int`);
      continue;
    }
    if (key === "points") {
      out.points = decodePoints(raw) ?? null;
      if (!out.points) out.errors.push("points: not a list of points");
      continue;
    }
    if (key.endsWith("_hide")) {
      const group = key.slice(0, -"_hide".length);
      if (!GROUPS.includes(group)) out.errors.push(`${key}: unknown group`);
      else if (raw === "true") out.hidden.push(group);
      continue;
    }
    const spec = FIELDS.find((f) => f.key === key);
    if (!spec) {
      out.errors.push(`${key}: unknown field`);
      continue;
    }
    const value = parseValue(spec.kind, raw);
    if (value === undefined) {
      out.errors.push(`${key}: cannot read ${JSON.stringify(raw)} as ${spec.kind}`);
      continue;
    }
    /** @type {Record<string, unknown>} */ (spec.scope === "config" ? out.config : out.ui)[key] = value;
  }
  return out;
}

/**
 * @param {FieldKind} kind
 * @param {string} raw
 * @returns {string | number | boolean | string[] | number[] | undefined}
 */
function parseValue(kind, raw) {
  const number = (/** @type {string} */ s) => (s.trim() === "" ? NaN : Number(s));
  switch (kind) {
    case "str":
      return raw === "" ? undefined : raw;
    case "int": {
      const n = number(raw);
      return Number.isInteger(n) ? n : undefined;
    }
    case "float": {
      const n = number(raw);
      return Number.isFinite(n) ? n : undefined;
    }
    case "bool":
      return raw === "true" ? true : raw === "false" ? false : undefined;
    case "ints": {
      if (raw === "") return [];
      const list = raw.split(",").map(number);
      return list.every(Number.isInteger) ? list : undefined;
    }
    case "strs": {
      const list = raw.split(",").filter((s) => s !== "");
      return list.length > 0 ? list : undefined;
    }
  }
}

/**
 * The hash for a state: every config field (so a link reproduces the run even if defaults change),
 * UI fields that differ from their default, then hide flags and the lesson.
 * @param {RunConfig} config
 * @param {UiState} ui
 * @param {Iterable<string>} [hidden]
 * @param {string | null} [lesson]
 * @param {ArrayLike<number> | null} [points]  flat x1, x2, label triplets (kept with dataset=user,
 *   up to MAX_LINK_POINTS)
 * @returns {string}  without the leading #
 */
export function serializeHash(config, ui, hidden = [], lesson = null, points = null) {
  const params = new URLSearchParams();
  const cfg = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (config));
  const view = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (ui));
  for (const f of FIELDS) {
    const value = f.scope === "config" ? cfg[f.key] : view[f.key];
    if (value === undefined) continue;
    if (f.scope === "ui" && sameValue(value, f.value)) continue;
    params.set(f.key, Array.isArray(value) ? value.join(",") : String(value));
  }
  for (const group of [...hidden].sort()) params.set(`${group}_hide`, "true");
  if (lesson) params.set("lesson", lesson);
  if (points && points.length > 0 && points.length <= 3 * MAX_LINK_POINTS && config.dataset === "user") {
    params.set("points", encodePoints(points));
  }
  // Commas are safe in a fragment and make lists readable.
  return params.toString().replaceAll("%2C", ",");
}

/**
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
export function sameValue(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/**
 * The fields of `next` that differ from `current`, as a partial config message body.
 * @param {RunConfig} current
 * @param {Partial<RunConfig>} next
 * @returns {Partial<RunConfig>}
 */
export function configDiff(current, next) {
  /** @type {Record<string, unknown>} */
  const out = {};
  const cur = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (current));
  for (const [key, value] of Object.entries(next)) {
    if (!sameValue(cur[key], value)) out[key] = value;
  }
  return /** @type {Partial<RunConfig>} */ (out);
}

/**
 * @typedef {object} Metrics
 * @property {number | null} train_loss
 * @property {number | null} test_loss
 * @property {number | null} val_loss
 * @property {number | null} train_accuracy
 * @property {number | null} test_accuracy
 * @property {number | null} val_accuracy
 * @property {number} [examples_per_s]
 * @property {number} [learning_rate]
 * @property {number[]} [grad_norms]
 * @property {number[]} [weight_norms]
 */

/**
 * @typedef {object} State
 * @property {RunConfig} config        as last echoed by the server (the client never guesses)
 * @property {number} configRev
 * @property {UiState} ui
 * @property {Set<string>} hidden
 * @property {string | null} lesson
 * @property {boolean} presenter
 * @property {"connecting" | "open" | "reconnecting" | "closed"} connection
 * @property {boolean} playing
 * @property {number} step
 * @property {number} epoch
 * @property {Metrics | null} metrics
 * @property {import("./frame.js").Frame | null} frame   the latest frame (latest wins)
 * @property {{xy: Float32Array, split: Uint8Array} | null} points  xy rows are (x1, x2, label)
 * @property {number} dataRev
 * @property {number | null} hoverNeuron  index into the frame's `neurons`, shown large on the output
 * @property {boolean} drawMode
 * @property {{message: string, kind: "diverged" | "early_stop"} | null} banner
 */

/** @typedef {keyof State} StateKey */

export class Store {
  /** @param {Partial<State>} [initial] */
  constructor(initial = {}) {
    /** @type {State} */
    this.state = {
      config: defaultConfig(),
      configRev: 0,
      ui: defaultUi(),
      hidden: new Set(),
      lesson: null,
      presenter: false,
      connection: "connecting",
      playing: false,
      step: 0,
      epoch: 0,
      metrics: null,
      frame: null,
      points: null,
      dataRev: -1,
      hoverNeuron: null,
      drawMode: false,
      banner: null,
      ...initial,
    };
    /** @type {Set<(changed: Set<StateKey>) => void>} */
    this.listeners = new Set();
  }

  /**
   * Replace some fields and tell every listener which ones changed.
   * @param {Partial<State>} patch
   */
  set(patch) {
    /** @type {Set<StateKey>} */
    const changed = new Set();
    for (const [key, value] of Object.entries(patch)) {
      const k = /** @type {StateKey} */ (key);
      if (this.state[k] !== value) changed.add(k);
    }
    if (changed.size === 0) return;
    Object.assign(this.state, patch);
    for (const listener of this.listeners) listener(changed);
  }

  /**
   * @param {(changed: Set<StateKey>) => void} listener
   * @returns {() => void} unsubscribe
   */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The URL hash for the current state. */
  hash() {
    const s = this.state;
    return serializeHash(s.config, s.ui, s.hidden, s.lesson, s.points?.xy ?? null);
  }
}
