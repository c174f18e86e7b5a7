import assert from "node:assert/strict";
import { test } from "node:test";

import { CsvError, parseCsv, serializeCsv } from "../src/csv.js";

test("parses rows with or without a header, CRLF, blanks and comments", () => {
  const rows = parseCsv("x1,x2,label\r\n1.5,-2,1\r\n\r\n# note\n0,0,0\n", { problem: "classification" });
  assert.deepEqual(rows, [[1.5, -2, 1], [0, 0, 0]]);
  assert.deepEqual(parseCsv("1;2;0", { problem: "classification" }), [[1, 2, 0]]);
});

test("malformed files give errors naming the line and the column", () => {
  const cls = { problem: /** @type {const} */ ("classification"), maxClasses: 3 };
  assert.throws(() => parseCsv("x1,x2,label\n1,2\n", cls), /line 2: expected 3 values/);
  assert.throws(() => parseCsv("1,2,0\n1,abc,0", cls), /line 2: x2 is not a number: "abc"/);
  assert.throws(() => parseCsv("1,2,5", cls), /line 1: label must be a class 0…2, found 5/);
  assert.throws(() => parseCsv("1,2,0.5", cls), /label must be a class/);
  assert.throws(() => parseCsv("9,2,0", cls), /line 1: x1 = 9 is outside \[-6, 6\]/);
  assert.throws(() => parseCsv("a,b\n1,2,0", cls), /line 1: header must have 3 columns/);
  assert.throws(() => parseCsv("\n\n", cls), /no data rows/);
  assert.throws(() => parseCsv("1,2,3", { problem: "regression" }), /target 3 is outside \[-1, 1\]/);
  try {
    parseCsv("1,2,0\n\n1,2,", cls);
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof CsvError);
    assert.equal(err.line, 3);
  }
});

test("serialize then parse is the identity (to 6 significant digits)", () => {
  const xy = new Float32Array([1.25, -3.5, 1, 0.1234567, 5.9, 0]);
  const text = serializeCsv(xy);
  assert.match(text, /^x1,x2,label\n1\.25,-3\.5,1\n/);
  const back = parseCsv(text, { problem: "classification" });
  assert.equal(back.length, 2);
  back.flat().forEach((v, i) => assert.ok(Math.abs(v - xy[i]) < 1e-6, `value ${i}`));
});
