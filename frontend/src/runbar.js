// The run bar's read-only parts: play/pause label, readouts, connection indicator, layer count;
// and the Speed dropdown's named paces (pace.js; the generic controls bind its value).

import { PACES } from "./pace.js";

/** @param {Document} doc @param {string} id */
const byId = (doc, id) => /** @type {HTMLElement} */ (doc.getElementById(id));

/**
 * @param {number | null | undefined} v
 * @param {number} digits
 */
export function fixed(v, digits = 3) {
  return typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–";
}

/** @param {number | null | undefined} v */
export function compact(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return "–";
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(v));
}

export class RunBar {
  /** @param {Document} doc */
  constructor(doc) {
    this.play = byId(doc, "play");
    this.playLabel = byId(doc, "play-label");
    this.epoch = byId(doc, "epoch");
    this.steps = byId(doc, "step-count");
    this.trainLoss = byId(doc, "train-loss");
    this.testLoss = byId(doc, "test-loss");
    this.accuracy = byId(doc, "accuracy");
    this.accuracyLabel = byId(doc, "accuracy-label");
    this.speed = byId(doc, "speed-readout");
    this.connection = byId(doc, "connection");
    this.layerCount = byId(doc, "layer-count");
    this.addLayer = /** @type {HTMLButtonElement} */ (byId(doc, "add-layer"));
    this.removeLayer = /** @type {HTMLButtonElement} */ (byId(doc, "remove-layer"));
    this.presenter = byId(doc, "presenter");
    /** The pace dropdown: its options are the named paces, each with what it means as a tooltip. */
    this.pace = /** @type {HTMLSelectElement} */ (byId(doc, "pace"));
    this.pace.replaceChildren(...Object.entries(PACES).map(([name, spec]) => Object.assign(new Option(spec.label, name), { title: spec.about })));
    this.root = doc.documentElement;
    // Presenter mode keeps only these settings, moved into the run bar (and back afterwards).
    this.slot = byId(doc, "presenter-slot");
    this.essentials = ["learning_rate", "activation"].map((id) => {
      const field = /** @type {HTMLElement} */ (byId(doc, id).closest(".field"));
      return { field, home: /** @type {HTMLElement} */ (field.parentElement), next: field.nextSibling };
    });
  }

  /**
   * @param {import("./store.js").State} s
   * @param {number} maxLayers
   */
  paint(s, maxLayers) {
    // The button says what it will do, and its accessible name is exactly that word.
    const label = s.playing ? "Pause" : "Play";
    if (this.playLabel.textContent !== label) this.playLabel.textContent = label;
    this.play.dataset.playing = String(s.playing);
    this.epoch.textContent = Math.floor(s.epoch).toLocaleString("en-US");
    this.steps.textContent = s.step.toLocaleString("en-US");
    const m = s.metrics;
    this.trainLoss.textContent = fixed(m?.train_loss);
    this.testLoss.textContent = fixed(m?.test_loss);
    const regression = s.config.problem === "regression";
    this.accuracyLabel.textContent = regression ? "Test R²" : "Test accuracy";
    const acc = m?.test_accuracy;
    this.accuracy.textContent = regression ? fixed(acc) : typeof acc === "number" ? `${(acc * 100).toFixed(1)}%` : "–";
    this.speed.textContent = compact(m?.examples_per_s);
    const text = { connecting: "Connecting…", open: "Connected", reconnecting: "Reconnecting…", closed: "Offline" }[s.connection];
    this.connection.dataset.state = s.connection;
    /** @type {HTMLElement} */ (this.connection.querySelector(".text")).textContent = text;
    const depth = s.config.hidden_layers.length;
    this.layerCount.textContent = `${depth} hidden layer${depth === 1 ? "" : "s"}`;
    this.addLayer.disabled = depth >= maxLayers;
    this.removeLayer.disabled = depth === 0;
    this.presenter.setAttribute("aria-pressed", String(s.presenter));
    if (this.root.classList.contains("presenter") !== s.presenter) {
      this.root.classList.toggle("presenter", s.presenter);
      for (const e of this.essentials) {
        if (s.presenter) this.slot.append(e.field);
        else e.home.insertBefore(e.field, e.next);
      }
    }
  }
}
