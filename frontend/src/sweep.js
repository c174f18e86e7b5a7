// The Sweep panel (issue 16): one or two settings over a few values, every combination a model
// trained from scratch on the server. Beside its controls it shows the models as small multiples
// (the frames' `sweep_outputs`): with two settings a table whose rows are the first setting's
// values and columns the second's, with one a wrapped row, each map with its test loss as a
// badge; and the charts of sweepcharts.js (final test loss per value, the seed ensemble's band,
// double descent from GET /api/double_descent). It builds its own DOM inside #sweep-panel and
// never talks to the socket: `onSweep` hands the message to main.js.

import { diverging } from "./colors.js";
import { SweepCharts } from "./sweepcharts.js";
import { axisName, badgeText, bestLane, extendRun, gridShape, label, lanePositions, parseValue, SWEEP_FIELDS } from "./sweepdata.js";

export { label, parseValue, SWEEP_FIELDS };

/** @typedef {import("./sweepdata.js").Axis} Axis */
/** @typedef {import("./sweepdata.js").SweepLane} SweepLane */

/**
 * @param {Document} doc
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 */
function el(doc, tag, attrs = {}, text = "") {
  const node = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

export class SweepView {
  /**
   * @param {Document} doc
   * @param {{onSweep: (message: {type: "sweep", axes: Axis[], same_init: boolean}, source: Element) => void}} handlers
   */
  constructor(doc, handlers) {
    this.doc = doc;
    this.handlers = handlers;
    this.panel = /** @type {HTMLElement} */ (doc.getElementById("sweep-panel"));
    this.button = /** @type {HTMLElement} */ (doc.getElementById("sweep-button"));
    /** @type {Axis[]} */
    this.axes = [];
    /** @type {import("./sweepdata.js").Run[]} test-loss history per lane (the ensemble band) */
    this.runs = [];
    /** @type {HTMLElement[]} per lane, its cell in the grid (canvas and badge) */
    this.cells = [];
    this.gridKey = "";
    this.charts = new SweepCharts(doc);
    /** @type {HTMLElement} the `preparing` line (set by build) */
    this.status = doc.createElement("p");
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.preparingTimer = undefined;
    const parts = this.build();
    this.fields = parts.fields;
    this.valueInputs = parts.valueInputs;
    this.same = parts.same;
    this.grid = parts.grid;
    this.button.addEventListener("click", () => this.toggle());
  }

  /** The panel's DOM: controls | grid | charts; returns the parts the view reads or updates. */
  build() {
    const d = this.doc;
    const head = el(d, "h2", { id: "sweep-heading" }, "Sweep");
    const form = el(d, "div", { class: "sweep-controls" });
    form.append(head);
    /** @type {HTMLSelectElement[]} */
    const fields = [];
    /** @type {HTMLInputElement[]} */
    const valueInputs = [];
    ["First", "Second"].forEach((which, i) => {
      const select = /** @type {HTMLSelectElement} */ (el(d, "select", { id: `sweep-field-${i}` }));
      if (i === 1) select.append(el(d, "option", { value: "" }, "none"));
      for (const f of SWEEP_FIELDS) select.append(el(d, "option", { value: f.field }, f.label));
      const input = /** @type {HTMLInputElement} */ (el(d, "input", { id: `sweep-values-${i}`, type: "text" }));
      select.value = i === 0 ? "learning_rate" : "";
      input.value = i === 0 ? SWEEP_FIELDS[0].values : "";
      select.addEventListener("change", () => {
        input.value = SWEEP_FIELDS.find((f) => f.field === select.value)?.values ?? "";
      });
      form.append(
        el(d, "label", { for: select.id }, `${which} setting`), select,
        el(d, "label", { for: input.id }, `${which} values`), input,
      );
      fields.push(select);
      valueInputs.push(input);
    });
    const same = /** @type {HTMLInputElement} */ (el(d, "input", { id: "sweep-same-init", type: "checkbox" }));
    same.checked = true;
    const sameLabel = el(d, "label", { class: "check" });
    sameLabel.append(same, " Same starting weights");
    const start = el(d, "button", { type: "button", id: "sweep-start", class: "wide" }, "Start sweep");
    const stop = el(d, "button", { type: "button", id: "sweep-stop", class: "wide" }, "Stop sweep");
    const dd = el(d, "button", { type: "button", id: "sweep-dd", class: "wide", "aria-pressed": "false" }, "Show double descent");
    start.addEventListener("click", () => this.start(start));
    stop.addEventListener("click", () => this.handlers.onSweep({ type: "sweep", axes: [], same_init: true }, stop));
    dd.addEventListener("click", () => void this.showDoubleDescent(dd));
    const actions = el(d, "div", { class: "sweep-actions" });
    actions.append(start, stop, dd);
    const note = el(d, "p", { class: "hint" }, "Each map's badge is its test loss; the lowest is outlined.");
    // A width sweep past 8 neurons waits while the server compiles its wider models (once per
    // server, `preparing`); the main model trains on meanwhile, so say so and count the seconds.
    const status = el(d, "p", { class: "sweep-status", id: "sweep-status", role: "status", "aria-live": "polite" });
    status.hidden = true;
    form.append(sameLabel, actions, status, note);
    const grid = el(d, "div", { class: "sweep-grid" });
    this.panel.setAttribute("aria-labelledby", head.id);
    this.panel.replaceChildren(form, grid, this.charts.root);
    this.status = status;
    return { fields, valueInputs, same, grid };
  }

  /**
   * The server's `preparing` message: a sweep waiting for its wider models to compile.
   * @param {{width: number, models: number}} msg
   */
  preparing(msg) {
    this.clearPreparing();
    if (this.panel.hidden) this.toggle();
    const started = Date.now();
    const head = this.doc.createElement("strong");
    const say = () => { head.textContent = `Preparing ${msg.models} models… ${Math.round((Date.now() - started) / 1000)} s`; };
    this.status.replaceChildren(head, ` Up to ${msg.width} neurons a layer, compiled once per server (a minute or two); the model keeps training.`);
    say();
    this.status.hidden = false;
    this.preparingTimer = setInterval(say, 1000);
  }

  /** The waiting sweep started, was replaced or failed. */
  clearPreparing() {
    if (this.preparingTimer !== undefined) clearInterval(this.preparingTimer);
    this.preparingTimer = undefined;
    this.status.hidden = true;
    this.status.textContent = "";
  }

  toggle() {
    this.panel.hidden = !this.panel.hidden;
    this.button.setAttribute("aria-pressed", String(!this.panel.hidden));
  }

  /** @param {Element} source */
  start(source) {
    /** @type {Axis[]} */
    const axes = [];
    this.fields.forEach((select, i) => {
      const text = this.valueInputs[i].value;
      if (!select.value || !text.trim()) return;
      axes.push({ field: select.value, values: text.split(",").map((t) => parseValue(select.value, t)) });
    });
    this.handlers.onSweep({ type: "sweep", axes, same_init: this.same.checked }, source);
  }

  /** The server's `sweep` echo. @param {Axis[]} axes */
  echo(axes) {
    this.clearPreparing();
    this.axes = axes;
    this.runs = [];
    if (axes.length && this.panel.hidden) this.toggle();
    if (!axes.length) {
      this.grid.replaceChildren();
      this.cells = [];
      this.gridKey = "";
      this.charts.paintBand(null);
    }
  }

  /** @param {import("./frame.js").Frame | null} frame */
  paint(frame) {
    if (!frame || this.panel.hidden) return;
    /** @type {{axes: Axis[], lanes: SweepLane[]} | undefined} */
    const block = /** @type {any} */ (frame.header).sweep;
    const outputs = frame.arrays.get("sweep_outputs");
    if (!block || !outputs) return;
    const lanes = block.lanes;
    lanes.forEach((lane, i) => { this.runs[i] = extendRun(this.runs[i], lane.step, lane.test_loss); });
    this.paintGrid(block.axes, lanes, outputs);
    this.charts.paintSweep(block.axes, lanes);
    this.charts.paintBand(block.axes.some((a) => a.field === "seed") ? this.runs.slice(0, lanes.length) : null);
  }

  /**
   * The grid's DOM for these axes: a table (two settings) or a wrapped list (one). Each lane gets
   * a cell: its map (role img, named by its values) and its badge.
   * @param {Axis[]} axes
   * @param {SweepLane[]} lanes
   * @param {number} g  the maps' resolution
   */
  buildGrid(axes, lanes, g) {
    const d = this.doc;
    const shape = gridShape(axes, lanes.length);
    const where = lanePositions(axes, lanes);
    /** @type {HTMLElement[]} */
    const cells = lanes.map((lane) => {
      const cell = el(d, "div", { class: "sweep-cell" });
      const name = axes.map((a, k) => `${a.field} ${label(lane.values[k])}`).join(", ");
      cell.append(el(d, "canvas", { class: "sweep-map", role: "img", "aria-label": `Decision boundary, ${name}`, width: String(g), height: String(g) }), el(d, "span", { class: "sweep-badge" }));
      return cell;
    });
    this.cells = cells;
    if (!shape.table) {
      const list = el(d, "ul", { class: "sweep-list", role: "list", "aria-label": "Sweep models" });
      list.style.gridTemplateColumns = `repeat(${shape.cols}, var(--sweep-cell))`;
      list.append(...cells.map((cell, i) => {
        const item = el(d, "li", { class: "sweep-item" });
        item.append(el(d, "span", { class: "sweep-value" }, label(lanes[i].values[0])), cell);
        return item;
      }));
      this.grid.replaceChildren(el(d, "p", { class: "sweep-axes" }, axisName(axes[0]?.field ?? "")), list);
      return;
    }
    // Two settings: a real table, so the values read as column and row headers.
    const table = el(d, "table", { class: "sweep-table", "aria-label": "Sweep models" });
    const caption = el(d, "caption", { class: "sweep-axes" }, `rows: ${axisName(axes[0].field)} · columns: ${axisName(axes[1].field)}`);
    const headRow = el(d, "tr");
    headRow.append(el(d, "td"), ...axes[1].values.map((v) => el(d, "th", { scope: "col", title: label(v) }, label(v))));
    const body = el(d, "tbody");
    /** @type {HTMLElement[][]} */
    const slots = axes[0].values.map((v) => {
      const row = el(d, "tr");
      row.append(el(d, "th", { scope: "row", title: label(v) }, label(v)));
      const tds = axes[1].values.map(() => el(d, "td"));
      row.append(...tds);
      body.append(row);
      return tds;
    });
    cells.forEach((cell, i) => slots[where[i][0]]?.[where[i][1]]?.append(cell));
    const thead = el(d, "thead");
    thead.append(headRow);
    table.append(caption, thead, body);
    this.grid.replaceChildren(table);
  }

  /**
   * @param {Axis[]} axes
   * @param {SweepLane[]} lanes
   * @param {import("./frame.js").DecodedArray} outputs
   */
  paintGrid(axes, lanes, outputs) {
    const [, g] = outputs.desc.shape;
    const key = JSON.stringify([axes.map((a) => [a.field, a.values.map(label)]), lanes.length, g]);
    if (key !== this.gridKey) {
      this.gridKey = key;
      this.buildGrid(axes, lanes, g);
    }
    const scale = outputs.desc.scale ?? 1 / 255;
    const lo = outputs.desc.min ?? 0;
    const best = bestLane(lanes);
    lanes.forEach((lane, i) => {
      const cell = this.cells[i];
      if (!cell) return;
      cell.classList.toggle("diverged", lane.diverged);
      cell.classList.toggle("best", i === best);
      const badge = /** @type {HTMLElement} */ (cell.querySelector(".sweep-badge"));
      badge.textContent = badgeText(lane);
      const canvas = /** @type {HTMLCanvasElement} */ (cell.querySelector("canvas"));
      const ctx = canvas.getContext("2d");
      if (!ctx) return;
      const img = ctx.createImageData(g, g);
      const base = i * g * g;
      for (let p = 0; p < g * g; p++) {
        const v = lo + outputs.data[base + p] * scale;
        // Classification p ∈ [0, 1] maps to [-1, 1]; a regression prediction already is.
        const [r, gg, b] = diverging(lo < 0 ? v : 2 * v - 1);
        img.data.set([r, gg, b, 255], 4 * p);
      }
      ctx.putImageData(img, 0, 0);
    });
  }

  /**
   * Shows the double-descent chart (pressed) or hides it again, giving its room back.
   * @param {HTMLElement} button
   */
  async showDoubleDescent(button) {
    const show = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(show));
    this.charts.dd.hidden = !show;
    if (!show) return;
    if (this.panel.hidden) this.toggle();
    const res = await fetch("/api/double_descent");
    if (!res.ok) return;
    /** @type {{widths: number[], test_error: number[], n_train: number}} */
    const curve = await res.json();
    if (this.charts.dd.hidden) return; // hidden again while it loaded
    this.charts.paintDoubleDescent(curve); // sets the plot's data-ready once it is drawn
  }
}
