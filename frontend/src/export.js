// Take it with you (issue 17): pictures of the output and the network at 2× screen resolution,
// model files saved from the server's `export` answer and read for `import`, and the `?embed=1`
// page. Pure helpers (names, embed options) are unit-tested; the rest draws from the DOM the
// views already painted and never talks to the socket (main.js wires it).

import { classColor, css, diverging } from "./colors.js";

/** Pictures are this many times the on-screen (CSS pixel) size: sharp on a slide. */
export const PICTURE_SCALE = 2;
/** CSS pixels above the map (title) and below it (colour legend) in the output picture. */
export const TITLE_BAND = 28;
export const LEGEND_BAND = 36;

/**
 * @typedef {object} PictureConfig
 * @property {string} dataset
 * @property {string[]} features
 * @property {number[]} hidden_layers
 * @property {string} problem
 * @property {number} num_classes
 */

/**
 * A file name that says what and when: `<dataset>_<features>_<widths>_step<n>_<what>.<ext>`.
 * @param {PictureConfig} config
 * @param {number} step
 * @param {string} what  e.g. "output", "network"
 * @param {string} ext
 */
export function pictureName(config, step, what, ext = "png") {
  const arch = config.hidden_layers.length ? config.hidden_layers.join("-") : "linear";
  const clean = (/** @type {string} */ s) => s.replace(/[^A-Za-z0-9._-]+/g, "-");
  return `${clean(config.dataset)}_${clean(config.features.join("-"))}_${arch}_step${step}_${what}.${ext}`;
}

/**
 * What `?embed=1&caption=…` asks for (null when not embedded).
 * @param {string} search  location.search
 * @returns {{caption: string} | null}
 */
export function embedOptions(search) {
  const params = new URLSearchParams(search);
  const on = params.get("embed");
  if (on === null || on === "0" || on === "false") return null;
  return { caption: (params.get("caption") ?? "").slice(0, 200) };
}

/**
 * The embed page: a class on <html> that the style sheet's embed block keys on, and the caption.
 * @param {Document} doc
 * @param {{caption: string}} options
 */
export function applyEmbed(doc, options) {
  doc.documentElement.classList.add("embed");
  if (options.caption) {
    const p = doc.createElement("p");
    p.id = "embed-caption";
    p.className = "embed-caption";
    p.textContent = options.caption;
    doc.getElementById("board")?.prepend(p);
  }
}

/**
 * Save text or a blob as a download.
 * @param {string} name
 * @param {Blob} blob
 * @param {Document} [doc]
 */
export function saveBlob(name, blob, doc = document) {
  const a = doc.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** @param {HTMLCanvasElement} canvas @returns {Promise<Blob>} */
function pngOf(canvas) {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG encoding failed"))), "image/png"));
}

/**
 * @param {number} w  CSS pixels
 * @param {number} h
 * @returns {[HTMLCanvasElement, CanvasRenderingContext2D]}  a canvas PICTURE_SCALE× as large, scaled
 */
function pictureCanvas(w, h) {
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(w * PICTURE_SCALE);
  canvas.height = Math.round(h * PICTURE_SCALE);
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.scale(PICTURE_SCALE, PICTURE_SCALE);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, w, h);
  return [canvas, ctx];
}

/**
 * The output picture: title, the map with its points at PICTURE_SCALE× (painted afresh by a
 * second heatmap view on a larger canvas), and the colour legend.
 * Size: PICTURE_SCALE·W × PICTURE_SCALE·(W + TITLE_BAND + LEGEND_BAND), W the map's CSS width.
 * @param {{paint: () => void, update: (input: any) => void, input: any}} heatmap  the page's view
 * @param {new (canvas: HTMLCanvasElement, caption: HTMLElement, handlers: any) => {paint: () => void, update: (input: any) => void}} HeatmapClass
 * @param {HTMLCanvasElement} shown  the on-screen map canvas
 * @param {PictureConfig} config
 * @param {string} title
 */
export async function outputPicture(heatmap, HeatmapClass, shown, config, title) {
  const w = shown.clientWidth;
  const [canvas, ctx] = pictureCanvas(w, w + TITLE_BAND + LEGEND_BAND);
  // A second view paints the same input on a canvas PICTURE_SCALE× as wide (off screen).
  const holder = document.createElement("div");
  holder.style.cssText = `position:fixed;left:-100000px;top:0;width:${w * PICTURE_SCALE}px`;
  const big = document.createElement("canvas");
  big.style.width = `${w * PICTURE_SCALE}px`;
  holder.append(big);
  document.body.append(holder);
  try {
    const view = new HeatmapClass(big, document.createElement("div"), { onAdd() {}, onRemove() {} });
    view.update({ ...heatmap.input, drawMode: false, hoverNeuron: null, presenter: false });
    view.paint();
    ctx.drawImage(big, 0, TITLE_BAND, w, w);
  } finally {
    holder.remove();
  }
  ctx.fillStyle = "#1f2328";
  ctx.font = "600 13px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.fillText(title, 6, TITLE_BAND / 2, w - 12);
  drawLegend(ctx, config, heatmap.input?.frame?.arrays?.has?.("output_class") === true, w, w + TITLE_BAND);
  return pngOf(canvas);
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {PictureConfig} config
 * @param {boolean} classes  K-class output (swatches) rather than the diverging scale
 * @param {number} w
 * @param {number} top
 */
function drawLegend(ctx, config, classes, w, top) {
  ctx.font = "12px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  const y = top + LEGEND_BAND / 2;
  if (classes) {
    let x = 6;
    for (let k = 0; k < config.num_classes; k++) {
      ctx.fillStyle = css(classColor(k));
      ctx.fillRect(x, y - 6, 12, 12);
      ctx.fillStyle = "#1f2328";
      ctx.fillText(`class ${k}`, x + 16, y);
      x += 16 + ctx.measureText(`class ${k}`).width + 14;
    }
    return;
  }
  const [lo, hi] = config.problem === "regression" ? ["−1", "1"] : ["class 0", "class 1"];
  const loW = ctx.measureText(lo).width;
  const hiW = ctx.measureText(hi).width;
  const x0 = 12 + loW;
  const x1 = w - 12 - hiW;
  const grad = ctx.createLinearGradient(x0, 0, x1, 0);
  for (let i = 0; i <= 10; i++) grad.addColorStop(i / 10, css(diverging(-1 + i / 5)));
  ctx.fillStyle = grad;
  ctx.fillRect(x0, y - 5, Math.max(1, x1 - x0), 10);
  ctx.fillStyle = "#1f2328";
  ctx.fillText(lo, 6, y);
  ctx.fillText(hi, x1 + 6, y);
}

const SVG_STYLE = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "opacity", "visibility"];

/**
 * An SVG element as an image, with its computed styles inlined (a detached SVG sees no CSS).
 * @param {SVGSVGElement} svg
 * @returns {Promise<HTMLImageElement>}
 */
function svgImage(svg) {
  const clone = /** @type {SVGSVGElement} */ (svg.cloneNode(true));
  const from = [svg, ...svg.querySelectorAll("*")];
  const to = [clone, ...clone.querySelectorAll("*")];
  from.forEach((el, i) => {
    const style = getComputedStyle(el);
    const target = /** @type {SVGElement} */ (to[i]);
    for (const p of SVG_STYLE) target.style.setProperty(p, style.getPropertyValue(p));
  });
  clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(clone)], { type: "image/svg+xml" }));
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      URL.revokeObjectURL(url);
      resolve(img);
    };
    img.onerror = () => reject(new Error("could not draw the network's links"));
    img.src = url;
  });
}

/**
 * The network picture: the diagram's links and biases (SVG), node boxes, neuron maps (canvases)
 * and labels, drawn from their on-screen places at PICTURE_SCALE×. Size: PICTURE_SCALE × the
 * diagram's CSS size, plus a title band.
 * @param {HTMLElement} root  the network view's root
 * @param {string} title
 */
export async function networkPicture(root, title) {
  const box = root.getBoundingClientRect();
  const w = Math.ceil(box.width);
  const h = Math.ceil(box.height);
  const [canvas, ctx] = pictureCanvas(w, h + TITLE_BAND);
  ctx.fillStyle = "#1f2328";
  ctx.font = "600 13px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.fillText(title, 6, TITLE_BAND / 2, w - 12);
  ctx.translate(-box.left, TITLE_BAND - box.top);
  for (const el of root.children) {
    if (el instanceof SVGSVGElement) {
      const r = el.getBoundingClientRect();
      ctx.drawImage(await svgImage(el), r.left, r.top, r.width, r.height);
    }
  }
  for (const el of root.querySelectorAll("*")) {
    if (el instanceof SVGElement) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    ctx.globalAlpha = opacity(el, root); // faded (unused) inputs stay faded
    const round = style.borderRadius.startsWith("50%");
    const shape = () => {
      ctx.beginPath();
      if (round) ctx.ellipse(r.left + r.width / 2, r.top + r.height / 2, r.width / 2, r.height / 2, 0, 0, 2 * Math.PI);
      else ctx.rect(r.left, r.top, r.width, r.height);
    };
    if (el instanceof HTMLCanvasElement) {
      ctx.save();
      const parent = el.parentElement;
      if (parent && getComputedStyle(parent).borderRadius.startsWith("50%")) {
        const p = parent.getBoundingClientRect();
        ctx.beginPath();
        ctx.ellipse(p.left + p.width / 2, p.top + p.height / 2, p.width / 2, p.height / 2, 0, 0, 2 * Math.PI);
        ctx.clip();
      }
      ctx.drawImage(el, r.left, r.top, r.width, r.height);
      ctx.restore();
    } else {
      const bg = style.backgroundColor;
      if (bg && bg !== "transparent" && !bg.endsWith(", 0)")) {
        ctx.fillStyle = bg;
        shape();
        ctx.fill();
      }
      const bw = parseFloat(style.borderTopWidth);
      if (bw > 0 && style.borderTopStyle !== "none") {
        ctx.strokeStyle = style.borderTopColor;
        ctx.lineWidth = bw;
        shape();
        ctx.stroke();
      }
    }
    // Text directly inside the element, where the browser laid it out.
    for (const node of el.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent?.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const t = range.getBoundingClientRect();
      ctx.fillStyle = style.color;
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      ctx.textBaseline = "middle";
      ctx.fillText(node.textContent.trim(), t.left, t.top + t.height / 2);
    }
  }
  ctx.globalAlpha = 1;
  return pngOf(canvas);
}

/**
 * The product of the opacities from `el` up to (not including) `root`.
 * @param {Element} el
 * @param {Element} root
 */
function opacity(el, root) {
  let alpha = 1;
  for (let e = /** @type {Element | null} */ (el); e && e !== root; e = e.parentElement) alpha *= Number(getComputedStyle(e).opacity);
  return alpha;
}

/**
 * Read a chosen model file (for the `import` message); rejects files too large to send.
 * @param {File} file
 * @param {number} maxBytes  the server's max_message_bytes (the message wraps the text)
 */
export async function readModelFile(file, maxBytes) {
  if (file.size > maxBytes - 1024) throw new Error(`${file.name} is larger than the server accepts (${Math.round(maxBytes / 1024)} KB)`);
  return file.text();
}
