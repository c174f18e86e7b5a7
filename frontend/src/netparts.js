// Small parts of the network diagram: where a weight sits in the frame's flat `weights` array,
// and the few DOM builders the diagram repeats for every neuron and layer.

export const MAP = 32; // feature thumbnails are computed here at the neuron-map resolution

/**
 * Position of weight (layer, source, target) in the flat `weights` array (source-major per layer).
 * @param {number[]} sizes
 * @param {number} layer
 * @param {number} source
 * @param {number} target
 */
export function weightIndex(sizes, layer, source, target) {
  let offset = 0;
  for (let l = 0; l < layer; l++) offset += sizes[l] * sizes[l + 1];
  return offset + source * sizes[layer + 1] + target;
}

/**
 * @param {HTMLElement} el
 * @param {number} x
 * @param {number} y
 * @param {number} size
 */
export function place(el, x, y, size) {
  el.style.left = `${x}px`;
  el.style.top = `${y}px`;
  el.style.width = `${size}px`;
  el.style.height = `${size}px`;
}

export function mapCanvas() {
  const canvas = document.createElement("canvas");
  canvas.width = MAP;
  canvas.height = MAP;
  return canvas;
}

/**
 * @param {string} text
 * @param {string} name
 * @param {boolean} disabled
 * @param {() => void} onClick
 */
export function headButton(text, name, disabled, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.setAttribute("aria-label", name);
  b.title = name;
  b.disabled = disabled;
  b.addEventListener("click", onClick);
  return b;
}

/**
 * One Tab stop for a group of many focusable parts (a 6×8 net has ~400 weight links): the
 * arrow keys move focus within the group, Home/End to its ends, Tab leaves it (the WAI-ARIA
 * "roving tabindex"). The part focused last keeps the group's Tab stop.
 * @param {Array<HTMLElement | SVGElement>} parts
 */
export function rovingFocus(parts) {
  parts.forEach((part, i) => {
    part.setAttribute("tabindex", i === 0 ? "0" : "-1");
    part.addEventListener("focus", () => {
      for (const other of parts) other.setAttribute("tabindex", other === part ? "0" : "-1");
    });
    part.addEventListener("keydown", (event) => {
      const e = /** @type {KeyboardEvent} */ (event);
      const moves = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1, ArrowLeft: i - 1, Home: 0, End: parts.length - 1 };
      const to = moves[/** @type {keyof typeof moves} */ (e.key)];
      if (to === undefined) return;
      e.preventDefault();
      parts[Math.max(0, Math.min(parts.length - 1, to))].focus();
    });
  });
}
