// One-click lessons: each is just a URL hash (a full config from the declarative table) plus a
// two-sentence caption. Opening one is the same as opening its link.

import { defaultConfig, defaultUi, serializeHash } from "./store.js";

/**
 * @typedef {object} ComparePreset  variants the Compare panel opens with (not part of the URL)
 * @property {string} field
 * @property {(string | number | number[])[]} values
 */

/**
 * @typedef {object} Lesson
 * @property {string} id
 * @property {string} title
 * @property {string} caption  two sentences: what to look at, and why
 * @property {string} hash     without the leading #
 * @property {ComparePreset} [compare]
 */

/**
 * @param {string} id
 * @param {string} title
 * @param {string} caption
 * @param {Partial<import("./store.js").RunConfig>} config
 * @param {Partial<import("./store.js").UiState>} [ui]
 * @param {string[]} [hidden]
 * @returns {Lesson}
 */
function lesson(id, title, caption, config, ui = {}, hidden = []) {
  return { id, title, caption, hash: serializeHash({ ...defaultConfig(), ...config }, { ...defaultUi(), ...ui }, hidden, id) };
}

/** @type {readonly Lesson[]} */
export const LESSONS = Object.freeze([
  lesson("perceptron-xor", "A perceptron cannot learn XOR",
    "With no hidden layer the network can only draw one straight line, and no line separates XOR's diagonal quadrants. Press play: the loss stalls near chance however long it trains.",
    { dataset: "xor", hidden_layers: [], learning_rate: 0.1 }, {}, ["features"]),
  lesson("hidden-layer-xor", "A hidden layer can",
    "Add one hidden layer of four tanh neurons and the boundary bends around the quadrants. Hover the neurons to see the simple lines the output combines.",
    { dataset: "xor", hidden_layers: [4], learning_rate: 0.1 }),
  lesson("xor-feature", "The x₁x₂ feature makes XOR linear",
    "The product x₁·x₂ is positive in exactly the quadrants of one class, so with that input a single output neuron separates the data. Good features can replace depth.",
    { dataset: "xor", hidden_layers: [], features: ["x1", "x2", "x1x2"], learning_rate: 0.1 }),
  lesson("lr-too-small", "Learning rate too small",
    "With a learning rate of 0.0001 every step is tiny: the loss curve barely moves for thousands of steps. Raise the learning rate while it plays and watch it take off.",
    { dataset: "circle", learning_rate: 0.0001 }),
  lesson("lr-too-large", "Learning rate too large",
    "At a learning rate of 10 every step overshoots the minimum by more than it corrects, so the error grows until it is infinite. Training stops and the page offers to lower the rate and start again.",
    { problem: "regression", dataset: "plane", num_points: 1200, learning_rate: 10 }),
  {
    ...lesson("lr-side-by-side", "Learning rates side by side",
      "Four copies of one network train at once with learning rates 0.003, 0.03, 0.3 and 3 (the Compare panel). The smallest crawls, the middle ones fit the plane, and at 3 every step overshoots until the loss is infinite: that model is marked Diverged while the others train on.",
      { problem: "regression", dataset: "plane", num_points: 1200, learning_rate: 0.03 }),
    compare: { field: "learning_rate", values: [0.003, 0.3, 3] },
  },
  lesson("batch-noise", "Batch size and noise",
    "Each step uses one noisy example, so the training loss zig-zags. Drag the batch size up while it plays: larger batches average the noise away and the curve calms down.",
    { dataset: "gauss", noise: 35, batch_size: 1 }, { smoothing: 0 }),
  lesson("momentum-adam", "Momentum and Adam vs plain SGD",
    "The spiral is slow to learn with plain SGD. Adam adapts a step size per weight and keeps momentum; switch the optimizer back to SGD to compare how far each gets.",
    { dataset: "spiral", hidden_layers: [8, 8, 6], optimizer: "adam", learning_rate: 0.01, features: ["x1", "x2", "sinx1", "sinx2"] }),
  lesson("zero-init", "Zero initialisation keeps neurons identical",
    "Every neuron starts with the same (zero) weights, so each receives the same gradient and they stay copies of each other. Hover the neurons: the layer acts like a single neuron.",
    { dataset: "circle", hidden_layers: [4, 4], init: "zero", learning_rate: 0.1 }),
  lesson("l2-shrinks", "L2 shrinks the weights",
    "L2 regularization adds the squared weights to the loss, so every step pulls weights toward zero. Watch the links thin out and the boundary smooth; set L2 to 0 to see them grow back.",
    { dataset: "spiral", hidden_layers: [8, 8], l2: 0.01, features: ["x1", "x2", "x1sq", "x2sq", "sinx1", "sinx2"], optimizer: "adam", learning_rate: 0.01 }),
  lesson("dropout-overfitting", "Dropout against overfitting",
    "With few noisy points a big network memorises the training set and the test loss climbs. Dropout switches random neurons off at each step; compare the test loss with the rate at 0.",
    { dataset: "gauss", noise: 45, num_points: 60, hidden_layers: [8, 8, 8], dropout: 0.3, optimizer: "adam", learning_rate: 0.01 }, { show_test: true }),
  lesson("softmax-spiral", "Softmax on a 3-class spiral",
    "Three arms need three outputs: softmax turns them into class probabilities and the map shows the winning class. Its confidence fades to grey where classes meet.",
    { dataset: "multi_spiral", num_classes: 3, loss: "softmax", hidden_layers: [8, 8, 8], features: ["x1", "x2", "sinx1", "sinx2"], activation: "relu", optimizer: "adam", learning_rate: 0.01 }),
  lesson("vanishing-gradients", "Deep sigmoid nets and vanishing gradients",
    "Six sigmoid layers each shrink the gradient by up to four times, so the first layers hardly learn. Switch the activation to ReLU or tanh while it plays and watch training speed up.",
    { dataset: "circle", hidden_layers: [6, 6, 6, 6, 6, 6], activation: "sigmoid", learning_rate: 0.3 }),
  // issue 16 (the engine's test_batch_norm checks the claim: six sigmoid layers stall without it)
  lesson("batch-norm-deep-sigmoid", "Batch normalization trains a deep sigmoid net",
    "Each hidden layer's inputs are rescaled to zero mean and unit variance over the minibatch, so the sigmoids stay in their steep middle and gradients reach the first layers. Untick Batch normalization and press reset: the same net stalls.",
    { dataset: "circle", hidden_layers: [8, 8, 8, 8, 8, 8], activation: "sigmoid", learning_rate: 0.1, batch_norm: true }),
]);

/**
 * @param {string | null} id
 * @returns {Lesson | undefined}
 */
export function findLesson(id) {
  return LESSONS.find((l) => l.id === id);
}
