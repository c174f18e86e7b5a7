// The network diagram: input features → hidden layers → output, an SVG of links (width and colour
// by weight) under absolutely placed per-neuron canvases. The DOM is rebuilt only when the shape
// changes; a frame just recolours links and repaints the neuron canvases.

import { classColor, colorNeuron, css, diverging, quantisedLut } from "./colors.js";
import { FEATURE_INFO, featurePixels } from "./features.js";
import { MAP, headButton, mapCanvas, place, rovingFocus, weightIndex } from "./netparts.js";

const SVG = "http://www.w3.org/2000/svg";


/**
 * @typedef {object} NetworkInput
 * @property {string[]} allFeatures
 * @property {string[]} features     active, in config order (= source index of layer-0 weights)
 * @property {number[]} hidden
 * @property {number} outputs
 * @property {number} maxLayers
 * @property {number} maxWidth
 * @property {import("./frame.js").Frame | null} frame
 * @property {number | null} hoverNeuron
 * @property {boolean} presenter
 * @property {boolean} classification
 * @property {boolean} editFeatures  false when a lesson hides the features group: only active inputs, fixed
 * @property {boolean} editLayers    false when a lesson hides the network group: no +/− per layer
 */

/**
 * @typedef {object} NetworkHandlers
 * @property {(feature: string) => void} onToggleFeature
 * @property {(layer: number, delta: 1 | -1) => void} onResize  layer from 0 (the first hidden layer)
 * @property {(neuron: number | null) => void} onHover         index into the frame's `neurons`
 * @property {(layer: number, source: number, target: number, value: number, anchor: Element) => void} onEditWeight
 * @property {(layer: number, neuron: number, value: number, anchor: Element) => void} onEditBias
 */

/** Layer sizes [inputs, ...hidden, outputs]. @param {NetworkInput} n */
export function layerSizes(n) {
  return [n.features.length, ...n.hidden, n.outputs];
}

export class NetworkView {
  /**
   * @param {HTMLElement} root
   * @param {NetworkHandlers} handlers
   */
  constructor(root, handlers) {
    this.root = root;
    this.handlers = handlers;
    /** @type {NetworkInput | null} */
    this.input = null;
    this.shapeKey = "";
    /** @type {{hit: SVGPathElement, line: SVGPathElement, index: number}[]} */
    this.links = [];
    /** @type {{rect: SVGRectElement, index: number}[]} */
    this.biases = [];
    /** @type {HTMLCanvasElement[]} */
    this.neuronCanvases = [];
    /** @type {HTMLElement[]} */
    this.neuronNodes = [];
    /** @type {ImageData | null} */
    this.scratch = null;
    /** @type {HTMLCanvasElement | null} a single output unit shows the output map, as the output view */
    this.outputCanvas = null;
    this.outputLutKey = "";
    /** @type {Uint8ClampedArray} */
    this.outputLut = new Uint8ClampedArray(0);
    this.lastFrame = /** @type {import("./frame.js").Frame | null} */ (null);
  }

  /** @param {NetworkInput} input */
  update(input) {
    this.input = input;
  }

  paint() {
    const input = this.input;
    if (!input) return;
    const tall = this.root.clientHeight; // the nodes are sized to fit the box's height
    const key = JSON.stringify([input.allFeatures, input.features, input.hidden, input.outputs, input.presenter, input.editFeatures, input.editLayers, this.root.clientWidth, tall]);
    if (key !== this.shapeKey) {
      this.shapeKey = key;
      this.build(input);
      this.lastFrame = null;
    }
    this.neuronNodes.forEach((node, i) => node.classList.toggle("hover", i === input.hoverNeuron));
    if (input.frame && input.frame !== this.lastFrame) {
      this.lastFrame = input.frame;
      this.paintFrame(input, input.frame);
    }
  }

  /** @param {NetworkInput} input */
  build(input) {
    const root = this.root;
    root.replaceChildren();
    this.links = [];
    this.biases = [];
    this.neuronCanvases = [];
    this.neuronNodes = [];
    this.outputCanvas = null;
    const sizes = layerSizes(input);
    // Room for the per-layer +/− heads, which scale with the root font size (presenter mode).
    const top = Math.round(3.9 * parseFloat(getComputedStyle(document.documentElement).fontSize));
    // The nodes fill the box's height (the layout gives the diagram what the chart and the map
    // leave). 16 px nodes (20 px rows, room for the 13 px input labels) fit all 9 inputs at
    // 1280×720; when a lesson's caption takes that room, only the active inputs are drawn (as in
    // presenter mode) rather than hiding half the network below a scrollbar; below 14 px the
    // box scrolls (a phone).
    const fitFor = (/** @type {number} */ n) => Math.floor((root.clientHeight - top) / n / 1.25);
    const others = Math.max(...input.hidden, input.outputs);
    const every = input.presenter || !input.editFeatures ? input.features : input.allFeatures;
    const shownInputs = fitFor(Math.max(every.length, others)) >= 16 ? every : input.features;
    const rows = Math.max(shownInputs.length, others);
    const node = Math.max(14, Math.min(input.presenter ? 64 : 48, fitFor(rows)));
    const gap = Math.round(node * 0.25);
    const width = Math.max(300, root.clientWidth);
    const height = top + rows * (node + gap);
    const left = 58;
    const columns = input.hidden.length + 2;
    // The right margin leaves room for the "Output" head (about 3.6 em wide) centred over the
    // last column.
    const em = parseFloat(getComputedStyle(root).fontSize);
    const colX = (/** @type {number} */ c) => left + (c * (width - left - node - Math.max(6, 1.9 * em - node / 2))) / (columns - 1);
    const rowY = (/** @type {number} */ r) => top + r * (node + gap);
    const outTop = ((rows - input.outputs) * (node + gap)) / 2; // outputs are centred vertically

    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(height));
    svg.setAttribute("aria-label", "Weights (links) and biases (small squares)");
    svg.setAttribute("role", "group");
    svg.style.position = "absolute";
    svg.style.left = "0";
    svg.style.top = "0";
    root.append(svg);

    // Node centres per column: inputs are only the active features, in config order.
    /** @type {{x: number, y: number}[][]} */
    const centres = [];
    const inputRow = new Map(shownInputs.map((f, i) => [f, i]));
    centres.push(input.features.map((f) => ({ x: colX(0), y: rowY(inputRow.get(f) ?? 0) })));
    input.hidden.forEach((w, l) => centres.push(Array.from({ length: w }, (_, j) => ({ x: colX(l + 1), y: rowY(j) }))));
    const outCount = input.outputs;
    centres.push(Array.from({ length: outCount }, (_, j) => ({ x: colX(columns - 1), y: rowY(j) + outTop })));

    // Links first so nodes sit on top.
    const linkLayer = document.createElementNS(SVG, "g");
    svg.append(linkLayer);
    for (let l = 0; l + 1 < centres.length; l++) {
      for (let s = 0; s < centres[l].length; s++) {
        for (let t = 0; t < centres[l + 1].length; t++) {
          const a = centres[l][s];
          const b = centres[l + 1][t];
          const x0 = a.x + node;
          const y0 = a.y + node / 2;
          const x1 = b.x;
          const y1 = b.y + node / 2;
          const mid = (x0 + x1) / 2;
          const d = `M${x0},${y0} C${mid},${y0} ${mid},${y1} ${x1},${y1}`;
          const hit = document.createElementNS(SVG, "path");
          const line = document.createElementNS(SVG, "path");
          hit.setAttribute("d", d);
          line.setAttribute("d", d);
          hit.setAttribute("class", "link-hit");
          line.setAttribute("class", "link");
          hit.setAttribute("role", "button");
          const from = l === 0 ? `input ${FEATURE_INFO[input.features[s]]?.label ?? input.features[s]}` : `neuron ${s + 1} of layer ${l}`;
          const to = l + 1 === centres.length - 1 ? `output ${t + 1}` : `neuron ${t + 1} of layer ${l + 1}`;
          hit.setAttribute("aria-label", `Weight from ${from} to ${to}`);
          const index = weightIndex(sizes, l, s, t);
          const edit = () => this.handlers.onEditWeight(l, s, t, this.weight(index), hit);
          hit.addEventListener("click", edit);
          hit.addEventListener("keydown", (e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              edit();
            }
          });
          linkLayer.append(line, hit);
          this.links.push({ hit, line, index });
        }
      }
    }
    rovingFocus(this.links.map((link) => link.hit));

    // Input features: toggle buttons with a thumbnail of the feature itself.
    shownInputs.forEach((f, r) => {
      const info = FEATURE_INFO[f] ?? { label: f, f: () => 0 };
      const button = document.createElement("button");
      button.type = "button";
      button.className = "node feature";
      button.setAttribute("aria-pressed", String(input.features.includes(f)));
      button.setAttribute("aria-label", `Input ${info.label}`);
      button.title = input.features.includes(f) ? `Remove input ${info.label}` : `Use input ${info.label}`;
      place(button, colX(0), rowY(r), node);
      const canvas = mapCanvas();
      const image = new ImageData(MAP, MAP);
      featurePixels(image.data, info.f, MAP);
      /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d")).putImageData(image, 0, 0);
      const label = document.createElement("span");
      label.className = "feature-label";
      label.textContent = info.label;
      button.append(canvas, label);
      if (input.editFeatures) button.addEventListener("click", () => this.handlers.onToggleFeature(f));
      else button.disabled = true;
      root.append(button);
    });

    // Hidden neurons: live maps; hovering shows the map large on the output.
    let n = 0;
    input.hidden.forEach((w, l) => {
      for (let j = 0; j < w; j++) {
        const div = document.createElement("div");
        div.className = "node neuron";
        const c = centres[l + 1][j];
        place(div, c.x, c.y, node);
        const canvas = mapCanvas();
        div.append(canvas);
        const index = n++;
        div.title = `Neuron ${j + 1} of layer ${l + 1}`;
        // Focus shows the map large too, so keyboard users can inspect every neuron.
        div.setAttribute("role", "img");
        div.setAttribute("aria-label", `Neuron ${j + 1} of layer ${l + 1}`);
        div.addEventListener("pointerenter", () => this.handlers.onHover(index));
        div.addEventListener("pointerleave", () => this.handlers.onHover(null));
        div.addEventListener("focus", () => this.handlers.onHover(index));
        div.addEventListener("blur", () => this.handlers.onHover(null));
        root.append(div);
        this.neuronCanvases.push(canvas);
        this.neuronNodes.push(div);
      }
      const head = document.createElement("div");
      head.className = "layer-head";
      head.style.left = `${colX(l + 1) + node / 2}px`;
      head.style.top = "0px";
      const pm = document.createElement("div");
      pm.className = "pm";
      pm.append(
        headButton("+", `Add neuron to layer ${l + 1}`, w >= input.maxWidth, () => this.handlers.onResize(l, 1)),
        headButton("−", `Remove neuron from layer ${l + 1}`, w <= 1, () => this.handlers.onResize(l, -1)),
      );
      const count = document.createElement("span");
      // Columns closer than the full label (6 layers in a narrow column): the number alone, so
      // neighbouring labels never run together; the full text stays as the tooltip.
      const full = `${w} neuron${w === 1 ? "" : "s"}`;
      count.textContent = colX(1) - colX(0) < 5.6 * parseFloat(getComputedStyle(root).fontSize) ? String(w) : full;
      count.title = full;
      if (input.editLayers) head.append(pm);
      head.append(count);
      root.append(head);
    });

    rovingFocus(this.neuronNodes);

    // Output units.
    centres[centres.length - 1].forEach((c, j) => {
      const div = document.createElement("div");
      div.className = "node output-node";
      place(div, c.x, c.y, node);
      div.style.borderRadius = "50%";
      div.style.border = "2px solid #59636e";
      div.style.background = outCount > 1 ? css(classColor(j)) : "#fff";
      div.style.overflow = "hidden";
      div.title = outCount > 1 ? `Output ${j + 1} (class ${j})` : "Output";
      if (outCount === 1) {
        this.outputCanvas = document.createElement("canvas");
        this.outputCanvas.style.border = "none";
        div.append(this.outputCanvas);
      }
      root.append(div);
    });
    const headers = [
      ["Inputs", colX(0) + node / 2],
      ["Output", colX(columns - 1) + node / 2],
    ];
    for (const [text, x] of headers) {
      const h = document.createElement("div");
      h.className = "layer-head";
      h.style.left = `${x}px`;
      h.style.top = "1.85rem"; // level with the "n neurons" line of the layer heads
      h.textContent = String(text);
      root.append(h);
    }

    // Biases: a small square at each neuron's lower left (hidden layers and outputs).
    const biasLayer = document.createElementNS(SVG, "g");
    svg.append(biasLayer);
    let b = 0;
    for (let l = 1; l < centres.length; l++) {
      centres[l].forEach((c, j) => {
        const rect = document.createElementNS(SVG, "rect");
        const s = input.presenter ? 11 : 9;
        rect.setAttribute("x", String(c.x - s / 2));
        rect.setAttribute("y", String(c.y + node - s / 2));
        rect.setAttribute("width", String(s));
        rect.setAttribute("height", String(s));
        rect.setAttribute("class", "bias");
        rect.setAttribute("role", "button");
        const where = l === centres.length - 1 ? `output ${j + 1}` : `neuron ${j + 1} of layer ${l}`;
        rect.setAttribute("aria-label", `Bias of ${where}`);
        rect.setAttribute("fill", "#e8eaeb");
        const index = b++;
        const edit = () => this.handlers.onEditBias(l, j, this.bias(index), rect);
        rect.addEventListener("click", edit);
        rect.addEventListener("keydown", (e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            edit();
          }
        });
        biasLayer.append(rect);
        this.biases.push({ rect, index });
      });
    }
    rovingFocus(this.biases.map((bias) => bias.rect));
  }

  /** @param {number} index */
  weight(index) {
    return this.lastFrame?.arrays.get("weights")?.data[index] ?? 0;
  }

  /** @param {number} index */
  bias(index) {
    return this.lastFrame?.arrays.get("biases")?.data[index] ?? 0;
  }

  /**
   * @param {NetworkInput} input
   * @param {import("./frame.js").Frame} frame
   */
  paintFrame(input, frame) {
    const weights = frame.arrays.get("weights")?.data;
    const thick = input.presenter ? 1.7 : 1;
    if (weights && weights.length === this.links.length) {
      for (const link of this.links) {
        const w = weights[link.index];
        link.line.setAttribute("stroke", css(diverging(w)));
        link.line.setAttribute("stroke-width", ((0.6 + Math.min(Math.abs(w), 3) * 1.5) * thick).toFixed(2));
      }
    }
    const biases = frame.arrays.get("biases")?.data;
    if (biases && biases.length === this.biases.length) {
      for (const b of this.biases) b.rect.setAttribute("fill", css(diverging(biases[b.index])));
    }
    this.paintOutput(input, frame);
    const neurons = frame.arrays.get("neurons");
    const range = frame.arrays.get("neuron_range");
    if (!neurons || !range || neurons.desc.shape[0] !== this.neuronCanvases.length) return;
    const [, h, w] = neurons.desc.shape;
    if (!this.scratch || this.scratch.width !== w || this.scratch.height !== h) this.scratch = new ImageData(w, h);
    const image = this.scratch;
    this.neuronCanvases.forEach((canvas, i) => {
      colorNeuron(image.data, neurons.data, i * h * w, h * w, range.data[2 * i], range.data[2 * i + 1]);
      if (canvas.width !== w) {
        canvas.width = w;
        canvas.height = h;
      }
      /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d")).putImageData(image, 0, 0);
    });
  }

  /**
   * @param {NetworkInput} input
   * @param {import("./frame.js").Frame} frame
   */
  paintOutput(input, frame) {
    const output = frame.arrays.get("output");
    const canvas = this.outputCanvas;
    if (!output || !canvas || frame.arrays.has("output_class")) return;
    const [rows, cols] = output.desc.shape;
    const min = output.desc.min ?? 0;
    const scale = output.desc.scale ?? 1 / 255;
    const key = `${min}:${scale}:${input.classification}`;
    if (key !== this.outputLutKey) {
      this.outputLutKey = key;
      // Binary output is p(class 1): p = 0.5 is the neutral colour, as in the output view.
      this.outputLut = quantisedLut(min, scale, input.classification ? (p) => 2 * p - 1 : (v) => v, false);
    }
    if (canvas.width !== cols || canvas.height !== rows) {
      canvas.width = cols;
      canvas.height = rows;
    }
    const image = new ImageData(cols, rows);
    for (let i = 0; i < output.data.length; i++) image.data.set(this.outputLut.subarray(output.data[i] * 4, output.data[i] * 4 + 4), i * 4);
    /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d")).putImageData(image, 0, 0);
  }
}
