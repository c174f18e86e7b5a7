// User data as CSV (x1,x2,label): parse with errors that name the line, and serialize back.

/** The data domain (docs/architecture.md §4). */
export const DOMAIN = 6;
export const MAX_ROWS = 2000;

export class CsvError extends Error {
  /**
   * @param {number} line  1-based; 0 for whole-file problems
   * @param {string} message
   */
  constructor(line, message) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.line = line;
  }
}

/**
 * @typedef {object} CsvOptions
 * @property {"classification" | "regression"} problem
 * @property {number} [maxClasses]  classification labels must be integers 0 … maxClasses-1
 */

/**
 * Parse `x1,x2,label` rows. A first row of non-numbers is a header and must name three columns.
 * Blank lines and lines starting with # are skipped.
 * @param {string} text
 * @param {CsvOptions} options
 * @returns {[number, number, number][]}
 */
export function parseCsv(text, options) {
  const maxClasses = options.maxClasses ?? 6;
  /** @type {[number, number, number][]} */
  const rows = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  let sawHeader = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const cells = trimmed.split(/\s*[,;\t]\s*/);
    if (rows.length === 0 && !sawHeader && cells.some((c) => c !== "" && Number.isNaN(Number(c)))) {
      if (cells.length !== 3) throw new CsvError(line, `header must have 3 columns (x1,x2,label), found ${cells.length}`);
      sawHeader = true;
      return;
    }
    if (cells.length !== 3) throw new CsvError(line, `expected 3 values (x1,x2,label), found ${cells.length}`);
    const [x1, x2, label] = cells.map((c) => (c === "" ? NaN : Number(c)));
    for (const [name, v] of /** @type {[string, number][]} */ ([["x1", x1], ["x2", x2], ["label", label]])) {
      if (!Number.isFinite(v)) throw new CsvError(line, `${name} is not a number: ${JSON.stringify(cellOf(cells, name))}`);
    }
    for (const [name, v] of /** @type {[string, number][]} */ ([["x1", x1], ["x2", x2]])) {
      if (Math.abs(v) > DOMAIN) throw new CsvError(line, `${name} = ${v} is outside [-${DOMAIN}, ${DOMAIN}]`);
    }
    if (options.problem === "classification") {
      if (!Number.isInteger(label) || label < 0 || label >= maxClasses) {
        throw new CsvError(line, `label must be a class 0…${maxClasses - 1}, found ${label}`);
      }
    } else if (label < -1 || label > 1) {
      throw new CsvError(line, `target ${label} is outside [-1, 1]`);
    }
    rows.push([x1, x2, label]);
  });
  if (rows.length === 0) throw new CsvError(0, "no data rows: expected lines like 1.5,-2.0,1");
  if (rows.length > MAX_ROWS) throw new CsvError(0, `${rows.length} rows; at most ${MAX_ROWS} are allowed`);
  return rows;
}

/**
 * @param {string[]} cells
 * @param {string} name
 */
function cellOf(cells, name) {
  return cells[["x1", "x2", "label"].indexOf(name)];
}

/**
 * @param {ArrayLike<number>} xy  rows of (x1, x2, label), flattened
 * @returns {string}
 */
export function serializeCsv(xy) {
  const out = ["x1,x2,label"];
  for (let i = 0; i + 2 < xy.length; i += 3) {
    out.push(`${fmt(xy[i])},${fmt(xy[i + 1])},${fmt(xy[i + 2])}`);
  }
  return out.join("\n") + "\n";
}

/** @param {number} v */
function fmt(v) {
  return String(Number(v.toPrecision(6)));
}
