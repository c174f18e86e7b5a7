// Colour scales: a colour-blind-safe orange↔blue diverging scale (as the TF Playground) and the
// Okabe–Ito palette for K classes. Pure: LUTs are plain arrays the heatmap copies into ImageData.

/** @typedef {[number, number, number]} RGB */

/** Negative / class 0. */
export const ORANGE = /** @type {RGB} */ ([245, 147, 34]);
/** Neutral mid-point: a light grey, so white train-point outlines stay visible on it. */
export const NEUTRAL = /** @type {RGB} */ ([232, 234, 235]);
/** Positive / class 1. */
export const BLUE = /** @type {RGB} */ ([8, 119, 189]);

/**
 * Okabe & Ito (2008) colours, reordered so classes 0 and 1 match the binary orange/blue.
 * @type {readonly RGB[]}
 */
export const CLASS_COLORS = Object.freeze([
  /** @type {RGB} */ ([230, 159, 0]), // orange
  /** @type {RGB} */ ([0, 114, 178]), // blue
  /** @type {RGB} */ ([0, 158, 115]), // bluish green
  /** @type {RGB} */ ([204, 121, 167]), // reddish purple
  /** @type {RGB} */ ([213, 94, 0]), // vermillion
  /** @type {RGB} */ ([86, 180, 233]), // sky blue
]);

/**
 * @param {number} a
 * @param {number} b
 * @param {number} t  0 → a, 1 → b
 */
const lerp = (a, b, t) => Math.round(a + (b - a) * t);

/**
 * @param {RGB} a
 * @param {RGB} b
 * @param {number} t
 * @returns {RGB}
 */
export function mix(a, b, t) {
  return [lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t)];
}

/**
 * Diverging scale: -1 orange, 0 neutral, +1 blue; values outside [-1, 1] are clamped.
 * With `discretize`, only the sign counts (at a softer intensity, so points stay readable).
 * @param {number} v
 * @param {boolean} [discretize]
 * @returns {RGB}
 */
export function diverging(v, discretize = false) {
  const t = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  if (discretize) return t >= 0 ? mix(NEUTRAL, BLUE, 0.6) : mix(NEUTRAL, ORANGE, 0.6);
  return t >= 0 ? mix(NEUTRAL, BLUE, t) : mix(NEUTRAL, ORANGE, -t);
}

/**
 * @param {number} k
 * @returns {RGB}
 */
export function classColor(k) {
  return CLASS_COLORS[((k % CLASS_COLORS.length) + CLASS_COLORS.length) % CLASS_COLORS.length];
}

/**
 * @param {RGB} c
 * @returns {string}
 */
export function css(c) {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/**
 * RGBA lookup for the 256 codes of a quantised array: code q means value `min + q·scale`, and
 * `toUnit` maps that value onto the diverging scale's [-1, 1].
 * @param {number} min
 * @param {number} scale
 * @param {(value: number) => number} toUnit
 * @param {boolean} discretize
 * @returns {Uint8ClampedArray}  (256 · 4)
 */
export function quantisedLut(min, scale, toUnit, discretize) {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let q = 0; q < 256; q++) {
    const [r, g, b] = diverging(toUnit(min + q * scale), discretize);
    lut.set([r, g, b, 255], q * 4);
  }
  return lut;
}

/**
 * RGBA lookup for K-class output: row c·256 + q is class c drawn at confidence q/255
 * (p of the winning class); chance level 1/K is neutral, certainty is the full class colour.
 * @param {number} k  number of classes
 * @param {boolean} discretize
 * @returns {Uint8ClampedArray}  (k · 256 · 4)
 */
export function classLut(k, discretize) {
  const lut = new Uint8ClampedArray(k * 256 * 4);
  const chance = 1 / k;
  for (let c = 0; c < k; c++) {
    for (let q = 0; q < 256; q++) {
      const p = q / 255;
      const t = discretize ? 0.6 : Math.max(0, Math.min(1, (p - chance) / (1 - chance)));
      const [r, g, b] = mix(NEUTRAL, classColor(c), t);
      lut.set([r, g, b, 255], (c * 256 + q) * 4);
    }
  }
  return lut;
}

/** The diverging scale sampled at 513 points over [-1, 1] (index = round((v + 1) · 256)), RGBA. */
export const DIVERGING_LUT = (() => {
  const lut = new Uint8ClampedArray(513 * 4);
  for (let i = 0; i <= 512; i++) lut.set([...diverging(i / 256 - 1), 255], i * 4);
  return lut;
})();

/**
 * Colour one neuron's quantised map into RGBA pixels. Codes decode to `lo + q/255·(hi − lo)`;
 * the map is scaled by its largest magnitude so its shape shows, while zero stays neutral and the
 * sign keeps its colour.
 * @param {Uint8ClampedArray} out   (count · 4) RGBA
 * @param {ArrayLike<number>} codes uint8 codes; `count` of them from `offset`
 * @param {number} offset
 * @param {number} count
 * @param {number} lo
 * @param {number} hi
 */
export function colorNeuron(out, codes, offset, count, lo, hi) {
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const step = (hi - lo) / 255;
  for (let i = 0; i < count; i++) {
    const unit = (lo + codes[offset + i] * step) / m;
    const idx = Math.round((Math.max(-1, Math.min(1, unit)) + 1) * 256) * 4;
    out[i * 4] = DIVERGING_LUT[idx];
    out[i * 4 + 1] = DIVERGING_LUT[idx + 1];
    out[i * 4 + 2] = DIVERGING_LUT[idx + 2];
    out[i * 4 + 3] = 255;
  }
}
