// The input features the network can use, as functions over the data domain, and their thumbnails.

import { diverging } from "./colors.js";
import { DOMAIN } from "./csv.js";

/** Feature functions over the domain, scaled so the largest magnitude is 1. */
/** @type {Record<string, {label: string, f: (x1: number, x2: number) => number}>} */
export const FEATURE_INFO = {
  x1: { label: "x₁", f: (a) => a / DOMAIN },
  x2: { label: "x₂", f: (_, b) => b / DOMAIN },
  x1sq: { label: "x₁²", f: (a) => (a * a) / (DOMAIN * DOMAIN) },
  x2sq: { label: "x₂²", f: (_, b) => (b * b) / (DOMAIN * DOMAIN) },
  x1x2: { label: "x₁x₂", f: (a, b) => (a * b) / (DOMAIN * DOMAIN) },
  sinx1: { label: "sin x₁", f: (a) => Math.sin(a) },
  sinx2: { label: "sin x₂", f: (_, b) => Math.sin(b) },
  cosx1: { label: "cos x₁", f: (a) => Math.cos(a) },
  cosx2: { label: "cos x₂", f: (_, b) => Math.cos(b) },
};

/**
 * Colour a feature over [-6, 6]² into RGBA pixels (rows top to bottom, as the server's grids).
 * @param {Uint8ClampedArray} out  (size · size · 4)
 * @param {(x1: number, x2: number) => number} f
 * @param {number} size
 */
export function featurePixels(out, f, size) {
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const x1 = -DOMAIN + ((j + 0.5) * 2 * DOMAIN) / size;
      const x2 = DOMAIN - ((i + 0.5) * 2 * DOMAIN) / size;
      out.set([...diverging(f(x1, x2)), 255], (i * size + j) * 4);
    }
  }
}
