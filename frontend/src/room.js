// Lecture rooms on the page (docs/protocol.md "Lecture rooms"): the presenter's "Lecture room"
// panel (join code, URL, QR code, follower count) and follow mode at /r/<code> (read-only
// controls, a banner with Fork, then "Back to the lecture"). main.js wires it: `send` goes to
// the socket, `reconnect` reopens the socket on another URL, `toast` shows a message.

/** @typedef {import("./protocol").RoomInfo} RoomInfo */
/** @typedef {{type: string} & Record<string, unknown>} Outgoing */

/**
 * @typedef {object} RoomHooks
 * @property {(message: Outgoing, source: Element | null) => void} send
 * @property {(url: string) => void} reconnect  reopen the socket on `url` without a resume token
 * @property {(message: string, anchor: Element | null, kind?: "error" | "info") => void} toast
 */

/** The room code of a join URL's path (`/r/<code>`), else null. */
export function roomCodeOf(/** @type {string} */ pathname) {
  const m = /^\/r\/([A-Za-z0-9-]{4,32})\/?$/.exec(pathname);
  return m ? m[1].toUpperCase() : null;
}

/** Client messages a follower may send: only `fork` (the server refuses the rest anyway). */
const FOLLOWER_MAY_SEND = new Set(["fork"]);
/** Controls that stay usable while following: the room banner's, presenter mode, lessons. */
const KEEP_ENABLED = "#room-banner *, #presenter, #lessons-button, .skip";

export class Room {
  /**
   * @param {Document} doc
   * @param {string} wsBase  ws(s)://host/ws
   * @param {RoomHooks} hooks
   */
  constructor(doc, wsBase, hooks) {
    this.doc = doc;
    this.wsBase = wsBase;
    this.hooks = hooks;
    /** The room this tab follows or forked from (null: a run of one's own). */
    this.code = roomCodeOf(location.pathname);
    /** @type {"owner" | "follower"} */
    this.role = this.code ? "follower" : "owner";
    /** @type {RoomInfo | null} the room this tab presents */
    this.open = null;
    /** @type {RoomInfo | null} the room this tab follows */
    this.followed = null;
    /** @type {{room: string, step: number} | null} */
    this.forkedFrom = null;
    /** @type {Set<Element>} controls this module disabled (and only those get re-enabled) */
    this.disabled = new Set();
    this.button = this.makeButton();
    this.panel = this.makePanel();
    this.banner = this.makeBanner();
  }

  /** The socket URL to start with: the room's stream when following. */
  get socketUrl() {
    return this.code ? this.roomUrl(this.code) : this.wsBase;
  }

  /** A room's stream, deflated (a hall's Wi-Fi carries about 1.7× the frames). */
  roomUrl(/** @type {string} */ code) {
    return `${this.wsBase}?room=${encodeURIComponent(code)}&deflate=1`;
  }

  // ---------- from the server ----------
  /** @param {{role?: string, room?: RoomInfo | null, forked_from?: {room: string, step: number} | null}} hello */
  hello(hello) {
    this.role = hello.role === "follower" ? "follower" : "owner";
    if (this.role === "follower") {
      this.followed = hello.room ?? null;
      this.forkedFrom = null;
    } else if (hello.forked_from) {
      this.forkedFrom = hello.forked_from;
    }
    this.setReadOnly(this.role === "follower");
    this.paint();
  }

  /** @param {RoomInfo} info */
  info(info) {
    if (this.role === "follower") this.followed = info;
    else this.open = info.state === "closed" ? null : info;
    this.paint();
  }

  /**
   * Whether main.js must not send `message` (a follower's change): told why instead.
   * @param {Outgoing} message
   * @param {Element | null} source
   */
  blocks(message, source) {
    if (this.role !== "follower" || FOLLOWER_MAY_SEND.has(message.type)) return false;
    this.hooks.toast("You are following the lecture: press Fork to get a run of your own to change.", source);
    return true;
  }

  // ---------- actions ----------
  fork() {
    const nickname = /** @type {HTMLInputElement} */ (this.byId("room-nickname")).value.trim().slice(0, 24);
    this.hooks.send(nickname ? { type: "fork", nickname } : { type: "fork" }, this.byId("room-fork"));
  }

  /** The presenter's challenge: set from the panel's field, or end it. */
  setChallenge(/** @type {boolean} */ on) {
    const field = /** @type {HTMLInputElement} */ (this.byId("room-max-neurons"));
    const n = Math.round(Number(field.value));
    if (on && !(n >= 1 && n <= 1000)) return this.hooks.toast("Max neurons: a whole number from 1 to 1000.", field);
    this.hooks.send({ type: "challenge", max_neurons: on ? n : null }, field);
  }

  /** @param {import("./protocol").LeaderboardMessage} board */
  leaderboard(board) {
    const list = this.byId("room-board");
    list.replaceChildren(
      ...board.entries.map((e) => {
        const li = this.doc.createElement("li");
        const score = e.metric === "test_accuracy" ? `${(100 * e.best).toFixed(1)} %` : `loss ${e.best.toPrecision(3)}`;
        li.textContent = `${e.name} — ${score} · ${e.neurons} neurons · step ${e.step}`;
        return li;
      }),
    );
  }

  back() {
    if (!this.code) return;
    this.hooks.reconnect(this.roomUrl(this.code));
  }

  toggle() {
    if (this.open || !this.panel.hidden) {
      this.panel.hidden = !this.panel.hidden;
      this.paint();
      return;
    }
    this.panel.hidden = false;
    this.hooks.send({ type: "room", action: "open" }, this.button);
    this.paint();
  }

  // ---------- DOM ----------
  /** @param {string} id */
  byId(id) {
    return /** @type {HTMLElement} */ (this.doc.getElementById(id));
  }

  makeButton() {
    const b = this.doc.createElement("button");
    b.id = "room-button";
    b.type = "button";
    b.className = "pill";
    b.textContent = "Lecture room";
    b.setAttribute("aria-controls", "room-panel");
    b.setAttribute("aria-expanded", "false");
    b.addEventListener("click", () => this.toggle());
    this.doc.querySelector(".runbar-end")?.prepend(b);
    return b;
  }

  makePanel() {
    const p = this.doc.createElement("section");
    p.id = "room-panel";
    p.className = "room-panel";
    p.hidden = true;
    p.setAttribute("aria-labelledby", "room-heading");
    p.innerHTML = `
      <h2 id="room-heading">Lecture room</h2>
      <p class="room-hint">Students open this address or scan the code to follow your run live.</p>
      <p class="room-code-line">Code <strong id="room-code" class="room-code">…</strong></p>
      <p><a id="room-url" class="room-url" href="#" target="_blank" rel="noopener"></a></p>
      <img id="room-qr" class="room-qr" alt="QR code of the join address" width="220" height="220">
      <p class="room-count" role="status"><output id="room-followers">0</output> following</p>
      <div class="room-challenge">
        <label for="room-max-neurons">Challenge: max neurons</label>
        <input id="room-max-neurons" type="number" min="1" max="1000" step="1" value="8" inputmode="numeric">
        <button id="room-challenge-set" type="button" class="pill">Set challenge</button>
        <button id="room-challenge-end" type="button" class="pill">End challenge</button>
      </div>
      <p id="room-challenge-text" class="room-hint"></p>
      <ol id="room-board" class="room-board" aria-label="Leaderboard"></ol>
      <div class="room-actions">
        <button id="room-close" type="button" class="pill">Close room</button>
        <button id="room-hide" type="button" class="pill">Hide</button>
      </div>`;
    this.doc.body.append(p);
    p.querySelector("#room-close")?.addEventListener("click", () => {
      this.hooks.send({ type: "room", action: "close" }, this.byId("room-close"));
      p.hidden = true;
      this.paint();
    });
    p.querySelector("#room-challenge-set")?.addEventListener("click", () => this.setChallenge(true));
    p.querySelector("#room-challenge-end")?.addEventListener("click", () => this.setChallenge(false));
    p.querySelector("#room-hide")?.addEventListener("click", () => {
      p.hidden = true;
      this.paint();
    });
    return p;
  }

  makeBanner() {
    const b = this.doc.createElement("div");
    b.id = "room-banner";
    b.className = "room-banner";
    b.setAttribute("role", "region");
    b.setAttribute("aria-label", "Lecture room");
    b.hidden = true;
    b.innerHTML = `
      <span id="room-banner-text" role="status"></span>
      <label class="room-nick"><span>Nickname (optional)</span><input id="room-nickname" type="text" maxlength="24" autocomplete="nickname"></label>
      <button id="room-fork" type="button" class="pill">Fork</button>
      <button id="room-back" type="button" class="pill">Back to the lecture</button>`;
    this.doc.querySelector(".runbar")?.after(b);
    b.querySelector("#room-fork")?.addEventListener("click", () => this.fork());
    b.querySelector("#room-back")?.addEventListener("click", () => this.back());
    return b;
  }

  /** Following: every control but the banner's shows the presenter's values and cannot change them. */
  /** @param {boolean} on */
  setReadOnly(on) {
    this.doc.documentElement.classList.toggle("following", on);
    if (on) {
      for (const el of this.doc.querySelectorAll("button, input, select, textarea")) {
        if (el.matches(KEEP_ENABLED) || /** @type {HTMLInputElement} */ (el).disabled) continue;
        /** @type {HTMLInputElement} */ (el).disabled = true;
        this.disabled.add(el);
      }
    } else {
      for (const el of this.disabled) /** @type {HTMLInputElement} */ (el).disabled = false;
      this.disabled.clear();
    }
  }

  paint() {
    const following = this.role === "follower";
    const forked = !following && this.forkedFrom !== null;
    this.button.hidden = following || forked;
    this.button.setAttribute("aria-expanded", String(!this.panel.hidden));
    this.button.setAttribute("aria-pressed", String(this.open !== null));
    this.banner.hidden = !(following || forked);
    const whose = this.followed?.title ? `${this.followed.title}'s run` : "the presenter's run";
    let text = `Following ${whose}`;
    if (following && this.followed?.state === "reconnecting") text += " — presenter reconnecting…";
    if (following && this.followed?.state === "closed") text += " — the lecture ended; Fork keeps its last state";
    if (forked) text = `Your fork of ${whose} (from step ${this.forkedFrom?.step ?? 0})`;
    const challenge = (following ? this.followed : this.open)?.challenge;
    const goal = challenge ? `Challenge: best test accuracy with at most ${challenge.max_neurons} neurons` : "";
    if (following && goal) text += ` · ${goal}`;
    this.byId("room-banner-text").textContent = text;
    this.byId("room-fork").hidden = !following;
    /** @type {HTMLElement} */ (this.banner.querySelector(".room-nick")).hidden = !following || !challenge;
    this.byId("room-back").hidden = !forked;
    if (this.open) {
      this.byId("room-code").textContent = this.open.code;
      const url = /** @type {HTMLAnchorElement} */ (this.byId("room-url"));
      url.href = this.open.join_url;
      url.textContent = this.open.join_url;
      const qr = /** @type {HTMLImageElement} */ (this.byId("room-qr"));
      const src = `/r/${encodeURIComponent(this.open.code)}/qr.svg`;
      if (qr.getAttribute("src") !== src) qr.src = src;
      this.byId("room-followers").textContent = String(this.open.followers);
      this.byId("room-challenge-text").textContent = goal;
      this.byId("room-challenge-end").hidden = !challenge;
      if (!challenge) this.byId("room-board").replaceChildren();
    }
  }
}
