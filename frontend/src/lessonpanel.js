// The Lessons dialog and the open lesson's panel (title, caption, its "change and restart"
// button). Picking a lesson closes the dialog and puts the focus on Play, so Space plays and
// pauses (not: reopens the dialog from the Lessons button, where a closing dialog puts it back).

import { LESSONS } from "./lessons.js";

/** @param {Document} doc @param {string} id */
const byId = (doc, id) => /** @type {HTMLElement} */ (doc.getElementById(id));

/**
 * @typedef {object} LessonHandlers
 * @property {() => void} onClose   the lesson panel's Close
 * @property {(action: import("./lessons.js").LessonAction) => void} onAction  its button
 */

export class LessonView {
  /**
   * @param {Document} doc
   * @param {LessonHandlers} handlers
   */
  constructor(doc, handlers) {
    this.panel = byId(doc, "lesson-panel");
    this.title = byId(doc, "lesson-title");
    this.caption = byId(doc, "lesson-caption");
    this.action = /** @type {HTMLButtonElement} */ (byId(doc, "lesson-action"));
    this.dialog = /** @type {HTMLDialogElement} */ (byId(doc, "lessons-dialog"));
    this.play = byId(doc, "play");
    /** @type {import("./lessons.js").Lesson | undefined} */
    this.shown = undefined;
    const list = byId(doc, "lesson-list");
    for (const l of LESSONS) {
      const item = doc.createElement("li");
      const a = doc.createElement("a");
      a.href = `#${l.hash}`;
      const strong = doc.createElement("strong");
      strong.textContent = l.title;
      const span = doc.createElement("span");
      span.textContent = l.caption.split(/(?<=\.) /)[0];
      a.append(strong, span);
      a.addEventListener("click", () => {
        this.dialog.close(); // puts the focus back on the Lessons button…
        this.play.focus(); // …so move it to where Space plays and pauses
      });
      item.append(a);
      list.append(item);
    }
    byId(doc, "lessons-button").addEventListener("click", () => this.dialog.showModal());
    byId(doc, "lesson-close").addEventListener("click", handlers.onClose);
    this.action.addEventListener("click", () => {
      if (this.shown?.action) handlers.onAction(this.shown.action);
      this.play.focus();
    });
  }

  /** @param {string | null} id */
  paint(id) {
    const lesson = LESSONS.find((l) => l.id === id);
    this.shown = lesson;
    this.panel.hidden = !lesson;
    if (lesson) {
      this.title.textContent = lesson.title;
      this.caption.textContent = lesson.caption;
    }
    this.action.hidden = !lesson?.action;
    this.action.textContent = lesson?.action?.label ?? "";
  }
}
