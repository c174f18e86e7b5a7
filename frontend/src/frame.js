// Pure decoding of the server's binary frames (docs/architecture.md §4): no DOM, no socket.
//
// Layout: uint32 LE header length, that many bytes of UTF-8 JSON, then the array section; each
// array starts at its descriptor's `offset` (bytes from the start of the array section).

/** @typedef {"uint8" | "uint16" | "int32" | "float16" | "float32"} DType */

/**
 * @typedef {object} ArrayDescriptor
 * @property {string} name
 * @property {DType} dtype
 * @property {number[]} shape
 * @property {number} offset  bytes from the start of the array section
 * @property {number | null} [scale] quantised arrays: value = min + q * scale (absent or null: raw)
 * @property {number | null} [min]
 */

/**
 * @typedef {object} FrameMetrics
 * @property {number | null} train_loss
 * @property {number | null} test_loss
 * @property {number | null} val_loss
 * @property {number | null} train_accuracy
 * @property {number | null} test_accuracy
 * @property {number | null} val_accuracy
 * @property {number[]} [grad_norms]
 * @property {number[]} [weight_norms]
 * @property {number} [examples_per_s]
 * @property {number} [learning_rate]
 */

/**
 * @typedef {object} FrameHeader
 * @property {number} v
 * @property {number} step
 * @property {number} epoch
 * @property {boolean} playing
 * @property {number} config_rev
 * @property {number} [data_rev]
 * @property {FrameMetrics} metrics
 * @property {number} [metrics_step]  the step `metrics` were measured at (not every frame's)
 * @property {ArrayDescriptor[]} arrays
 */

/** @typedef {Uint8Array | Uint16Array | Int32Array | Float32Array} TypedArray */

/**
 * @typedef {object} DecodedArray
 * @property {ArrayDescriptor} desc
 * @property {TypedArray} data  raw values as sent (float16 is widened to Float32Array)
 */

/**
 * @typedef {object} Frame
 * @property {FrameHeader} header
 * @property {Map<string, DecodedArray>} arrays
 */

/** @type {Record<DType, number>} */
const ITEM_SIZE = { uint8: 1, uint16: 2, int32: 4, float16: 2, float32: 4 };

export class FrameError extends Error {}

/**
 * Decode one binary websocket message.
 * @param {ArrayBuffer} buffer
 * @returns {Frame}
 */
export function decodeFrame(buffer) {
  if (buffer.byteLength < 4) throw new FrameError(`frame: ${buffer.byteLength} bytes, need at least 4`);
  const headerLength = new DataView(buffer).getUint32(0, true);
  const arraysStart = 4 + headerLength;
  if (arraysStart > buffer.byteLength) {
    throw new FrameError(`frame: header length ${headerLength} exceeds the ${buffer.byteLength}-byte message`);
  }
  const text = new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength));
  /** @type {unknown} */
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FrameError(`frame: header is not JSON (${String(err)})`);
  }
  const header = checkHeader(parsed);
  /** @type {Map<string, DecodedArray>} */
  const arrays = new Map();
  for (const desc of header.arrays) {
    arrays.set(desc.name, { desc, data: readArray(buffer, arraysStart, desc) });
  }
  return { header, arrays };
}

/**
 * @param {unknown} value
 * @returns {FrameHeader}
 */
function checkHeader(value) {
  if (typeof value !== "object" || value === null) throw new FrameError("frame: header is not an object");
  const h = /** @type {Record<string, unknown>} */ (value);
  for (const key of ["step", "epoch"]) {
    if (typeof h[key] !== "number") throw new FrameError(`frame: header.${key} must be a number`);
  }
  if (!Array.isArray(h.arrays)) throw new FrameError("frame: header.arrays must be a list");
  if (typeof h.metrics !== "object" || h.metrics === null) throw new FrameError("frame: header.metrics must be an object");
  for (const d of h.arrays) {
    if (typeof d !== "object" || d === null) throw new FrameError("frame: array descriptor is not an object");
    const desc = /** @type {Record<string, unknown>} */ (d);
    if (typeof desc.name !== "string") throw new FrameError("frame: array descriptor without a name");
    if (typeof desc.dtype !== "string" || !(desc.dtype in ITEM_SIZE)) {
      throw new FrameError(`frame: array ${desc.name}: unsupported dtype ${String(desc.dtype)}`);
    }
    if (!Array.isArray(desc.shape) || !desc.shape.every((n) => Number.isInteger(n) && n >= 0)) {
      throw new FrameError(`frame: array ${desc.name}: shape must be a list of non-negative integers`);
    }
    if (!Number.isInteger(desc.offset) || /** @type {number} */ (desc.offset) < 0) {
      throw new FrameError(`frame: array ${desc.name}: offset must be a non-negative integer`);
    }
  }
  return /** @type {FrameHeader} */ (value);
}

/**
 * @param {ArrayBuffer} buffer
 * @param {number} start  byte position of the array section
 * @param {ArrayDescriptor} desc
 * @returns {TypedArray}
 */
function readArray(buffer, start, desc) {
  const count = desc.shape.reduce((a, b) => a * b, 1);
  const size = ITEM_SIZE[desc.dtype];
  const begin = start + desc.offset;
  const end = begin + count * size;
  if (end > buffer.byteLength) {
    throw new FrameError(`frame: array ${desc.name} (${desc.dtype} ${JSON.stringify(desc.shape)}) runs past the end of the message`);
  }
  // Typed-array views need aligned offsets; the contract aligns to 4 from the array section, but the
  // section itself starts after an arbitrary-length header, so copy when the absolute offset is odd.
  const aligned = begin % size === 0;
  const source = aligned ? buffer : buffer.slice(begin, end);
  const at = aligned ? begin : 0;
  switch (desc.dtype) {
    case "uint8":
      return new Uint8Array(source, at, count);
    case "uint16":
      return new Uint16Array(source, at, count);
    case "int32":
      return new Int32Array(source, at, count);
    case "float32":
      return new Float32Array(source, at, count);
    case "float16":
      return widenFloat16(new Uint16Array(source, at, count));
  }
}

/**
 * IEEE 754 half → single precision.
 * @param {Uint16Array} bits
 * @returns {Float32Array}
 */
export function widenFloat16(bits) {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * 2 ** -14 * (frac / 1024);
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

/**
 * Real values of an array: quantised arrays are mapped through `min + q * scale`.
 * @param {DecodedArray} array
 * @returns {Float32Array}
 */
export function dequantize(array) {
  const { desc, data } = array;
  if (desc.scale === undefined || desc.scale === null) return data instanceof Float32Array ? data : Float32Array.from(data);
  const min = desc.min ?? 0;
  const scale = desc.scale;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = min + data[i] * scale;
  return out;
}

/**
 * Build a frame in the wire format (for tests and tools; the server is the real producer).
 * @param {Omit<FrameHeader, "arrays">} header
 * @param {{name: string, dtype: DType, shape: number[], data: ArrayLike<number>, scale?: number, min?: number}[]} arrays
 * @returns {ArrayBuffer}
 */
export function encodeFrame(header, arrays) {
  /** @type {ArrayDescriptor[]} */
  const descs = [];
  let offset = 0;
  for (const a of arrays) {
    /** @type {ArrayDescriptor} */
    const desc = { name: a.name, dtype: a.dtype, shape: a.shape, offset };
    if (a.scale !== undefined) desc.scale = a.scale;
    if (a.min !== undefined) desc.min = a.min;
    descs.push(desc);
    offset += Math.ceil((a.data.length * ITEM_SIZE[a.dtype]) / 4) * 4;
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...header, arrays: descs }));
  const buffer = new ArrayBuffer(4 + json.length + offset);
  new DataView(buffer).setUint32(0, json.length, true);
  new Uint8Array(buffer, 4, json.length).set(json);
  const section = new Uint8Array(buffer, 4 + json.length);
  arrays.forEach((a, i) => {
    const bytes = typedBytes(a.dtype, a.data);
    section.set(bytes, descs[i].offset);
  });
  return buffer;
}

/**
 * @param {DType} dtype
 * @param {ArrayLike<number>} data
 * @returns {Uint8Array}
 */
function typedBytes(dtype, data) {
  if (dtype === "float16") throw new FrameError("encodeFrame: float16 encoding is not supported");
  const Ctor = { uint8: Uint8Array, uint16: Uint16Array, int32: Int32Array, float32: Float32Array }[dtype];
  const typed = Ctor.from(data);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}
