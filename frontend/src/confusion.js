// Confusion matrices per split (issue 15): rows the true class, columns the predicted class.
// An HTML table (readable by screen readers), cells shaded by their share of the row.

const SPLITS = /** @type {const} */ ([["train", "Training"], ["test", "Test"], ["val", "Validation"]]);

export class ConfusionView {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.painted = 0;
  }

  /** @param {import("./frame.js").Frame | null} frame */
  paint(frame) {
    const doc = this.root.ownerDocument;
    this.root.replaceChildren();
    let any = false;
    for (const [split, title] of SPLITS) {
      const arr = frame?.arrays.get(`confusion_${split}`);
      if (!arr) continue;
      const k = arr.desc.shape[0];
      const counts = /** @type {Int32Array} */ (arr.data);
      let total = 0;
      let right = 0;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
        total += counts[i * k + j];
        if (i === j) right += counts[i * k + j];
      }
      if (total === 0) continue; // an empty split (no validation set)
      any = true;
      const table = doc.createElement("table");
      table.className = "confusion-table";
      const cap = doc.createElement("caption");
      cap.textContent = `${title}: ${((100 * right) / total).toFixed(1)} % correct of ${total}`;
      table.append(cap);
      const head = doc.createElement("tr");
      head.append(cell(doc, "th", "true ↓ / predicted →"));
      for (let j = 0; j < k; j++) head.append(cell(doc, "th", `class ${j}`, "col"));
      table.append(head);
      for (let i = 0; i < k; i++) {
        const row = doc.createElement("tr");
        row.append(cell(doc, "th", `class ${i}`, "row"));
        let rowSum = 0;
        for (let j = 0; j < k; j++) rowSum += counts[i * k + j];
        for (let j = 0; j < k; j++) {
          const n = counts[i * k + j];
          const td = cell(doc, "td", String(n));
          const share = rowSum > 0 ? n / rowSum : 0;
          // Diagonal in blue, mistakes in orange; the stronger the larger the share of the row.
          td.style.background = i === j ? `rgba(8,119,189,${(0.12 + 0.6 * share).toFixed(2)})` : `rgba(245,147,34,${(0.6 * share).toFixed(2)})`;
          row.append(td);
        }
        table.append(row);
      }
      this.root.append(table);
    }
    if (!any) {
      const p = doc.createElement("p");
      p.className = "hint";
      p.textContent = "A confusion matrix needs a classification problem.";
      this.root.append(p);
    }
    this.painted++;
  }
}

/**
 * @param {Document} doc
 * @param {"td" | "th"} tag
 * @param {string} text
 * @param {string} [scope]
 */
function cell(doc, tag, text, scope) {
  const el = doc.createElement(tag);
  el.textContent = text;
  if (scope) el.setAttribute("scope", scope);
  return el;
}
