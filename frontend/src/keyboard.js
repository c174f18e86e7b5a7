// Global shortcuts: space play/pause, → step, r reset, p presenter. They work wherever the focus
// is, except while the user types (text fields, an open dialog) or when the focused element
// has its own meaning for the key: Space and Enter press a focused button, link or checkbox, and
// the arrow keys move a slider or a dropdown's value. Sliders and dropdowns do not take Space (a
// dropdown still opens with Alt+↓ or Enter), so after using one, Space plays and pauses.

/**
 * @typedef {object} ShortcutHandlers
 * @property {() => void} togglePlay
 * @property {() => void} step
 * @property {() => void} reset
 * @property {() => void} togglePresenter
 */

/** Input types that are pressed, not typed into. */
const PRESSABLE_INPUTS = ["checkbox", "radio", "button", "submit", "reset", "color", "file"];

/**
 * Whether `key` on `target` belongs to the target rather than to a shortcut.
 * @param {EventTarget | null} target
 * @param {string} key
 */
export function isTyping(target, key) {
  if (!(target instanceof Element)) return false;
  if (target.closest("textarea, [contenteditable=''], [contenteditable='true'], dialog")) return true;
  const arrow = key.startsWith("Arrow") || key === "Home" || key === "End" || key === "PageUp" || key === "PageDown";
  const select = target.closest("select");
  if (select) return arrow || key === "Enter"; // letters are shortcuts here, not type-ahead
  const input = target.closest("input");
  if (input) {
    const type = (input.getAttribute("type") ?? "text").toLowerCase();
    if (type === "range") return arrow;
    if (!PRESSABLE_INPUTS.includes(type)) return true; // text, number, search…: the user types
    return key === " " || key === "Enter";
  }
  // Space and Enter activate a focused button or link; let them.
  return (key === " " || key === "Enter") && target.closest("button, a, [role='button'], summary") !== null;
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
