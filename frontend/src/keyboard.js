// Global shortcuts: space play/pause, → step, r reset, p presenter. Ignored while the user types
// or when a focused control would handle the key itself.

/**
 * @typedef {object} ShortcutHandlers
 * @property {() => void} togglePlay
 * @property {() => void} step
 * @property {() => void} reset
 * @property {() => void} togglePresenter
 */

/**
 * @param {EventTarget | null} target
 * @param {string} key
 */
export function isTyping(target, key) {
  if (!(target instanceof Element)) return false;
  if (target.closest("input, select, textarea, [contenteditable=''], [contenteditable='true'], dialog")) return true;
  // Space and Enter activate a focused button or link; let them.
  return (key === " " || key === "Enter") && target.closest("button, a, [role='button']") !== null;
}

/**
 * @param {Document} doc
 * @param {ShortcutHandlers} handlers
 */
export function installShortcuts(doc, handlers) {
  doc.addEventListener("keydown", (e) => {
    // defaultPrevented: a focused part (weight links, the drawing canvas) used the key itself.
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target, e.key)) return;
    /** @type {Record<string, () => void>} */
    const actions = {
      " ": handlers.togglePlay,
      ArrowRight: handlers.step,
      r: handlers.reset,
      R: handlers.reset,
      p: handlers.togglePresenter,
      P: handlers.togglePresenter,
    };
    const action = actions[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  });
}
