// Colour scales: a colour-blind-safe orange↔blue diverging scale (as the TF Playground) and the
// Okabe–Ito palette for K classes. Pure: LUTs are plain arrays the heatmap copies into ImageData.
// The output map is painted in pastel (at most PASTEL of the way to the class colour, like the TF
// Playground's background), so points drawn in the full class colour stay visible on a confident
// region; neuron thumbnails keep the full scale (no points sit on them).

/** @typedef {[number, number, number]} RGB */

/** Negative / class 0. */
export const ORANGE = /** @type {RGB} */ ([245, 147, 34]);
/** Neutral mid-point: a light grey, so white train-point outlines stay visible on it. */
export const NEUTRAL = /** @type {RGB} */ ([232, 234, 235]);
/** Positive / class 1. */
export const BLUE = /** @type {RGB} */ ([8, 119, 189]);

/** How far the output map goes toward a class colour at full confidence (0 = neutral, 1 = full). */
export const PASTEL = 0.5;

/** The map of a diverged model: a flat mid grey (no class, no confidence). */
export const DIVERGED_GREY = /** @type {RGB} */ ([190, 192, 195]);

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
 * @param {number} [strength]  scales the unit value: PASTEL for the output map (1 for thumbnails)
 * @returns {Uint8ClampedArray}  (256 · 4)
 */
export function quantisedLut(min, scale, toUnit, discretize, strength = 1) {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let q = 0; q < 256; q++) {
    const [r, g, b] = diverging(strength * toUnit(min + q * scale), discretize);
    lut.set([r, g, b, 255], q * 4);
  }
  return lut;
}

/**
 * RGBA lookup for K-class output: row c·256 + q is class c drawn at confidence q/255
 * (p of the winning class); chance level 1/K is neutral, certainty is the full class colour.
 * @param {number} k  number of classes
 * @param {boolean} discretize
 * @param {number} [strength]  the most it goes toward the class colour: PASTEL on the output map
 * @returns {Uint8ClampedArray}  (k · 256 · 4)
 */
export function classLut(k, discretize, strength = 1) {
  const lut = new Uint8ClampedArray(k * 256 * 4);
  const chance = 1 / k;
  for (let c = 0; c < k; c++) {
    for (let q = 0; q < 256; q++) {
      const p = q / 255;
      const t = strength * (discretize ? 0.6 : Math.max(0, Math.min(1, (p - chance) / (1 - chance))));
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

// ---------- colour-vision deficiency simulation (for checking the palette, not for drawing) ----------

/**
 * Machado, Oliveira & Fernandes (2009) matrices at severity 1.0, applied to linear RGB.
 * @type {Record<"protanopia" | "deuteranopia" | "tritanopia", readonly number[]>}
 */
export const CVD_MATRICES = Object.freeze({
  protanopia: [0.152286, 1.052583, -0.204868, 0.114503, 0.786281, 0.099216, -0.003882, -0.048116, 1.051998],
  deuteranopia: [0.367322, 0.860646, -0.227968, 0.280085, 0.672501, 0.047413, -0.01182, 0.04294, 0.968881],
  tritanopia: [1.255528, -0.076749, -0.178779, -0.078411, 0.930809, 0.147602, 0.004733, 0.691367, 0.3039],
});

/** @param {number} v  sRGB 0..255 → linear 0..1 */
const toLinear = (v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
/** @param {number} c  linear 0..1 → sRGB 0..255 */
const toSrgb = (c) => {
  const v = Math.max(0, Math.min(1, c));
  return 255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);
};

/**
 * How `c` looks to a viewer with the given colour-vision deficiency.
 * @param {RGB} c
 * @param {keyof typeof CVD_MATRICES} kind
 * @returns {RGB}
 */
export function simulateCvd(c, kind) {
  const m = CVD_MATRICES[kind];
  const [r, g, b] = c.map(toLinear);
  return /** @type {RGB} */ ([0, 1, 2].map((i) => toSrgb(m[3 * i] * r + m[3 * i + 1] * g + m[3 * i + 2] * b)));
}

/**
 * CIELAB (D65) of an sRGB colour; distances in it approximate perceived differences (ΔE*76).
 * @param {RGB} c
 * @returns {RGB}
 */
export function toLab(c) {
  const [r, g, b] = c.map(toLinear);
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (/** @type {number} */ t) => (t > 216 / 24389 ? Math.cbrt(t) : (t * 24389) / 27 / 116 + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/**
 * ΔE*76 between two sRGB colours.
 * @param {RGB} a
 * @param {RGB} b
 */
export function deltaE(a, b) {
  const p = toLab(a);
  const q = toLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}
