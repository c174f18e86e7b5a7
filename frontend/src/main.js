// The only wiring place: socket → store → views, user actions → socket, one paint per animation
// frame. Views never talk to the socket; the store never touches the DOM.

import { LossChart } from "./charts.js";
import { CompareView } from "./compare.js";
import { SweepView } from "./sweep.js"; // issue 16
import { Controls, fillDrawClasses, MULTI_CLASS_DATASETS, readOptions } from "./controls.js";
import { CsvError, parseCsv, serializeCsv } from "./csv.js";
import { applyEmbed, embedOptions, networkPicture, outputPicture, pictureName, readModelFile, saveBlob } from "./export.js";
import { RateMemory } from "./diverge.js";
import { Heatmap, paintLegend } from "./heatmap.js";
import { installLayout } from "./layout.js";
import { appendHistory, emptyHistory, historyFrom } from "./history.js";
import { installShortcuts } from "./keyboard.js";
import { findLesson } from "./lessons.js";
import { LessonView } from "./lessonpanel.js";
import { NormChart } from "./normchart.js";
import { Banner, Toasts, ValueEditor } from "./overlays.js";
import { FPS, paceUnit, stepsPerEpoch, stepsPerFrame } from "./pace.js";
import { FEATURE_INFO } from "./features.js";
import { NetworkView } from "./network.js";
import { DatasetPicker } from "./previews.js";
import { RunBar } from "./runbar.js";
import { Room } from "./room.js";
import { Socket } from "./socket.js";
import { configDiff, defaultConfig, defaultUi, MAX_LINK_POINTS, parseHash, Store } from "./store.js";
// issue 15: More views
import { ConfusionView } from "./confusion.js";
import { InspectorView } from "./inspector.js";
import { LandscapeView } from "./landscape.js";
import { WarpView } from "./warp.js";

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Counters the browser benchmark reads (tests/e2e): paints happen only inside animation frames. */
const stats = { frames: 0, rafs: 0, paints: 0, paintMs: 0, messageMs: 0 };

// ---------- state from the URL ----------
const initial = parseHash(location.hash);
const store = new Store({
  config: { ...defaultConfig(), ...initial.config },
  ui: { ...defaultUi(), ...initial.ui },
  hidden: new Set(initial.hidden),
  lesson: initial.lesson,
});
// For the console and the browser tests: read-only inspection of what the page believes.
const debug = /** @type {{stats: typeof stats, store: Store, socket?: Socket, session?: {id: string, resumed: boolean}}} */ ({ stats, store });
/** @type {any} */ (window).nnplayground = debug;
/** The config the URL asked for, sent once the server says hello with a fresh session. */
let wanted = /** @type {Partial<import("./store.js").RunConfig> | null} */ (initial.config);
/** The data_rev the points last drawn here will have on the server, and when they were sent. */
let pointsSent = { dataRev: -1, at: 0 };
/** The link's points (dataset=user), sent with `wanted`. */
let wantedPoints = initial.points;
let history = emptyHistory();
let historyVersion = 0;
let firstHello = true;
let options = readOptions({});
/** @type {Element | null} */
let lastSource = null;
/** @type {[number, number, number][] | null} */
let drawn = null;

// ---------- views ----------
const toasts = new Toasts(document);
const runbar = new RunBar(document);
const editor = new ValueEditor(document);
const heatmap = new Heatmap(/** @type {HTMLCanvasElement} */ ($("heatmap")), $("heatmap-caption"), {
  // On the link's 0.01 grid (store.js encodePoints), so a link with drawn points is the same run.
  onAdd: (x1, x2) => editPoints((pts) => pts.push([Math.round(x1 * 100) / 100, Math.round(x2 * 100) / 100, Number(/** @type {HTMLSelectElement} */ ($("draw-class")).value)])),
  onRemove: (x1, x2) => editPoints((pts) => {
    let best = -1;
    let bestD = 0.6 ** 2; // only a point under the cursor (in data units)
    pts.forEach(([a, b], i) => {
      const d = (a - x1) ** 2 + (b - x2) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    });
    if (best >= 0) pts.splice(best, 1);
  }),
});
const network = new NetworkView($("network"), {
  onToggleFeature: (f) => {
    const cur = store.state.config.features;
    const next = cur.includes(f) ? cur.filter((x) => x !== f) : options.lists.features.filter((x) => x === f || cur.includes(x));
    if (next.length === 0) return toasts.show("Keep at least one input feature.", $("network"));
    setConfig({ features: next }, $("network"));
  },
  onResize: (layer, delta) => {
    const hidden = [...store.state.config.hidden_layers];
    hidden[layer] = Math.max(1, Math.min(options.capacity.width, hidden[layer] + delta));
    setConfig({ hidden_layers: hidden }, $("network"));
  },
  onHover: (n) => store.set({ hoverNeuron: n }),
  onEditWeight: (layer, source, target, value, anchor) =>
    editor.open(anchor.getAttribute("aria-label") ?? "Weight", value, anchor, (v) =>
      send({ type: "edit_weight", layer, source, target, value: v }, anchor)),
  onEditBias: (layer, neuron, value, anchor) =>
    editor.open(anchor.getAttribute("aria-label") ?? "Bias", value, anchor, (v) => send({ type: "edit_bias", layer, neuron, value: v }, anchor)),
});
const chart = new LossChart($("chart"));
const thumbs = new DatasetPicker($("dataset-thumbs"), (name) => setConfig({ dataset: name }, $("dataset")));
const controls = new Controls(document, {
  onConfig: (patch, source) => setConfig(patch, source),
  onUi: (patch) => store.set({ ui: { ...store.state.ui, ...patch } }),
});
// Divergence (issue 12): the map goes grey at the step it diverged; the banner's fix goes back to
// a rate that trained (rates.fix), in one click.
const rates = new RateMemory(defaultConfig().learning_rate);
/** @type {number | null} */
let divergedAt = null;
const banner = new Banner(document, () => {
  setConfig({ learning_rate: rates.fix(store.state.config.learning_rate) }, $("learning_rate"));
  control("reset", $("banner-fix"));
  store.set({ banner: null });
});
const compare = new CompareView(document, {
  onVariants: (variants, source) => send({ type: "compare", variants }, source),
  onToggle: () => {
    dirty.add("compare");
    requestPaint();
  },
});
const lessons = new LessonView(document, {
  onClose: () => store.set({ lesson: null, hidden: new Set() }),
  // "Switch to ReLU and restart": the change, then a fresh start from the seed.
  onAction: (action) => {
    setConfig(action.config, $("lesson-action"));
    control("reset", $("lesson-action"));
  },
});
const normChart = new NormChart($("norm-chart"));
// The chart tabs: Loss and Accuracy belong to the loss chart; Layer norms turns the norm chart on.
$("tab-norms").addEventListener("click", () => {
  if (store.state.ui.norms === "off") store.set({ ui: { ...store.state.ui, norms: "gradients" } });
});
for (const id of ["tab-loss", "tab-accuracy"]) {
  $(id).addEventListener("click", () => {
    if (store.state.ui.norms !== "off") store.set({ ui: { ...store.state.ui, norms: "off" } });
  });
}
$("tab-norms").addEventListener("keydown", (e) => {
  if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
  e.preventDefault();
  const next = e.key === "ArrowLeft" ? "tab-accuracy" : "tab-loss";
  $(next).click();
  $(next).focus();
});

// issue 16: the Sweep panel
const sweep = new SweepView(document, { onSweep: (message, source) => send(message, source) });

// ---------- lecture room (room.js): follow mode at /r/<code>, the presenter's room panel ----------
const wsBase = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
const room = new Room(document, wsBase, {
  send: (message, source) => send(message, source),
  reconnect: (url) => {
    socket.close();
    socket.resumeToken = null;
    socket.url = url;
    socket.attempt = 0;
    socket.connect();
  },
  toast: (message, anchor, kind) => toasts.show(message, anchor, kind),
});
// ---------- end lecture room ----------

// ---------- socket ----------
const socket = new Socket(room.socketUrl, {
  onState: (connection) => store.set({ connection }),
  onProtocolError: (err) => toasts.show(`Could not read a server message: ${err.message}`, null),
  onFrame: (frame) => {
    const t0 = performance.now();
    stats.frames++;
    const h = frame.header;
    /** @type {Partial<import("./store.js").State>} */
    const patch = { frame, step: h.step, epoch: h.epoch, playing: h.playing, metrics: h.metrics };
    const xy = frame.arrays.get("points");
    const split = frame.arrays.get("split");
    // A frame made before the points just drawn reached the server would put the old points
    // back on screen until the next one (for a moment, or for good while paused).
    const stale = (h.data_rev ?? 0) < pointsSent.dataRev && performance.now() - pointsSent.at < 2000;
    if (xy && split && !stale) {
      patch.points = { xy: /** @type {Float32Array} */ (xy.data), split: /** @type {Uint8Array} */ (split.data) };
      patch.dataRev = h.data_rev ?? store.state.dataRev + 1;
      if (store.state.config.dataset !== "user") drawn = null;
    }
    appendHistory(history, h.metrics_step ?? h.step, h.metrics);
    rates.observe(store.state.config.learning_rate, h.step, typeof h.metrics?.train_loss === "number");
    historyVersion++;
    normChart.append(h.metrics_step ?? h.step, h.metrics);
    if (stopMarker && h.step < stopMarker.step) stopMarker = null; // a reset: the curve starts again
    store.set(patch);
    stats.messageMs += performance.now() - t0;
  },
  onMessage: (m) => {
    // Typed by the protocol generated from the server's schema (src/protocol.d.ts).
    const msg = /** @type {import("./protocol").ServerMessage} */ (/** @type {unknown} */ (m));
    switch (msg.type) {
      case "hello": {
        // -- lecture room: a follower shows the presenter's run and sends nothing back; a fork
        // (or a run of one's own) reconnects on plain /ws with its resume token.
        room.hello(msg);
        if (msg.role === "follower") {
          wanted = null;
          wantedPoints = null;
          debug.session = { id: "", resumed: false };
          history = historyFrom(/** @type {Record<string, (number | null)[]>} */ (/** @type {unknown} */ (msg.history)));
          historyVersion++;
          store.set({ config: /** @type {import("./store.js").RunConfig} */ (msg.config), configRev: msg.rev, playing: msg.playing, step: msg.step, epoch: msg.epoch });
          break;
        }
        socket.url = wsBase;
        if (msg.forked_from) debug.session = undefined; // the fork has the config and points already
        // -- end lecture room
        // A new session (first visit, or the server forgot ours) gets the config the page shows:
        // the URL's on the first hello, the last applied one after a reconnect.
        const target = msg.resumed ? null : (wanted ?? (debug.session ? store.state.config : null));
        // The user's points go with the config: the link's, or those on screen when the server
        // forgot our session (a restart).
        const shown = store.state.points;
        const userPoints = msg.resumed
          ? null
          : (wantedPoints ?? (debug.session && store.state.config.dataset === "user" && shown ? triplets(shown.xy) : null));
        wantedPoints = null;
        debug.session = { id: msg.session_id, resumed: msg.resumed };
        history = historyFrom(/** @type {Record<string, (number | null)[]>} */ (/** @type {unknown} */ (msg.history)));
        historyVersion++;
        const config = /** @type {import("./store.js").RunConfig} */ (msg.config);
        store.set({ config, configRev: msg.rev, playing: msg.playing, step: msg.step, epoch: msg.epoch });
        // Every field the link names, not a diff: switching `problem` makes the server pick that
        // problem's point count unless the message names one, and the link does.
        const diff = target ? { ...target } : {};
        wanted = null;
        compare.setMaxLanes(msg.limits.max_lanes);
        if (Object.keys(diff).length > 0) send({ type: "config", ...diff }, null);
        if (userPoints && userPoints.length > 0) {
          drawn = userPoints;
          send({ type: "points", points: userPoints }, null);
        }
        // A new session compares what the page shows: a lesson's preset first, later the panel's values.
        if (!msg.resumed && firstHello) openComparePreset(initial.lesson, { ...config, ...target });
        else if (!msg.resumed) compare.resend($("compare-button"));
        // A link is a run: the model the new session made before the link's config arrived is
        // not the link's (other seed, init, layers), so start afresh from the config and seed.
        // A fork is the presenter's state at fork time: never reset it.
        if (!msg.resumed && !msg.forked_from) control("reset", null);
        sendStream();
        firstHello = false;
        viewsSent = VIEWS_OFF; // issue 15: a new connection's views start off
        sendViews();
        if (!msg.resumed) inspectLessonPoint(); // a lesson link's inspected point, on its fresh model
        break;
      }
      case "config":
        store.set({ config: /** @type {import("./store.js").RunConfig} */ (msg.config), configRev: msg.rev });
        if (lessonViewsDue !== undefined) { // issue 15: a lesson link's views, on its own layers
          openLessonViews(lessonViewsDue);
          inspectLessonPoint(); // answered after the link's reset (messages run in order)
          lessonViewsDue = undefined;
        }
        break;
      case "status":
        store.set({ playing: msg.playing, step: msg.step, epoch: msg.epoch });
        break;
      case "compare":
        compare.echo(msg.variants);
        sweep.clearPreparing(); // a compare replaces a sweep still being prepared
        break;
      case "inspect": // issue 15: the backprop inspector's reply
        lastInspect = /** @type {import("./inspector.js").InspectReply} */ (msg);
        dirty.add("moreViews");
        requestPaint();
        break;
      case "sweep": // issue 16
        sweep.echo(/** @type {any} */ (msg.axes));
        break;
      case "preparing": // issue 16: a width sweep waits for its wider models to compile
        sweep.preparing(msg);
        break;
      case "room": // lecture room (room.js)
        room.info(msg);
        break;
      case "leaderboard": // lecture room's challenge (room.js)
        room.leaderboard(msg);
        break;
      case "error": {
        if (msg.field === "axes") sweep.clearPreparing();
        const field = typeof msg.field === "string" ? document.querySelector(`[data-field="${msg.field}"]`) : null;
        const anchor = field && field.getClientRects().length > 0 ? field : lastSource;
        toasts.show(msg.message ?? "The server refused that change.", anchor);
        controls.render(store.state); // put the control back to the applied value
        break;
      }
      case "export": // issue 17: the server's model file, saved as a download
        saveBlob(msg.filename, new Blob([msg.text], { type: msg.format === "json" ? "application/json" : "text/x-python" }));
        toasts.show(`Saved ${msg.filename}.`, lastSource, "info");
        break;
      case "event":
        // The loss chart marks where training stopped (until a reset starts the curve again).
        stopMarker = { step: msg.step, label: msg.event === "diverged" ? "diverged" : "early stop" };
        dirty.add("chart");
        if (msg.event === "diverged") {
          divergedAt = msg.step;
          rates.diverged(store.state.config.learning_rate);
          store.set({ banner: { kind: "diverged", message: `Training diverged at step ${msg.step.toLocaleString("en-US")}: the loss became infinite or NaN.` } });
        }
        else if (msg.event === "early_stop") store.set({ banner: { kind: "early_stop", message: msg.message ?? "Early stopping: the validation loss stopped improving." } });
        break;
      default:
        break;
    }
  },
});

/**
 * @param {{type: string} & Record<string, unknown>} message
 * @param {Element | null} source  the control that caused it (errors are shown next to it)
 */
function send(message, source) {
  lastSource = source;
  if (room.blocks(message, source)) return; // a follower changes nothing (lecture room)
  if (!socket.send(message)) toasts.show("Not connected to the server yet; try again in a moment.", source);
}

/**
 * @param {Partial<import("./store.js").RunConfig>} patch
 * @param {Element | null} source
 */
function setConfig(patch, source) {
  const diff = configDiff(store.state.config, patch);
  if (Object.keys(diff).length > 0) send({ type: "config", ...diff }, source);
}

/**
 * @param {"play" | "pause" | "step" | "reset" | "regenerate"} action
 * @param {Element | null} source
 */
function control(action, source) {
  if (action === "reset") store.set({ banner: null });
  send({ type: "control", action }, source);
}

/** The pace as the server's steps_per_frame: it depends on the training-set size and batch. */
function paceSteps() {
  return stepsPerFrame(store.state.ui.pace, trainCount(), store.state.config.batch_size);
}

/** Where training stopped (an early stop or divergence event), marked on the loss chart. */
let stopMarker = /** @type {{step: number, label: string} | null} */ (null);

/** How many points were too many for a link, once told (the note is not repeated for them). */
let linkPointsWarned = 0;

/** @type {number | null | undefined} the steps_per_frame last sent (undefined: none yet) */
let lastStream;

function sendStream() {
  lastStream = paceSteps();
  send({ type: "stream", fps: FPS, steps_per_frame: lastStream }, runbar.pace);
}

/** Draw mode: edit the user's points (starting from the data on screen) and send them. */
/** @param {(points: [number, number, number][]) => void} change */
function editPoints(change) {
  if (!drawn) drawn = triplets(store.state.points?.xy ?? []);
  change(drawn);
  showDrawn();
  if (drawn.length > 0) {
    send({ type: "points", points: drawn }, $("heatmap"));
    // Each accepted points message moves the server's data_rev on by one.
    pointsSent = { dataRev: Math.max(pointsSent.dataRev, store.state.dataRev) + 1, at: performance.now() };
  }
}

/**
 * @param {ArrayLike<number>} xyl  flat x1, x2, label triplets
 * @returns {[number, number, number][]}
 */
function triplets(xyl) {
  /** @type {[number, number, number][]} */
  const out = [];
  for (let i = 0; i + 2 < xyl.length; i += 3) out.push([xyl[i], xyl[i + 1], xyl[i + 2]]);
  return out;
}

function showDrawn() {
  const pts = drawn ?? [];
  store.set({ points: { xy: Float32Array.from(pts.flat()), split: new Uint8Array(pts.length).fill(1) } });
}

// ---------- buttons ----------
$("play").addEventListener("click", () => control(store.state.playing ? "pause" : "play", $("play")));
$("step").addEventListener("click", () => control("step", $("step")));
$("reset").addEventListener("click", () => control("reset", $("reset")));
$("regenerate").addEventListener("click", () => control("regenerate", $("regenerate")));
$("add-layer").addEventListener("click", () => {
  const hidden = store.state.config.hidden_layers;
  if (hidden.length < options.capacity.layers) setConfig({ hidden_layers: [...hidden, 2] }, $("add-layer"));
});
$("remove-layer").addEventListener("click", () => setConfig({ hidden_layers: store.state.config.hidden_layers.slice(0, -1) }, $("remove-layer")));
$("presenter").addEventListener("click", () => store.set({ presenter: !store.state.presenter }));
$("draw").addEventListener("click", () => store.set({ drawMode: !store.state.drawMode }));
$("clear-points").addEventListener("click", () => {
  drawn = [];
  showDrawn();
  store.set({ drawMode: true });
  toasts.show("Cleared: click the output to add points.", $("clear-points"), "info");
});
$("download-csv").addEventListener("click", () => {
  const p = store.state.points;
  if (!p || p.split.length === 0) return toasts.show("There is no data to download yet.", $("download-csv"));
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([serializeCsv(p.xy)], { type: "text/csv" }));
  a.download = `nnplayground-${store.state.config.dataset}.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});
const csvInput = /** @type {HTMLInputElement} */ ($("csv-file"));
$("upload-csv").addEventListener("click", () => csvInput.click());
csvInput.addEventListener("change", async () => {
  const file = csvInput.files?.[0];
  csvInput.value = "";
  if (!file) return;
  const anchor = $("upload-csv");
  try {
    const { problem, dataset, num_classes } = store.state.config;
    const classes = MULTI_CLASS_DATASETS.includes(dataset) ? num_classes : 2;
    const rows = parseCsv(await file.text(), { problem: problem === "regression" ? "regression" : "classification", maxClasses: classes });
    drawn = rows;
    showDrawn();
    send({ type: "points", points: rows }, anchor);
    toasts.show(`Loaded ${rows.length} points from ${file.name}.`, anchor, "info");
  } catch (err) {
    // More classes than the current data has: the class count is chosen on a K-class dataset first.
    const hint = err instanceof CsvError && err.message.includes("must be a class") ? " For more classes, pick Blobs or the K-arm spiral, set Classes, then upload again." : "";
    toasts.show(err instanceof CsvError ? `${file.name}: ${err.message}.${hint}` : String(err), anchor);
  }
});

// ---------- take it with you (issue 17): pictures, model files, embed (export.js) ----------
const embed = embedOptions(location.search);
if (embed) {
  applyEmbed(document, embed);
  // Only the network in use: no feature toggles or layer buttons in a slide.
  store.set({ hidden: new Set([...store.state.hidden, "features", "network"]) });
}
function pictureTitle() {
  const c = store.state.config;
  return `${c.dataset} · ${c.features.join(", ")} · ${c.hidden_layers.join("-") || "no hidden layer"} · ${c.activation} · step ${store.state.step}`;
}
/**
 * @param {string} id  the button
 * @param {string} what  "output" | "network"
 * @param {() => Promise<Blob>} draw
 */
function pictureButton(id, what, draw) {
  $(id).addEventListener("click", async () => {
    try {
      saveBlob(pictureName(store.state.config, store.state.step, what), await draw());
    } catch (err) {
      toasts.show(`Could not make the picture: ${err instanceof Error ? err.message : err}`, $(id));
    }
  });
}
pictureButton("save-output-picture", "output", () =>
  outputPicture(heatmap, Heatmap, /** @type {HTMLCanvasElement} */ ($("heatmap")), store.state.config, pictureTitle()));
pictureButton("save-network-picture", "network", () => networkPicture($("network"), pictureTitle()));
for (const format of /** @type {const} */ (["json", "python", "jax"])) {
  $(`export-${format}`).addEventListener("click", () => send({ type: "export", format }, $(`export-${format}`)));
}
const modelInput = /** @type {HTMLInputElement} */ ($("model-file"));
$("import-model").addEventListener("click", () => modelInput.click());
modelInput.addEventListener("change", async () => {
  const file = modelInput.files?.[0];
  modelInput.value = "";
  if (!file) return;
  try {
    send({ type: "import", text: await readModelFile(file, 1_048_576) }, $("import-model"));
  } catch (err) {
    toasts.show(err instanceof Error ? err.message : String(err), $("import-model"));
  }
});
// ---------- end of take it with you ----------

installShortcuts(document, {
  togglePlay: () => control(store.state.playing ? "pause" : "play", $("play")),
  step: () => control("step", $("step")),
  reset: () => control("reset", $("reset")),
  togglePresenter: () => store.set({ presenter: !store.state.presenter }),
});

// A pasted link or a lesson: apply its whole config and start the run afresh. Nothing of the run
// before it stays: its compare lanes end (unless the new lesson compares), its panels close.
window.addEventListener("hashchange", () => {
  if (!location.hash.includes("=")) return; // an in-page anchor (the skip link), not a run spec
  const parsed = parseHash(location.hash);
  reportLinkErrors(parsed.errors);
  store.set({ lesson: parsed.lesson, hidden: new Set(parsed.hidden), ui: { ...defaultUi(), ...parsed.ui }, banner: null, drawMode: false, hoverNeuron: null });
  send({ type: "config", ...linkConfig(parsed.config) }, null); // the whole config, as on a first hello
  if (parsed.points) {
    drawn = parsed.points;
    send({ type: "points", points: parsed.points }, null);
  }
  const config = { ...defaultConfig(), ...parsed.config };
  if (!openComparePreset(parsed.lesson, config) && (compare.isOpen || compare.chosen().length > 0)) compare.toggle(false);
  // A fresh run, paused like a page just opened: the student reads the caption, then presses Space.
  if (store.state.playing) control("pause", null);
  control("reset", null); // after compare: every lane restarts from its own seed
  lessonViewsDue = parsed.lesson; // issue 15: its views open once the config's echo is in the store
});

/**
 * The config a link asks for: its fields, the defaults for the rest — except the fields a
 * `problem` switch chooses itself (dataset, point count, loss) when the link leaves them out.
 * @param {Partial<import("./store.js").RunConfig>} named
 */
function linkConfig(named) {
  /** @type {Record<string, unknown>} */
  const out = { ...defaultConfig(), ...named };
  if ("problem" in named) for (const k of ["dataset", "num_points", "loss"]) if (!(k in named)) delete out[k];
  return out;
}

/** The training examples of the data on screen (the split the server sent), else the config's estimate. */
function trainCount() {
  const s = store.state;
  const split = s.points?.split;
  if (!split) return Math.round(s.config.num_points * s.config.train_ratio);
  let n = 0;
  for (const v of split) if (v === 1) n++;
  return n;
}

/**
 * A lesson that compares opens the Compare panel with its values (after its config, before reset).
 * @param {string | null} id
 * @param {Record<string, unknown>} config  the config the lesson sets
 * @returns {boolean}  whether it did
 */
function openComparePreset(id, config) {
  const preset = id ? findLesson(id)?.compare : undefined;
  if (preset) compare.preset(preset, config[preset.field], $("compare-button"));
  return preset !== undefined;
}

// ---------- paint: views are marked dirty by store changes, painted in one animation frame ----------
const dirty = new Set();
let rafPending = false;
/** @type {Record<string, string[]>} */
const WATCH = {
  heatmap: ["frame", "points", "config", "ui", "hoverNeuron", "drawMode", "presenter", "banner"],
  network: ["frame", "config", "hoverNeuron", "presenter", "hidden"],
  chart: ["frame", "ui", "config", "presenter"],
  norms: ["frame", "ui", "presenter"],
  runbar: ["playing", "step", "epoch", "metrics", "connection", "config", "presenter"],
  controls: ["config", "ui", "hidden", "drawMode"],
  lesson: ["lesson"],
  banner: ["banner"],
  compare: ["frame", "config", "ui"],
  sweep: ["frame"], // issue 16
  url: ["config", "ui", "hidden", "lesson", "points"],
  moreViews: ["frame", "config", "points"], // issue 15
};
store.subscribe((changed) => {
  for (const [view, keys] of Object.entries(WATCH)) if (keys.some((k) => changed.has(/** @type {any} */ (k)))) dirty.add(view);
  if (["ui", "points", "config"].some((k) => changed.has(/** @type {any} */ (k)))) dirty.add("stream");
  requestPaint();
});
new ResizeObserver(() => {
  ["heatmap", "network", "chart", "compare"].forEach((v) => dirty.add(v));
  requestPaint();
}).observe($("board"));

function requestPaint() {
  if (rafPending) return;
  rafPending = true;
  requestAnimationFrame(paint);
}

function paint() {
  rafPending = false;
  stats.rafs++;
  if (dirty.size === 0) return;
  const t0 = performance.now();
  stats.paints++;
  const s = store.state;
  const c = s.config;
  const frameFresh = s.frame !== null && s.frame.header.config_rev === s.configRev;
  const biases = s.frame?.arrays.get("biases")?.data.length;
  const guess = c.problem === "classification" && (c.num_classes > 2 || c.loss === "softmax") ? c.num_classes : 1;
  const hiddenSum = c.hidden_layers.reduce((a, b) => a + b, 0);
  const outputs = frameFresh && biases !== undefined && biases > hiddenSum ? biases - hiddenSum : guess;
  if (dirty.has("heatmap")) {
    heatmap.update({
      frame: s.frame, points: s.points, problem: c.problem, numClasses: c.num_classes, discretize: s.ui.discretize,
      showTest: s.ui.show_test, hoverNeuron: s.hoverNeuron, hoverLabel: neuronLabel(s.hoverNeuron, c.hidden_layers),
      drawMode: s.drawMode, presenter: s.presenter, diverged: s.banner?.kind === "diverged" ? divergedAt : null,
    });
    heatmap.paint();
    const classes = c.problem === "classification" ? (MULTI_CLASS_DATASETS.includes(c.dataset) ? c.num_classes : 2) : 0;
    paintLegend($("output-legend"), { problem: c.problem, classes, showTest: s.ui.show_test });
  }
  if (dirty.has("network")) {
    network.update({
      allFeatures: options.lists.features.length ? options.lists.features : Object.keys(FEATURE_INFO), features: c.features,
      hidden: c.hidden_layers, outputs, maxLayers: options.capacity.layers, maxWidth: options.capacity.width,
      frame: frameFresh ? s.frame : null, hoverNeuron: s.hoverNeuron, presenter: s.presenter, classification: c.problem === "classification",
      editFeatures: !s.hidden.has("features"), editLayers: !s.hidden.has("network"),
    });
    network.paint();
    $("network").classList.toggle("batch-norm", c.batch_norm === true); // issue 16: layer heads say "· BN"
  }
  if (dirty.has("chart")) {
    const unit = paceUnit(s.ui.pace);
    const perEpoch = stepsPerEpoch(trainCount(), c.batch_size);
    chart.update({ history, version: historyVersion, logScale: s.ui.log_scale, smoothing: s.ui.smoothing, regression: c.problem === "regression", validation: c.val_ratio > 0, presenter: s.presenter,
      xUnit: unit, stepsPerUnit: unit === "epoch" ? perEpoch : 1, marker: stopMarker });
    chart.paint();
  }
  if (dirty.has("runbar")) runbar.paint(s, options.capacity.layers);
  if (dirty.has("controls")) {
    controls.render(s);
    thumbs.paint(c.problem, c.dataset, options.lists[c.problem] ?? [], controls.labeller(c.problem));
    fillDrawClasses(/** @type {HTMLSelectElement} */ ($("draw-class")), c.problem === "classification" ? (MULTI_CLASS_DATASETS.includes(c.dataset) ? c.num_classes : 2) : 0, c.problem === "regression");
    $("draw").setAttribute("aria-pressed", String(s.drawMode));
  }
  if (dirty.has("compare")) {
    compare.update({ frame: s.frame, config: /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (c)), problem: c.problem, numClasses: c.num_classes, discretize: s.ui.discretize });
    compare.paint();
  }
  if (dirty.has("moreViews")) paintMoreViews(); // issue 15
  if (dirty.has("sweep")) sweep.paint(s.frame); // issue 16
  if (dirty.has("lesson")) lessons.paint(s.lesson);
  if (dirty.has("banner")) banner.paint(s.banner, s.banner?.kind === "diverged" ? rates.fix(c.learning_rate) : null);
  if (room.role === "follower") room.setReadOnly(true); // views may have re-created controls (lecture room)
  if (dirty.has("url")) {
    const hash = `#${store.hash()}`;
    if (hash !== location.hash) window.history.replaceState(null, "", hash);
    // Past the link's limit the points stay out of it: say so once.
    const count = c.dataset === "user" ? (s.points?.split.length ?? 0) : 0;
    if (count > MAX_LINK_POINTS && count !== linkPointsWarned) {
      linkPointsWarned = count;
      toasts.show(`The link leaves out your ${count.toLocaleString("en-US")} points (it carries at most ${MAX_LINK_POINTS.toLocaleString("en-US")}); download them as CSV to share them.`, $("download-csv"), "info");
    }
  }
  // The pace is re-sent when it, the batch size or the training-set size changes.
  if (dirty.has("stream") && lastStream !== undefined && paceSteps() !== lastStream && s.connection === "open") sendStream();
  if (dirty.has("norms") || dirty.has("chart")) {
    // issue 11 in issue 12's tab strip: "Layer norms" is the third tab, on while ui.norms is set.
    const on = s.ui.norms !== "off";
    $("norm-panel").hidden = !on;
    $("chart").hidden = on;
    /** @type {[string, boolean][]} */
    const tabs = [["tab-loss", !on && chart.view === "loss"], ["tab-accuracy", !on && chart.view === "accuracy"], ["tab-norms", on]];
    for (const [id, selected] of tabs) {
      $(id).setAttribute("aria-selected", String(selected));
      $(id).tabIndex = selected ? 0 : -1;
    }
    const unit = paceUnit(s.ui.pace);
    normChart.update(s.ui.norms === "weights" ? "weights" : "gradients", s.presenter, unit, unit === "epoch" ? stepsPerEpoch(trainCount(), c.batch_size) : 1);
    normChart.paint();
  }
  dirty.clear();
  stats.paintMs += performance.now() - t0;
}

/**
 * @param {number | null} n
 * @param {number[]} hidden
 */
function neuronLabel(n, hidden) {
  if (n === null) return "";
  let rest = n;
  for (let l = 0; l < hidden.length; l++) {
    if (rest < hidden[l]) return `Neuron ${rest + 1} of layer ${l + 1}`;
    rest -= hidden[l];
  }
  return "";
}

/** @param {string[]} errors  unreadable entries of a link, each "<key>: <reason>" */
function reportLinkErrors(errors) {
  if (errors.length > 0) toasts.show(`Ignored in the link: ${errors.join("; ")}`, null);
}

// ---------- More views (issue 15): landscape, hidden space, backprop inspector, confusion ----------
const landscapeView = new LandscapeView(/** @type {HTMLCanvasElement} */ ($("landscape-canvas")), $("landscape-caption"));
const warpView = new WarpView(/** @type {HTMLCanvasElement} */ ($("warp-canvas")), $("warp-caption"), {
  layer: /** @type {HTMLSelectElement} */ ($("warp-layer")), x: /** @type {HTMLSelectElement} */ ($("warp-x")),
  y: /** @type {HTMLSelectElement} */ ($("warp-y")), pca: /** @type {HTMLInputElement} */ ($("warp-pca")),
});
const inspectorView = new InspectorView(/** @type {SVGSVGElement} */ (/** @type {unknown} */ ($("inspect-svg"))), $("inspect-summary"), /** @type {HTMLTableSectionElement} */ ($("inspect-rows")));
const confusionView = new ConfusionView($("confusion-tables"));
/** @type {import("./inspector.js").InspectReply | null} */
let lastInspect = null;
const VIEWS_OFF = JSON.stringify({ landscape: false, warp: null, confusion: false });
let viewsSent = VIEWS_OFF;
Object.assign(debug, { views: { landscape: landscapeView, warp: warpView, inspector: inspectorView, confusion: confusionView } });
/** @param {string} name */
const viewOpen = (name) => !$(`view-${name}`).hidden;
const VIEW_NAMES = ["landscape", "warp", "inspector", "confusion"];
/** @param {string} name @param {boolean} open */
function setViewOpen(name, open) {
  $(`view-${name}`).hidden = !open;
  $(`view-${name}-button`).setAttribute("aria-pressed", String(open));
  if (name === "warp") warpView.setup(store.state.config.hidden_layers);
  sendViews();
  dirty.add("moreViews");
  requestPaint();
}
for (const name of VIEW_NAMES) $(`view-${name}-button`).addEventListener("click", () => setViewOpen(name, !viewOpen(name)));
/** The training point a lesson's inspector opens on, asked for after the lesson's reset. */
let lessonInspect = /** @type {number | null} */ (null);
/** A lesson link opened in this page, whose views open when its config's echo arrives. */
let lessonViewsDue = /** @type {string | null | undefined} */ (undefined);
/**
 * A lesson's More views (lessons.json `views`): exactly those open, with the panels' defaults
 * (the PCA plane; the last hidden layer's neurons 1 and 2), as its claim test asks for them.
 * @param {string | null} id
 */
function openLessonViews(id) {
  const lesson = id ? findLesson(id) : undefined;
  if (!lesson) return;
  /** @type {HTMLSelectElement} */ ($("landscape-directions")).value = "pca";
  /** @type {HTMLInputElement} */ ($("warp-pca")).checked = false;
  for (const sel of ["warp-x", "warp-y"]) /** @type {HTMLSelectElement} */ ($(sel)).replaceChildren();
  warpView.followLast = true; // the last hidden layer, until the student picks one
  warpView.shape = ""; // refill the selects from the defaults
  lastInspect = null;
  lessonInspect = lesson.inspect ?? null;
  for (const name of VIEW_NAMES) setViewOpen(name, lesson.views.includes(name));
}
/** Ask the inspector about the lesson's point (after the reset that made the lesson's model). */
function inspectLessonPoint() {
  if (lessonInspect !== null) inspect(lessonInspect);
  lessonInspect = null;
}
$("landscape-directions").addEventListener("change", () => sendViews());
$("warp-layer").addEventListener("change", () => {
  warpView.followLast = false;
  warpView.setupNeurons(store.state.config.hidden_layers);
  sendViews();
});
for (const id of ["warp-x", "warp-y", "warp-pca"]) $(id).addEventListener("change", () => sendViews());

/** What this tab's frames should carry; sent when it changes (and after every hello). */
function sendViews() {
  const warp = viewOpen("warp") && store.state.config.hidden_layers.length > 0 ? warpView.request() : null;
  const classification = store.state.config.problem === "classification";
  const message = {
    type: "views", landscape: viewOpen("landscape"), directions: /** @type {HTMLSelectElement} */ ($("landscape-directions")).value,
    warp, confusion: viewOpen("confusion") && classification,
  };
  const { landscape, confusion } = message;
  const key = JSON.stringify(landscape ? { landscape, directions: message.directions, warp, confusion } : { landscape, warp, confusion });
  if (key !== viewsSent && socket.send(message)) viewsSent = key;
}

/** @param {number} point  an index into the frame's points */
function inspect(point, apply = false) {
  /** @type {HTMLInputElement} */ ($("inspect-point")).value = String(point);
  send({ type: "inspect", point, apply }, $("inspect-go"));
}
$("inspect-go").addEventListener("click", () => inspect(Number(/** @type {HTMLInputElement} */ ($("inspect-point")).value)));
$("inspect-apply").addEventListener("click", () => inspect(Number(/** @type {HTMLInputElement} */ ($("inspect-point")).value), true));
$("inspect-random").addEventListener("click", () => {
  const split = store.state.points?.split ?? new Uint8Array(0);
  const train = [];
  for (let i = 0; i < split.length; i++) if (split[i] === 1) train.push(i);
  if (train.length > 0) inspect(train[Math.floor(Math.random() * train.length)]);
});
// Clicking a training point on the output inspects it while the inspector is open (not in draw mode).
$("heatmap").addEventListener("click", (e) => {
  const p = store.state.points;
  if (!viewOpen("inspector") || store.state.drawMode || !p) return;
  const rect = $("heatmap").getBoundingClientRect();
  const x1 = ((e.clientX - rect.left) / rect.width) * 12 - 6;
  const x2 = 6 - ((e.clientY - rect.top) / rect.height) * 12;
  let best = -1;
  let bestD = 0.5 ** 2;
  for (let i = 0; i < p.split.length; i++) {
    const d = (p.xy[3 * i] - x1) ** 2 + (p.xy[3 * i + 1] - x2) ** 2;
    if (p.split[i] === 1 && d < bestD) [best, bestD] = [i, d];
  }
  if (best >= 0) inspect(best);
});

function paintMoreViews() {
  const s = store.state;
  const c = s.config;
  warpView.setup(c.hidden_layers);
  sendViews(); // a config change can change what the views need (a removed layer, regression)
  if (viewOpen("landscape")) landscapeView.paint(s.frame);
  if (viewOpen("warp")) warpView.paint(s.frame, s.points, c.problem === "classification");
  if (viewOpen("confusion")) confusionView.paint(s.frame);
  if (viewOpen("inspector")) {
    const i = lastInspect?.point ?? -1;
    const xy = s.points?.xy;
    const point = xy && i >= 0 && xy.length >= 3 * (i + 1) ? { x1: xy[3 * i], x2: xy[3 * i + 1], label: xy[3 * i + 2] } : null;
    inspectorView.paint(lastInspect, c.features, point, c.problem === "classification");
  }
}
// ---------- end More views (issue 15) ----------

// ---------- start ----------
reportLinkErrors(initial.errors);
openLessonViews(initial.lesson); // before the socket: its first hello sends them
installLayout(document);
fetch("/api/options")
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`GET /api/options: HTTP ${r.status}`))))
  .then((doc) => {
    options = readOptions(doc);
    controls.setOptions(options);
    for (const v of ["controls", "network"]) dirty.add(v);
    requestPaint();
  })
  .catch((err) => toasts.show(`Could not load the options: ${err.message}`, null));
for (const v of Object.keys(WATCH)) dirty.add(v);
requestPaint();
debug.socket = socket;
socket.connect();
