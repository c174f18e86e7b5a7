// The one websocket of a tab: connect, decode, reconnect with the resume token. Knows nothing of
// the DOM or the store; main.js wires its callbacks.

import { decodeFrame } from "./frame.js";

/** @typedef {"connecting" | "open" | "reconnecting" | "closed"} ConnectionState */

/**
 * @typedef {object} SocketHandlers
 * @property {(message: Record<string, unknown> & {type: string}) => void} onMessage  text messages
 * @property {(frame: import("./frame.js").Frame) => void} onFrame  binary frames
 * @property {(state: ConnectionState) => void} onState
 * @property {(error: Error) => void} onProtocolError  undecodable input (a bug, not a network blip)
 */

/** Reconnect delays in ms; the last one repeats. */
const BACKOFF = [250, 500, 1000, 2000, 4000];

export class Socket {
  /**
   * @param {string} url  ws://host/ws
   * @param {SocketHandlers} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.ws = null;
    /** @type {string | null} */
    this.resumeToken = null;
    this.attempt = 0;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    this.closedByUs = false;
    /** Deflated frames being inflated, and the chain that keeps messages in order behind them. */
    this.inflating = 0;
    /** @type {Promise<unknown>} */
    this.queue = Promise.resolve();
  }

  connect() {
    this.closedByUs = false;
    const url = this.resumeToken ? `${this.url}?resume=${encodeURIComponent(this.resumeToken)}` : this.url;
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.handlers.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    ws.onopen = () => {
      this.attempt = 0;
      this.handlers.onState("open");
    };
    ws.onmessage = (event) => this.arrive(event.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closedByUs) {
        this.handlers.onState("closed");
        return;
      }
      this.handlers.onState("reconnecting");
      const delay = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)];
      this.attempt++;
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  /**
   * A lecture room's follower may get deflated frames (docs/protocol.md): inflated off the
   * message handler, and while one is inflating, later messages wait behind it (order kept).
   * @param {unknown} data
   */
  arrive(data) {
    if (this.inflating === 0 && !isDeflated(data)) return this.receive(data);
    this.inflating++;
    this.queue = this.queue
      .then(() => (isDeflated(data) ? inflate(/** @type {ArrayBuffer} */ (data)) : data))
      .then((ready) => this.receive(ready))
      .catch((err) => this.handlers.onProtocolError(err instanceof Error ? err : new Error(String(err))))
      .finally(() => this.inflating--);
  }

  /** @param {unknown} data */
  receive(data) {
    try {
      if (data instanceof ArrayBuffer) {
        this.handlers.onFrame(decodeFrame(data));
        return;
      }
      const message = JSON.parse(String(data));
      if (typeof message !== "object" || message === null || typeof message.type !== "string") {
        throw new Error(`message without a type: ${String(data).slice(0, 80)}`);
      }
      if (message.type === "hello" && typeof message.resume_token === "string") this.resumeToken = message.resume_token;
      this.handlers.onMessage(message);
    } catch (err) {
      this.handlers.onProtocolError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Send one client message; false when not connected (the caller decides what to tell the user).
   * @param {{type: string} & Record<string, unknown>} message
   * @returns {boolean}
   */
  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  close() {
    this.closedByUs = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
  }
}

/** @param {unknown} data */
function isDeflated(data) {
  return data instanceof ArrayBuffer && data.byteLength > 4 && new DataView(data).getUint32(0, true) === 0xffffffff;
}

/**
 * The plain frame of a deflated one (4 marker bytes, then a zlib stream).
 * @param {ArrayBuffer} data
 * @returns {Promise<ArrayBuffer>}
 */
function inflate(data) {
  const stream = new Blob([data.slice(4)]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(stream).arrayBuffer();
}
