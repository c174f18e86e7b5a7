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
