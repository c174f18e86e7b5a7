// The settings controls: every `[data-field]` element of the page is bound generically through the
// FIELDS table (parse by kind, send on change), enum lists come from /api/options, and `render`
// mirrors the server-echoed config back into the inputs. No socket here: changes go to handlers.

import { css, classColor } from "./colors.js";
import { FIELDS } from "./store.js";

/**
 * @typedef {object} Options  the parts of GET /api/options the page reads
 * @property {Record<string, string[]>} lists   problems, activations, …, datasets per problem
 * @property {Record<string, Record<string, string>>} labels  display label per list and name
 * @property {{layers: number, width: number, batch: number, points: number, classes: number}} capacity
 */

/**
 * @typedef {object} ControlHandlers
 * @property {(patch: Partial<import("./store.js").RunConfig>, source: Element) => void} onConfig
 * @property {(patch: Partial<import("./store.js").UiState>) => void} onUi
 */

/** Datasets whose class count the user chooses. */
export const MULTI_CLASS_DATASETS = ["multi_spiral", "blobs", "user"];
const MOMENTUM_OPTIMIZERS = ["momentum", "nesterov", "rmsprop"];
const ADAM_OPTIMIZERS = ["adam", "nadam"];

/**
 * Human labels of registry names, as /api/options states them (filled by `setOptions`; the value
 * of a control stays the registry name). Until the options arrive a name shows as itself.
 * @type {Record<string, string>}
 */
const LABELS = {};

/** @param {string} name */
export function labelOf(name) {
  return LABELS[name] ?? name;
}

/**
 * Read the options document into lists by the names the page uses. Accepts either top-level lists
 * (`{"activations": [...]}`) or registry objects (`{"activations": {"names": [...]}}`, items as
 * strings or `{name}` objects).
 * @param {unknown} raw
 * @returns {Options}
 */
export function readOptions(raw) {
  const doc = /** @type {Record<string, unknown>} */ (raw && typeof raw === "object" ? raw : {});
  /** @type {Record<string, Record<string, string>>} */
  const labels = {};
  /** @param {unknown} v @returns {string[]} */
  const names = (v) => {
    const list = Array.isArray(v) ? v : v && typeof v === "object" ? /** @type {any} */ (v).names ?? /** @type {any} */ (v).values ?? [] : [];
    return list.map((/** @type {unknown} */ x) => (typeof x === "string" ? x : String(/** @type {any} */ (x)?.name ?? ""))).filter(Boolean);
  };
  /** @param {string} key @param {string} [as] */
  const pick = (key, as = key) => {
    const found = doc[key] ?? doc[key.toUpperCase()] ?? /** @type {any} */ (doc.registries)?.[key];
    if (found === undefined) return [];
    if (Array.isArray(found)) {
      for (const item of found) if (item && typeof item === "object" && item.name && item.label) (labels[as] ??= {})[item.name] = String(item.label);
    }
    return names(found);
  };
  const datasets = /** @type {any} */ (doc.datasets);
  const cap = /** @type {any} */ (doc.capacity ?? {});
  return {
    lists: {
      problems: pick("problems"),
      classification: pick("classification_datasets", "classification").length ? pick("classification_datasets", "classification") : names(datasets?.classification),
      regression: pick("regression_datasets", "regression").length ? pick("regression_datasets", "regression") : names(datasets?.regression),
      features: pick("features"),
      activations: pick("activations"),
      inits: pick("inits"),
      losses: pick("losses"),
      optimizers: pick("optimizers"),
      schedules: pick("schedules"),
    },
    labels,
    capacity: {
      layers: Number(cap.layers ?? 6), width: Number(cap.width ?? 8), batch: Number(cap.batch ?? 64),
      points: Number(cap.points ?? 2000), classes: Number(cap.classes ?? 6),
    },
  };
}

export class Controls {
  /**
   * @param {ParentNode} root
   * @param {ControlHandlers} handlers
   */
  constructor(root, handlers) {
    this.root = root;
    this.handlers = handlers;
    /** @type {Options | null} */
    this.options = null;
    /** @type {HTMLElement[]} */
    this.fields = [...root.querySelectorAll("[data-field]")].map((el) => /** @type {HTMLElement} */ (el));
    for (const el of this.fields) this.bind(el);
  }

  /** @param {HTMLElement} el */
  bind(el) {
    const key = /** @type {string} */ (el.dataset.field);
    const spec = FIELDS.find((f) => f.key === key);
    if (!spec) throw new Error(`control ${el.id}: no field ${key} in the table`);
    const input = /** @type {HTMLInputElement | HTMLSelectElement} */ (el);
    if (input instanceof HTMLInputElement && input.type === "range") {
      input.addEventListener("input", () => this.show(key, Number(input.value)));
    }
    input.addEventListener("change", () => {
      /** @type {unknown} */
      let value;
      if (input instanceof HTMLInputElement && input.type === "checkbox") value = input.checked;
      else if (spec.kind === "int" || spec.kind === "float") {
        value = Number(input.value);
        if (input.value.trim() === "" || !Number.isFinite(value)) return;
      } else value = input.value;
      if (spec.scope === "ui") {
        this.handlers.onUi({ [key]: value });
        return;
      }
      /** @type {Record<string, unknown>} */
      const patch = { [key]: value };
      if (key === "problem" && this.options) patch.dataset = this.options.lists[String(value)]?.[0];
      if (key === "problem") patch.loss = "auto";
      this.handlers.onConfig(/** @type {any} */ (patch), input);
    });
  }

  /** @param {Options} options */
  setOptions(options) {
    this.options = options;
    for (const list of Object.values(options.labels)) Object.assign(LABELS, list);
    for (const el of this.fields) {
      if (!(el instanceof HTMLSelectElement)) continue;
      const list = el.dataset.options;
      if (list && list !== "datasets") fill(el, options.lists[list] ?? [], this.labeller(list));
      const choices = el.dataset.choices;
      if (choices) fill(el, choices.split(","), (v) => v);
    }
    const cap = options.capacity;
    const batch = /** @type {HTMLInputElement | null} */ (this.root.querySelector("#batch_size"));
    if (batch) batch.max = String(cap.batch);
    const classes = /** @type {HTMLInputElement | null} */ (this.root.querySelector("#num_classes"));
    if (classes) classes.max = String(cap.classes);
  }

  /**
   * Mirror config and view state into every control (not into the one being typed in).
   * @param {import("./store.js").State} state
   */
  render(state) {
    const { config, ui } = state;
    const values = /** @type {Record<string, unknown>} */ ({ ...config, ...ui });
    const datasetSelect = /** @type {HTMLSelectElement | null} */ (this.root.querySelector("#dataset"));
    if (datasetSelect && this.options) fill(datasetSelect, this.options.lists[config.problem] ?? [config.dataset], this.labeller(config.problem));
    const loss = /** @type {HTMLSelectElement | null} */ (this.root.querySelector("#loss"));
    if (loss && this.options) {
      const all = this.options.lists.losses;
      fill(loss, config.problem === "regression" ? all.filter((l) => l === "auto" || l === "mse") : all, this.labeller("losses"));
    }
    for (const el of this.fields) {
      const key = /** @type {string} */ (el.dataset.field);
      const value = values[key];
      if (value === undefined) continue;
      if (el instanceof HTMLInputElement && el.type === "checkbox") el.checked = Boolean(value);
      else if (el instanceof HTMLSelectElement) {
        const text = String(value);
        if (![...el.options].some((o) => o.value === text)) {
          const o = new Option(el.dataset.choices ? text : labelOf(text), text);
          el.add(o);
        }
        el.value = text;
      } else if (el instanceof HTMLInputElement && document.activeElement !== el) el.value = String(value);
      else if (el instanceof HTMLInputElement && el.type === "range") el.value = String(value);
      this.show(key, value);
    }
    const multi = config.problem === "classification" && MULTI_CLASS_DATASETS.includes(config.dataset);
    /** @type {Record<string, boolean>} */
    const conditions = {
      classes: multi,
      momentum: MOMENTUM_OPTIMIZERS.includes(config.optimizer),
      adam: ADAM_OPTIMIZERS.includes(config.optimizer),
    };
    // Hidden by a `<group>_hide` flag, or by a condition that does not hold (e.g. betas without Adam).
    for (const node of this.root.querySelectorAll("[data-group], [data-when]")) {
      const el = /** @type {HTMLElement} */ (node);
      const byGroup = el.dataset.group !== undefined && state.hidden.has(el.dataset.group);
      const byCondition = el.dataset.when !== undefined && !conditions[el.dataset.when];
      el.hidden = byGroup || byCondition;
    }
  }

  /**
   * @param {string} list
   * @returns {(name: string) => string}
   */
  labeller(list) {
    const labels = this.options?.labels[list] ?? {};
    return (name) => labels[name] ?? labelOf(name);
  }

  /**
   * The value next to a slider.
   * @param {string} key
   * @param {unknown} value
   */
  show(key, value) {
    const out = this.root.querySelector(`[data-shows="${key}"]`);
    if (!out) return;
    const format = /** @type {HTMLElement} */ (out).dataset.format;
    const n = Number(value);
    out.textContent = format === "percent" ? `${Math.round(n * 100)}%` : key === "noise" ? `${n}%` : Number.isInteger(n) ? String(n) : n.toFixed(2);
  }
}

/**
 * Replace a select's options (keeping the element and its value when still present).
 * @param {HTMLSelectElement} select
 * @param {string[]} values
 * @param {(v: string) => string} [label]
 */
function fill(select, values, label = labelOf) {
  const current = [...select.options].map((o) => o.value).join("|");
  if (current === values.join("|")) return;
  const keep = select.value;
  select.replaceChildren(...values.map((v) => new Option(label(v), v)));
  if (values.includes(keep)) select.value = keep;
}

/**
 * Class choices for draw mode, coloured like the points.
 * @param {HTMLSelectElement} select
 * @param {number} classes
 * @param {boolean} regression
 */
export function fillDrawClasses(select, classes, regression) {
  const values = regression ? ["-1", "-0.5", "0.5", "1"] : Array.from({ length: classes }, (_, k) => String(k));
  if ([...select.options].map((o) => o.value).join("|") === values.join("|")) return;
  const keep = select.value;
  select.replaceChildren(
    ...values.map((v) => {
      const o = new Option(regression ? `target ${v}` : `class ${v}`, v);
      if (!regression) o.style.color = css(classColor(Number(v)));
      return o;
    }),
  );
  select.value = values.includes(keep) ? keep : values[values.length > 1 ? 1 : 0];
}
