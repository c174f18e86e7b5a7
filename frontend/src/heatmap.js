// The output view: the network's prediction over [-6, 6]² as a canvas (ImageData, upscaled with
// smoothing), the data points on top, a hovered neuron's map in place of the output, and draw mode.
// `update` only stores; `paint` (called from the one animation frame) draws. The map is pastel and
// the points carry the full class colour with a dark outline (test points are squares); a diverged
// model is a flat grey map that says so. Touch: a tap adds a point, a long press removes one.

import { classColor, classLut, colorNeuron, css, DIVERGED_GREY, diverging, PASTEL, quantisedLut } from "./colors.js";
import { DOMAIN } from "./csv.js";

/**
 * @typedef {object} HeatmapInput
 * @property {import("./frame.js").Frame | null} frame
 * @property {{xy: Float32Array, split: Uint8Array} | null} points
 * @property {string} problem
 * @property {number} numClasses
 * @property {boolean} discretize
 * @property {boolean} showTest
 * @property {number | null} hoverNeuron
 * @property {string} hoverLabel
 * @property {boolean} drawMode
 * @property {boolean} presenter
 * @property {number | null} [diverged]  the step at which training diverged (null or absent: it has not)
 */

/**
 * @typedef {object} HeatmapHandlers
 * @property {(x1: number, x2: number) => void} onAdd     draw mode: add a point here
 * @property {(x1: number, x2: number) => void} onRemove  draw mode: remove the nearest point
 */

/** A touch held this long (ms) removes the nearest point instead of adding one. */
export const LONG_PRESS_MS = 500;
/** A touch that moves farther than this (CSS px) is a scroll or a slip, not a tap. */
const TAP_SLOP = 12;

const VIEW_LABEL = "Output of the network over the input plane, with the data points";
const DRAW_LABEL =
  "Draw points: arrow keys move the cursor (Shift: faster), Enter adds a point of the chosen class, Delete removes the nearest";

export class Heatmap {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement} caption
   * @param {HeatmapHandlers} handlers
   */
  constructor(canvas, caption, handlers) {
    this.canvas = canvas;
    this.caption = caption;
    this.handlers = handlers;
    this.grid = document.createElement("canvas");
    /** @type {HeatmapInput | null} */
    this.input = null;
    /** @type {Map<string, Uint8ClampedArray>} */
    this.luts = new Map();
    /** @type {{id: number, x: number, y: number, t: number, timer: number} | null} */
    this.touch = null;
    canvas.addEventListener("pointerdown", (e) => this.onPointer(e));
    canvas.addEventListener("pointerup", (e) => this.onTouchEnd(e));
    canvas.addEventListener("pointercancel", () => this.cancelTouch());
    canvas.addEventListener("pointermove", (e) => {
      if (this.touch && e.pointerId === this.touch.id && Math.hypot(e.clientX - this.touch.x, e.clientY - this.touch.y) > TAP_SLOP) this.cancelTouch();
    });
    /** Shown over a diverged map ("Diverged at step N"); a DOM node so screen readers get it too. */
    this.status = document.createElement("div");
    this.status.className = "heatmap-status";
    this.status.setAttribute("role", "status");
    this.status.hidden = true;
    canvas.after(this.status);
    canvas.addEventListener("contextmenu", (e) => {
      if (this.input?.drawMode) e.preventDefault();
    });
    // Keyboard drawing: in draw mode the canvas takes focus and a cursor walks the plane.
    /** Cursor position in the plane (x1, x2); shown while the canvas has focus in draw mode. */
    this.cursor = { x1: 0, x2: 0 };
    this.focused = false;
    canvas.addEventListener("keydown", (e) => this.onKey(e));
    for (const [type, on] of /** @type {const} */ ([["focus", true], ["blur", false]])) {
      canvas.addEventListener(type, () => {
        this.focused = on;
        this.paint();
      });
    }
  }

  /** @param {HeatmapInput} input */
  update(input) {
    this.input = input;
  }

  /**
   * The plane coordinates under a pointer.
   * @param {number} clientX
   * @param {number} clientY
   * @returns {[number, number]}
   */
  toPlane(clientX, clientY) {
    const rect = this.canvas.getBoundingClientRect();
    return [((clientX - rect.left) / rect.width) * 2 * DOMAIN - DOMAIN, DOMAIN - ((clientY - rect.top) / rect.height) * 2 * DOMAIN];
  }

  /** @param {PointerEvent} e */
  onPointer(e) {
    if (!this.input?.drawMode) return;
    e.preventDefault();
    if (e.pointerType === "touch" || e.pointerType === "pen") {
      // Decided on release (tap → add) or after LONG_PRESS_MS held (→ remove), whichever first.
      this.cancelTouch();
      const timer = window.setTimeout(() => {
        const t = this.touch;
        this.touch = null;
        if (t) this.handlers.onRemove(...this.toPlane(t.x, t.y));
      }, LONG_PRESS_MS);
      this.touch = { id: e.pointerId, x: e.clientX, y: e.clientY, t: e.timeStamp, timer };
      return;
    }
    const [x1, x2] = this.toPlane(e.clientX, e.clientY);
    if (e.button === 2 || e.shiftKey) this.handlers.onRemove(x1, x2);
    else if (e.button === 0) this.handlers.onAdd(x1, x2);
  }

  /** @param {PointerEvent} e */
  onTouchEnd(e) {
    const t = this.touch;
    if (!t || e.pointerId !== t.id) return;
    this.cancelTouch();
    // Event time stamps, not the timer, decide when the release comes first (a busy page may
    // run the timer late).
    if (e.timeStamp - t.t >= LONG_PRESS_MS) this.handlers.onRemove(...this.toPlane(t.x, t.y));
    else this.handlers.onAdd(...this.toPlane(t.x, t.y));
  }

  cancelTouch() {
    if (this.touch) window.clearTimeout(this.touch.timer);
    this.touch = null;
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    if (!this.input?.drawMode || e.ctrlKey || e.metaKey || e.altKey) return;
    const by = e.shiftKey ? 1 : 0.25;
    /** @type {Record<string, [number, number]>} */
    const moves = { ArrowLeft: [-by, 0], ArrowRight: [by, 0], ArrowUp: [0, by], ArrowDown: [0, -by] };
    const move = moves[e.key];
    const { x1, x2 } = this.cursor;
    if (move) {
      const clamp = (/** @type {number} */ v) => Math.max(-DOMAIN, Math.min(DOMAIN, v));
      this.cursor = { x1: clamp(x1 + move[0]), x2: clamp(x2 + move[1]) };
    } else if (e.key === "Enter" || e.key === " ") {
      this.handlers.onAdd(x1, x2);
    } else if (e.key === "Delete" || e.key === "Backspace") {
      this.handlers.onRemove(x1, x2);
    } else {
      return;
    }
    e.preventDefault(); // the page's shortcuts (space, →) skip handled keys
    this.paint();
  }

  paint() {
    const input = this.input;
    const canvas = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const size = Math.max(1, Math.round(canvas.clientWidth * dpr));
    if (canvas.width !== size || canvas.height !== size) {
      canvas.width = size;
      canvas.height = size;
    }
    const drawing = Boolean(input?.drawMode);
    canvas.classList.toggle("drawing", drawing);
    if (canvas.tabIndex !== (drawing ? 0 : -1)) {
      canvas.tabIndex = drawing ? 0 : -1;
      canvas.setAttribute("role", drawing ? "application" : "img");
      canvas.setAttribute("aria-label", drawing ? DRAW_LABEL : VIEW_LABEL);
    }
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
    ctx.fillStyle = "#e8eaeb";
    ctx.fillRect(0, 0, size, size);
    if (!input) return;
    const diverged = input.diverged != null && input.hoverNeuron === null;
    this.status.hidden = !diverged;
    if (diverged) this.status.textContent = `Diverged at step ${(input.diverged ?? 0).toLocaleString("en-US")}`;
    // A diverged model has no prediction to show: its last frame's numbers are NaNs sent as 0.
    const image = diverged ? null : input.hoverNeuron !== null ? this.neuronImage(input) : this.outputImage(input);
    if (diverged) {
      ctx.fillStyle = css(DIVERGED_GREY);
      ctx.fillRect(0, 0, size, size);
    }
    if (image) {
      this.grid.width = image.width;
      this.grid.height = image.height;
      /** @type {CanvasRenderingContext2D} */ (this.grid.getContext("2d")).putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = !input.discretize || input.hoverNeuron !== null;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(this.grid, 0, 0, size, size);
    }
    this.caption.textContent = input.hoverNeuron !== null ? input.hoverLabel : "";
    this.paintPoints(ctx, input, size, dpr);
    if (drawing && this.focused) this.paintCursor(ctx, size, dpr);
  }

  /**
   * The keyboard cursor: a ring with a cross, dark inside a white halo to show on any colour.
   * @param {CanvasRenderingContext2D} ctx
   * @param {number} size
   * @param {number} dpr
   */
  paintCursor(ctx, size, dpr) {
    const x = ((this.cursor.x1 + DOMAIN) / (2 * DOMAIN)) * size;
    const y = size - ((this.cursor.x2 + DOMAIN) / (2 * DOMAIN)) * size;
    const r = 9 * dpr;
    for (const [colour, width] of /** @type {const} */ ([["#ffffff", 4], ["#1f2328", 1.6]])) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width * dpr;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.moveTo(x - 1.6 * r, y);
      ctx.lineTo(x - 0.5 * r, y);
      ctx.moveTo(x + 0.5 * r, y);
      ctx.lineTo(x + 1.6 * r, y);
      ctx.moveTo(x, y - 1.6 * r);
      ctx.lineTo(x, y - 0.5 * r);
      ctx.moveTo(x, y + 0.5 * r);
      ctx.lineTo(x, y + 1.6 * r);
      ctx.stroke();
    }
  }

  /**
   * @param {HeatmapInput} input
   * @returns {ImageData | null}
   */
  outputImage(input) {
    const output = input.frame?.arrays.get("output");
    if (!output) return null;
    const [rows, cols] = output.desc.shape;
    const image = new ImageData(cols, rows);
    const px = image.data;
    const codes = output.data;
    const classes = input.frame?.arrays.get("output_class");
    if (classes) {
      const k = Math.max(2, input.numClasses);
      const lut = this.lut(`class:${k}:${input.discretize}`, () => classLut(k, input.discretize, PASTEL));
      for (let i = 0; i < codes.length; i++) {
        const at = (classes.data[i] * 256 + codes[i]) * 4;
        px.set(lut.subarray(at, at + 4), i * 4);
      }
      return image;
    }
    const min = output.desc.min ?? 0;
    const scale = output.desc.scale ?? 1 / 255;
    const regression = input.problem === "regression";
    const key = `out:${min}:${scale}:${regression}:${input.discretize}`;
    // Binary output is p(class 1) in [0, 1]: map to [-1, 1] so p = 0.5 is the neutral colour.
    const toUnit = regression ? (/** @type {number} */ v) => v : (/** @type {number} */ p) => 2 * p - 1;
    const lut = this.lut(key, () => quantisedLut(min, scale, toUnit, input.discretize, PASTEL));
    for (let i = 0; i < codes.length; i++) {
      const at = codes[i] * 4;
      px[i * 4] = lut[at];
      px[i * 4 + 1] = lut[at + 1];
      px[i * 4 + 2] = lut[at + 2];
      px[i * 4 + 3] = 255;
    }
    return image;
  }

  /**
   * @param {HeatmapInput} input
   * @returns {ImageData | null}
   */
  neuronImage(input) {
    const neurons = input.frame?.arrays.get("neurons");
    const range = input.frame?.arrays.get("neuron_range");
    const n = input.hoverNeuron;
    if (!neurons || !range || n === null || n >= neurons.desc.shape[0]) return null;
    const [, h, w] = neurons.desc.shape;
    const image = new ImageData(w, h);
    colorNeuron(image.data, neurons.data, n * h * w, h * w, range.data[2 * n], range.data[2 * n + 1]);
    return image;
  }

  /**
   * @param {string} key
   * @param {() => Uint8ClampedArray} make
   */
  lut(key, make) {
    let lut = this.luts.get(key);
    if (!lut) {
      if (this.luts.size > 32) this.luts.clear();
      lut = make();
      this.luts.set(key, lut);
    }
    return lut;
  }

  /**
   * Points in their full class colour with a dark outline over a thin white halo (readable on
   * any part of the pastel map); test points, when shown, are squares.
   * @param {CanvasRenderingContext2D} ctx
   * @param {HeatmapInput} input
   * @param {number} size
   * @param {number} dpr
   */
  paintPoints(ctx, input, size, dpr) {
    const points = input.points;
    if (!points) return;
    const r = (input.presenter ? 5.5 : 4.2) * dpr * Math.max(1, size / dpr / 420);
    const toPx = (/** @type {number} */ v) => ((v + DOMAIN) / (2 * DOMAIN)) * size;
    const regression = input.problem === "regression";
    const { xy, split } = points;
    const line = (input.presenter ? 1.6 : 1.2) * dpr;
    ctx.globalAlpha = input.diverged != null ? 0.45 : 1;
    for (const pass of [1, 3]) {
      if (pass === 3 && !input.showTest) continue;
      for (let i = 0; i < split.length; i++) {
        const isTest = split[i] === 3;
        if (isTest !== (pass === 3)) continue;
        const label = xy[3 * i + 2];
        const x = toPx(xy[3 * i]);
        const y = size - toPx(xy[3 * i + 1]);
        ctx.beginPath();
        if (isTest) ctx.rect(x - r, y - r, 2 * r, 2 * r);
        else ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fillStyle = css(regression ? diverging(label) : classColor(Math.round(label)));
        ctx.fill();
        ctx.lineWidth = line + 1.6 * dpr;
        ctx.strokeStyle = "rgb(255 255 255 / 70%)";
        ctx.stroke();
        ctx.lineWidth = line;
        ctx.strokeStyle = "#1f2328";
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
  }
}

/**
 * The map's key: one swatch per class (or the value scale for regression) and the marks for
 * training and test points.
 * @param {HTMLElement} root
 * @param {{problem: string, classes: number, showTest: boolean}} what
 */
export function paintLegend(root, what) {
  const key = JSON.stringify(what);
  if (root.dataset.key === key) return;
  root.dataset.key = key;
  const doc = root.ownerDocument;
  /** @param {string} cls @param {string} text @param {string} [colour] */
  const item = (cls, text, colour) => {
    const span = doc.createElement("span");
    span.className = "legend-item";
    const mark = doc.createElement("i");
    mark.className = cls;
    if (colour) mark.style.background = colour;
    span.append(mark, text);
    return span;
  };
  /** @type {HTMLElement[]} */
  const items = [];
  if (what.problem === "regression") {
    const scale = doc.createElement("span");
    scale.className = "legend-item";
    const bar = doc.createElement("i");
    bar.className = "scale";
    scale.append("−1", bar, "1");
    items.push(scale);
  } else {
    for (let c = 0; c < what.classes; c++) items.push(item("dot", `class ${c}`, css(classColor(c))));
  }
  items.push(item("dot hollow", "training"));
  if (what.showTest) items.push(item("square hollow", "test"));
  root.replaceChildren(...items);
}
