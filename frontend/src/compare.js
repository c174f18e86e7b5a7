// The Compare panel: the main model and up to three variants of it (fewer if the server's
// max_lanes is smaller), trained side by side on the server (one engine lane each). Four cards
// fit beside the network at 1280 px; more models at once are the Sweep panel's job. The user picks one setting and the values to try; each
// model gets a decision-boundary thumbnail (the output view's Heatmap, without points), its test
// loss, a small test-loss curve and a "Diverged" badge. `update` stores, `paint` draws; the
// panel never talks to the socket: `onVariants` hands the variants to main.js.

import { Heatmap } from "./heatmap.js";

/** The most models the panel shows at once: the main one and three variants. */
const COMPARE_MODELS = 4;

/**
 * @typedef {object} CompareSetting
 * @property {string} field    the config field a variant changes
 * @property {string} label    visible label
 * @property {(string | number | number[])[]} values
 */

/** @param {number[]} widths */
const layersLabel = (widths) => (widths.length === 0 ? "none" : widths.join("-"));

/** @type {readonly CompareSetting[]} */
export const COMPARE_SETTINGS = Object.freeze([
  { field: "learning_rate", label: "Learning rate", values: [0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10] },
  { field: "activation", label: "Activation", values: ["tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu", "gelu", "sin"] },
  { field: "optimizer", label: "Optimizer", values: ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam"] },
  // issue 11: [1], [3], [8], [3, 3, 3], init and schedule are what lessons compare.
  { field: "hidden_layers", label: "Hidden layers", values: [[], [1], [2], [3], [4], [8], [4, 2], [3, 3, 3], [8, 8], [8, 8, 8], [6, 6, 6, 6]] },
  { field: "l2", label: "L2", values: [0, 0.001, 0.003, 0.01, 0.03, 0.1] },
  { field: "dropout", label: "Dropout", values: [0, 0.1, 0.2, 0.3, 0.5] },
  { field: "batch_size", label: "Batch size", values: [1, 5, 10, 20, 30, 64] },
  { field: "init", label: "Initialisation", values: ["xavier", "he", "small", "uniform", "zero"] },
  { field: "schedule", label: "LR schedule", values: ["constant", "time", "step", "exponential"] },
]);

/**
 * @typedef {object} VariantInfo  one variant in a frame header's `compare` block
 * @property {Record<string, unknown>} changes
 * @property {number} step
 * @property {number | null} test_loss
 * @property {number | null} train_loss
 * @property {boolean} diverged
 * @property {number | null} diverged_step
 */

/**
 * @typedef {object} CompareInput
 * @property {import("./frame.js").Frame | null} frame
 * @property {Record<string, unknown>} config  the main config
 * @property {string} problem
 * @property {number} numClasses
 * @property {boolean} discretize
 */

/** @param {unknown} v */
export function valueLabel(v) {
  if (Array.isArray(v)) return layersLabel(v);
  return String(v);
}

/** @param {unknown} a @param {unknown} b */
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The variants to send for a setting and the chosen values: the main config's own value is the
 * main model, so it is never a variant.
 * @param {string} field
 * @param {unknown[]} values
 * @param {unknown} mainValue
 * @returns {Record<string, unknown>[]}
 */
export function variantsFor(field, values, mainValue) {
  return values.filter((v) => !same(v, mainValue)).map((v) => ({ [field]: v }));
}

/** A small test-loss curve per model, cleared when its step goes back (a reset). */
class Curve {
  constructor() {
    /** @type {number[]} */
    this.steps = [];
    /** @type {number[]} */
    this.losses = [];
  }

  /** @param {number} step @param {number | null} loss */
  add(step, loss) {
    const last = this.steps[this.steps.length - 1];
    if (last !== undefined && step < last) this.clear();
    if (loss === null || !Number.isFinite(loss) || (last !== undefined && step <= last)) return;
    this.steps.push(step);
    this.losses.push(loss);
    if (this.steps.length > 400) {
      this.steps = this.steps.filter((_, i) => i % 2 === 0);
      this.losses = this.losses.filter((_, i) => i % 2 === 0);
    }
  }

  clear() {
    this.steps = [];
    this.losses = [];
  }
}

/**
 * @typedef {object} Card
 * @property {HTMLElement} root
 * @property {HTMLElement} title
 * @property {HTMLElement} loss
 * @property {HTMLElement} badge
 * @property {HTMLCanvasElement} spark
 * @property {Heatmap} map
 * @property {Curve} curve
 * @property {string} key
 */

export class CompareView {
  /**
   * @param {Document} doc
   * @param {{onVariants: (variants: Record<string, unknown>[], source: Element) => void, onToggle: (open: boolean) => void}} handlers
   */
  constructor(doc, handlers) {
    this.doc = doc;
    this.handlers = handlers;
    const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (doc.getElementById(id));
    this.panel = byId("compare-panel");
    this.button = byId("compare-button");
    this.setting = /** @type {HTMLSelectElement} */ (byId("compare-setting"));
    this.valuesBox = byId("compare-values");
    this.cardsBox = byId("compare-cards");
    this.note = byId("compare-note");
    this.maxLanes = 4;
    /** @type {{field: string, value: unknown} | null} the main value a preset assumed until the config echo says so */
    this.mainOverride = null;
    /** @type {CompareInput | null} */
    this.input = null;
    /** @type {Card[]} */
    this.cards = [];
    for (const s of COMPARE_SETTINGS) this.setting.append(new Option(s.label, s.field));
    this.setting.addEventListener("change", () => {
      this.renderValues([]);
      this.emit(this.setting);
    });
    this.button.addEventListener("click", () => this.toggle(!this.isOpen));
    byId("compare-close").addEventListener("click", () => this.toggle(false));
    this.renderValues([]);
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  /** @param {boolean} open */
  toggle(open) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-pressed", String(open));
    if (!open && this.chosen().length > 0) {
      this.renderValues([]);
      this.emit(this.button);
    }
    this.handlers.onToggle(open);
  }

  /** @param {number} n  the server's max_lanes (hello.limits) */
  setMaxLanes(n) {
    this.maxLanes = Math.max(1, Math.min(COMPARE_MODELS, n));
    this.renderValues(this.chosen());
  }

  /** @returns {CompareSetting} */
  current() {
    return COMPARE_SETTINGS.find((s) => s.field === this.setting.value) ?? COMPARE_SETTINGS[0];
  }

  /** @returns {unknown[]} the values ticked, in list order */
  chosen() {
    const setting = this.current();
    const boxes = /** @type {HTMLInputElement[]} */ ([...this.valuesBox.querySelectorAll("input[type=checkbox]")]);
    return boxes.filter((b) => b.checked && !b.disabled).map((b) => setting.values[Number(b.value)]);
  }

  /**
   * Open the panel with these values ticked (a lesson), the main config's value being `mainValue`.
   * @param {import("./lessons.js").ComparePreset} preset
   * @param {unknown} mainValue
   * @param {Element} source
   */
  preset(preset, mainValue, source) {
    this.panel.hidden = false;
    this.button.setAttribute("aria-pressed", "true");
    this.setting.value = preset.field;
    this.mainOverride = { field: preset.field, value: mainValue };
    this.renderValues(preset.values);
    this.emit(source);
    this.handlers.onToggle(true);
  }

  /** @param {Element} source  after the server started a new session: ask for the same variants */
  resend(source) {
    if (this.chosen().length > 0) this.emit(source);
  }

  /** @returns {unknown} the main model's value of the chosen setting */
  mainValue() {
    const field = this.current().field;
    if (this.mainOverride?.field === field) return this.mainOverride.value;
    return this.input?.config[field];
  }

  /** @param {unknown[]} chosen */
  renderValues(chosen) {
    const setting = this.current();
    const mainValue = this.mainValue();
    const room = this.maxLanes - 1;
    const ticked = chosen.filter((v) => !same(v, mainValue)).length;
    this.valuesBox.replaceChildren();
    setting.values.forEach((value, i) => {
      const id = `compare-value-${i}`;
      const label = this.doc.createElement("label");
      label.className = "check";
      label.htmlFor = id;
      const box = this.doc.createElement("input");
      box.type = "checkbox";
      box.id = id;
      box.value = String(i);
      const isMain = same(value, mainValue);
      box.checked = isMain || chosen.some((c) => same(c, value));
      box.disabled = isMain || (!box.checked && ticked >= room);
      box.addEventListener("change", () => {
        this.renderValues(this.chosen());
        this.emit(box);
      });
      label.append(box, ` ${valueLabel(value)}${isMain ? " (main)" : ""}`);
      this.valuesBox.append(label);
    });
    this.note.textContent = room < 1 ? "This server trains one model per session." : `Tick up to ${room} values to train beside the main model.`;
  }

  /** @param {Element} source */
  emit(source) {
    const setting = this.current();
    this.handlers.onVariants(variantsFor(setting.field, this.chosen(), this.mainValue()), source);
  }

  /**
   * The server's compare echo: what is in force (e.g. after a reconnect, or a variant dropped).
   * @param {Record<string, unknown>[]} variants
   */
  echo(variants) {
    if (variants.length === 0) {
      if (this.chosen().length > 0) this.renderValues([]);
      return;
    }
    const field = Object.keys(variants[0])[0];
    if (field && COMPARE_SETTINGS.some((s) => s.field === field) && variants.every((v) => Object.keys(v).length === 1 && field in v)) {
      this.setting.value = field;
      this.renderValues(variants.map((v) => v[field]));
    }
  }

  /** @param {CompareInput} input */
  update(input) {
    const settingChanged = this.input?.config[this.current().field] !== input.config[this.current().field];
    this.input = input;
    const override = this.mainOverride;
    if (override && same(input.config[override.field], override.value)) this.mainOverride = null;
    if (settingChanged && !this.mainOverride) this.renderValues(this.chosen());
  }

  paint() {
    const input = this.input;
    if (!input || this.panel.hidden) return;
    const frame = input.frame;
    const h = frame?.header;
    /** @type {VariantInfo[]} */
    const variants = /** @type {any} */ (h)?.compare?.variants ?? [];
    const field = this.current().field;
    const keys = ["main", ...variants.map((v) => JSON.stringify(v.changes))];
    this.syncCards(keys, variants, field);
    if (!frame || !h) return;
    const main = this.cards[0];
    main.curve.add("metrics_step" in h ? Number(h.metrics_step) : h.step, h.metrics.test_loss);
    this.paintCard(main, frame, h.metrics.test_loss, false, null);
    const outputs = frame.arrays.get("compare_outputs");
    const classes = frame.arrays.get("compare_classes");
    variants.forEach((v, i) => {
      const card = this.cards[i + 1];
      card.curve.add(v.step, v.test_loss);
      const sub = outputs ? subFrame(frame, outputs, classes, i) : null;
      this.paintCard(card, sub, v.test_loss, v.diverged, v.diverged_step);
    });
  }

  /**
   * @param {string[]} keys
   * @param {VariantInfo[]} variants
   * @param {string} field
   */
  syncCards(keys, variants, field) {
    if (same(keys, this.cards.map((c) => c.key))) return;
    const old = new Map(this.cards.map((c) => [c.key, c]));
    this.cards = keys.map((key, i) => {
      // Just the value when the variant changes the chosen setting only (the panel names it).
      const changes = i === 0 ? {} : variants[i - 1].changes;
      const only = Object.keys(changes).length === 1 && field in changes;
      const title = i === 0 ? `${valueLabel(this.input?.config[field])} (main)` : only ? valueLabel(changes[field]) : changesLabel(changes);
      const card = old.get(key) ?? this.makeCard(key);
      card.title.textContent = title;
      const setting = COMPARE_SETTINGS.find((s) => s.field === field)?.label ?? field;
      card.map.canvas.setAttribute("aria-label", `Decision boundary, ${setting.toLowerCase()} ${title}`);
      return card;
    });
    this.cardsBox.replaceChildren(...this.cards.map((c) => c.root));
  }

  /** @param {string} key @returns {Card} */
  makeCard(key) {
    const d = this.doc;
    const root = d.createElement("figure");
    root.className = "compare-card";
    const canvas = d.createElement("canvas");
    canvas.className = "compare-map";
    canvas.setAttribute("role", "img");
    const caption = d.createElement("span");
    caption.hidden = true;
    const badge = d.createElement("span");
    badge.className = "badge";
    badge.textContent = "Diverged";
    badge.hidden = true;
    const wrap = d.createElement("div");
    wrap.className = "compare-map-wrap";
    wrap.append(canvas, badge);
    const fig = d.createElement("figcaption");
    const title = d.createElement("strong");
    const loss = d.createElement("span");
    loss.className = "compare-loss";
    const spark = d.createElement("canvas");
    spark.className = "spark";
    spark.setAttribute("aria-hidden", "true");
    fig.append(title, loss, spark);
    root.append(wrap, fig);
    const noop = () => {};
    return { root, title, loss, badge, spark, key, curve: new Curve(), map: new Heatmap(canvas, caption, { onAdd: noop, onRemove: noop }) };
  }

  /**
   * @param {Card} card
   * @param {import("./frame.js").Frame | null} frame
   * @param {number | null} testLoss
   * @param {boolean} diverged
   * @param {number | null} divergedStep
   */
  paintCard(card, frame, testLoss, diverged, divergedStep) {
    const input = /** @type {CompareInput} */ (this.input);
    card.map.update({
      frame: diverged ? null : frame, points: null, problem: input.problem, numClasses: input.numClasses, discretize: input.discretize,
      showTest: false, hoverNeuron: null, hoverLabel: "", drawMode: false, presenter: false,
    });
    card.map.paint();
    card.badge.hidden = !diverged;
    card.root.classList.toggle("diverged", diverged);
    card.loss.textContent = diverged ? `diverged at step ${divergedStep ?? "?"}` : `Test loss ${testLoss === null ? "–" : testLoss.toFixed(3)}`;
    paintSpark(card.spark, card.curve);
  }
}

/** @param {Record<string, unknown>} changes */
function changesLabel(changes) {
  return Object.entries(changes).map(([k, v]) => {
    const setting = COMPARE_SETTINGS.find((s) => s.field === k);
    return `${setting ? setting.label : k} ${valueLabel(v)}`;
  }).join(", ");
}

/**
 * Variant `i`'s output as a frame of its own, for the Heatmap (which reads `output`/`output_class`).
 * @param {import("./frame.js").Frame} frame
 * @param {import("./frame.js").DecodedArray} outputs  (V, G, G)
 * @param {import("./frame.js").DecodedArray | undefined} classes  (V, G, G) for K classes
 * @param {number} i
 * @returns {import("./frame.js").Frame}
 */
function subFrame(frame, outputs, classes, i) {
  const [, g1, g2] = outputs.desc.shape;
  const n = g1 * g2;
  /** @type {Map<string, import("./frame.js").DecodedArray>} */
  const arrays = new Map();
  arrays.set("output", { desc: { ...outputs.desc, name: "output", shape: [g1, g2] }, data: outputs.data.subarray(i * n, (i + 1) * n) });
  if (classes) arrays.set("output_class", { desc: { ...classes.desc, name: "output_class", shape: [g1, g2] }, data: classes.data.subarray(i * n, (i + 1) * n) });
  return { header: frame.header, arrays };
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {Curve} curve
 */
function paintSpark(canvas, curve) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.clearRect(0, 0, w, h);
  const { steps, losses } = curve;
  if (steps.length < 2) return;
  const x0 = steps[0];
  const dx = Math.max(1, steps[steps.length - 1] - x0);
  const top = Math.max(...losses);
  const bottom = Math.min(0, ...losses);
  const dy = Math.max(1e-9, top - bottom);
  ctx.strokeStyle = "#1f2328";
  ctx.lineWidth = 1.5 * dpr;
  ctx.beginPath();
  steps.forEach((s, i) => {
    const x = ((s - x0) / dx) * (w - 2 * dpr) + dpr;
    const y = h - dpr - ((losses[i] - bottom) / dy) * (h - 2 * dpr);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}
