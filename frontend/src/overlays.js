// Transient UI: error toasts next to the control that caused them, the divergence banner, the
// small editor for typing a weight or bias.

/** @param {Document} doc @param {string} id */
const byId = (doc, id) => /** @type {HTMLElement} */ (doc.getElementById(id));

export class Toasts {
  /** @param {Document} doc */
  constructor(doc) {
    this.doc = doc;
    this.root = byId(doc, "toasts");
  }

  /**
   * A short non-blocking message under `anchor` (or at the top), gone after a few seconds.
   * @param {string} message
   * @param {Element | null} anchor
   * @param {"error" | "info"} [kind]
   */
  show(message, anchor, kind = "error") {
    const toast = this.doc.createElement("div");
    toast.className = `toast ${kind}`;
    toast.setAttribute("role", kind === "error" ? "alert" : "status");
    toast.textContent = message;
    const box = anchor?.getBoundingClientRect();
    const visible = box && box.width > 0;
    toast.style.left = `${Math.max(8, Math.min(visible ? box.left : innerWidth / 2 - 150, innerWidth - 360))}px`;
    toast.style.top = `${visible ? box.bottom + 6 : 70}px`;
    this.root.append(toast);
    setTimeout(() => toast.remove(), kind === "error" ? 6000 : 3000);
  }
}

export class Banner {
  /**
   * @param {Document} doc
   * @param {() => void} onFix
   */
  constructor(doc, onFix) {
    this.root = byId(doc, "banner");
    this.text = byId(doc, "banner-text");
    byId(doc, "banner-fix").addEventListener("click", onFix);
    byId(doc, "banner-close").addEventListener("click", () => (this.root.hidden = true));
  }

  /**
   * @param {{message: string, kind: string} | null} banner
   * @param {number | null} fixRate  the learning rate the fix sets (diverged only)
   */
  paint(banner, fixRate = null) {
    this.root.hidden = banner === null;
    this.root.dataset.kind = banner?.kind ?? "";
    if (banner) this.text.textContent = banner.message;
    const fix = byId(this.root.ownerDocument, "banner-fix");
    fix.hidden = banner?.kind !== "diverged";
    // The button names the rate it sets: the user sees what one click will do.
    fix.textContent = fixRate === null ? "Lower learning rate and reset" : `Lower learning rate to ${fixRate} and reset`;
  }
}

// LessonView moved to lessonpanel.js (issue 11: it gained the lesson's button and focus rules).

export class ValueEditor {
  /** @param {Document} doc */
  constructor(doc) {
    this.doc = doc;
    this.form = /** @type {HTMLFormElement} */ (byId(doc, "value-editor"));
    this.input = /** @type {HTMLInputElement} */ (byId(doc, "value-input"));
    this.label = byId(doc, "value-label");
    /** @type {((value: number) => void) | null} */
    this.commit = null;
    /** @type {HTMLElement | SVGElement | null} */
    this.returnFocus = null;
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = Number(this.input.value);
      if (this.input.value.trim() === "" || !Number.isFinite(v)) return;
      this.commit?.(v);
      this.close();
    });
    this.form.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.close();
    });
    this.input.addEventListener("blur", () => setTimeout(() => {
      if (!this.form.contains(this.doc.activeElement)) this.close();
    }, 0));
  }

  /**
   * @param {string} label  e.g. "Weight from input x₁ to neuron 1 of layer 1"
   * @param {number} value
   * @param {Element} anchor
   * @param {(value: number) => void} commit
   */
  open(label, value, anchor, commit) {
    this.label.textContent = label;
    this.input.value = String(Number(value.toPrecision(4)));
    this.commit = commit;
    this.returnFocus = anchor instanceof HTMLElement || anchor instanceof SVGElement ? anchor : null;
    const box = anchor.getBoundingClientRect();
    this.form.hidden = false;
    this.form.style.left = `${Math.min(box.left + box.width / 2, innerWidth - 340)}px`;
    this.form.style.top = `${box.top + box.height / 2 + 8}px`;
    this.input.focus();
    this.input.select();
  }

  close() {
    if (this.form.hidden) return;
    this.form.hidden = true;
    this.commit = null;
    this.returnFocus?.focus();
  }
}
