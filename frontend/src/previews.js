// Small schematic previews of the built-in datasets for the dataset picker. They are drawn here
// from simple formulas (the real data comes from the server); they only need to be recognisable.

import { classColor, css, diverging } from "./colors.js";

/** Deterministic pseudo-random numbers (a preview must not flicker between renders). */
function rng(seed = 7) {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 4294967296;
    return s / 4294967296;
  };
}

/**
 * Points (x1, x2, label) in [-6, 6]² sketching a dataset; label is a class or, for regression, a
 * target in [-1, 1].
 * @param {string} name
 * @returns {[number, number, number][]}
 */
export function sketch(name) {
  const r = rng();
  const u = () => r() * 12 - 6;
  /** @type {[number, number, number][]} */
  const out = [];
  for (let i = 0; i < 140; i++) {
    const a = u();
    const b = u();
    const t = i / 140;
    switch (name) {
      case "circle": {
        const inner = i % 2 === 0;
        const rad = inner ? r() * 2.3 : 3.4 + r() * 1.8;
        const ang = r() * 2 * Math.PI;
        out.push([rad * Math.cos(ang), rad * Math.sin(ang), inner ? 1 : 0]);
        break;
      }
      case "xor":
        out.push([a, b, a * b >= 0 ? 1 : 0]);
        break;
      case "gauss": {
        const c = i % 2 === 0 ? 2.4 : -2.4;
        out.push([c + (r() - 0.5) * 3, c + (r() - 0.5) * 3, i % 2 === 0 ? 1 : 0]);
        break;
      }
      case "spiral":
      case "multi_spiral": {
        const arms = name === "spiral" ? 2 : 3;
        const k = i % arms;
        const rad = t * 5.5;
        const ang = t * 1.75 * Math.PI * 2 + (k * 2 * Math.PI) / arms;
        out.push([rad * Math.sin(ang), rad * Math.cos(ang), k]);
        break;
      }
      case "moons": {
        const k = i % 2;
        const ang = r() * Math.PI;
        out.push(k === 0 ? [4 * Math.cos(ang) - 1.5, 4 * Math.sin(ang) - 1, 0] : [1.5 - 4 * Math.cos(ang), 1 - 4 * Math.sin(ang), 1]);
        break;
      }
      case "checkerboard":
        out.push([a, b, (Math.floor(a / 3) + Math.floor(b / 3)) % 2 === 0 ? 1 : 0]);
        break;
      case "blobs": {
        const k = i % 4;
        const cx = [-3, 3, -3, 3][k];
        const cy = [3, 3, -3, -3][k];
        out.push([cx + (r() - 0.5) * 3, cy + (r() - 0.5) * 3, k]);
        break;
      }
      case "plane":
        out.push([a, b, (a + b) / 12]);
        break;
      case "multi_gauss":
        out.push([a, b, Math.exp(-((a - 2) ** 2 + (b - 2) ** 2) / 6) - Math.exp(-((a + 2) ** 2 + (b + 2) ** 2) / 6)]);
        break;
      case "surface":
        out.push([a, b, Math.sin(a / 2) * Math.cos(b / 2)]);
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * Paint a dataset sketch into a small canvas.
 * @param {HTMLCanvasElement} canvas
 * @param {string} name
 * @param {boolean} regression
 */
export function drawPreview(canvas, name, regression) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const s = canvas.width;
  ctx.fillStyle = "#f4f5f6";
  ctx.fillRect(0, 0, s, s);
  if (name === "user") {
    ctx.fillStyle = "#5b636d";
    ctx.font = `${Math.round(s / 2.2)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText("✎", s / 2, s / 2 + 1);
    return;
  }
  for (const [a, b, label] of sketch(name)) {
    ctx.fillStyle = css(regression ? diverging(label) : classColor(label));
    ctx.beginPath();
    ctx.arc(((a + 6) / 12) * s, ((6 - b) / 12) * s, s / 30, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/** The row of dataset thumbnails; a click picks that dataset. */
export class DatasetPicker {
  /**
   * @param {HTMLElement} root
   * @param {(name: string) => void} onPick
   */
  constructor(root, onPick) {
    this.root = root;
    this.onPick = onPick;
    this.key = "";
  }

  /**
   * @param {string} problem
   * @param {string} current
   * @param {string[]} names
   * @param {(name: string) => string} label
   */
  paint(problem, current, names, label) {
    const key = `${problem}:${names.join(",")}`;
    if (key !== this.key) {
      this.key = key;
      this.root.replaceChildren(
        ...names.map((name) => {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "thumb";
          b.dataset.dataset = name;
          b.title = label(name);
          b.setAttribute("aria-label", `${label(name)} data`);
          const canvas = document.createElement("canvas");
          canvas.width = 64;
          canvas.height = 64;
          drawPreview(canvas, name, problem === "regression");
          b.append(canvas);
          b.addEventListener("click", () => this.onPick(name));
          return b;
        }),
      );
    }
    for (const b of this.root.querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(/** @type {HTMLElement} */ (b).dataset.dataset === current));
    }
  }
}
