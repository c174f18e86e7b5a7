// The lessons. Each is ONE declarative record in lessons.json — config, pace, panels and More
// views shown, control groups hidden, a two-sentence caption and the claim that caption makes —
// read by the page (this module: the dialog, the links, what opening one shows), by the claim test
// (tests/lessons) and by the README check. A lesson's link is its whole run: every config field,
// its pace and panels, so opening it (or reloading it) re-initialises the same model; its More
// views and inspected point come from its record by the link's lesson id (like its compare).

import RECORDS from "./lessons.json" with { type: "json" };
import { defaultConfig, defaultUi, serializeHash } from "./store.js";

/**
 * @typedef {object} ComparePreset  variants the Compare panel opens with (not part of the URL)
 * @property {string} field
 * @property {(string | number | number[])[]} values
 */

/**
 * @typedef {object} LessonAction  a button beside the caption: change the config, then Reset
 * @property {string} label
 * @property {Partial<import("./store.js").RunConfig>} config
 */

/**
 * @typedef {object} Lesson
 * @property {string} id
 * @property {string} title
 * @property {string} caption  two sentences: what to look at, and why (the claim checks them)
 * @property {string} hash     without the leading #
 * @property {string} pace     a key of pace.js PACES
 * @property {string[]} show   panels it opens: "gradients", "weights", "validation"
 * @property {string[]} views  More views it opens: "landscape", "warp", "inspector", "confusion"
 * @property {number} [inspect]  the training point the backprop inspector opens on
 * @property {ComparePreset} [compare]
 * @property {LessonAction} [action]
 */

/**
 * @typedef {object} LessonRecord  one entry of lessons.json (the claim is read by the tests)
 * @property {string} id
 * @property {string} title
 * @property {string} caption
 * @property {Record<string, unknown>} config
 * @property {string} pace
 * @property {Record<string, unknown>} [ui]
 * @property {string[]} [show]
 * @property {string[]} [views]
 * @property {number} [inspect]
 * @property {string[]} [hide]
 * @property {ComparePreset} [compare]
 * @property {LessonAction} [action]
 * @property {{seconds: number, checks: unknown[]}} claim
 */

/**
 * The per-layer norm chart a lesson's panels call for.
 * @param {string[]} show
 * @returns {"off" | "gradients" | "weights"}
 */
export function normsFor(show) {
  return show.includes("gradients") ? "gradients" : show.includes("weights") ? "weights" : "off";
}

/**
 * @param {LessonRecord} r
 * @returns {Lesson}
 */
function fromRecord(r) {
  const show = r.show ?? [];
  const config = /** @type {import("./store.js").RunConfig} */ ({ ...defaultConfig(), ...r.config });
  const ui = /** @type {import("./store.js").UiState} */ ({ ...defaultUi(), ...(r.ui ?? {}), pace: r.pace, norms: normsFor(show) });
  return {
    id: r.id,
    title: r.title,
    caption: r.caption,
    hash: serializeHash(config, ui, r.hide ?? [], r.id),
    pace: r.pace,
    show,
    views: r.views ?? [],
    ...(r.inspect !== undefined ? { inspect: r.inspect } : {}),
    ...(r.compare ? { compare: r.compare } : {}),
    ...(r.action ? { action: r.action } : {}),
  };
}

/** @type {readonly Lesson[]} */
export const LESSONS = Object.freeze(/** @type {LessonRecord[]} */ (/** @type {unknown} */ (RECORDS.lessons)).map(fromRecord));

/**
 * @param {string | null} id
 * @returns {Lesson | undefined}
 */
export function findLesson(id) {
  return LESSONS.find((l) => l.id === id);
}
