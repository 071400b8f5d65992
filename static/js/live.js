/* Shared by the live pages (phone, projector, console): texts, building the DOM, the socket
   with acknowledgements, numbers, the countdown. Plain ES2017 for old phones: no build step,
   no optional chaining. */
(function (global) {
  "use strict";

  var Live = {};

  Live.readJSON = function (id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  };

  /* A translator over one table of texts: {key: "text with {name}"} or a plural, one text per
     plural category ({one, few, many, other}); with the table's language, Intl.PluralRules
     picks the category of n ("few" for 3 in Russian), else n === 1 is "one". */
  Live.translator = function (table, language) {
    var rules = null;
    try {
      if (language && window.Intl && Intl.PluralRules) rules = new Intl.PluralRules(language);
    } catch (e) {
      try { rules = new Intl.PluralRules(language.split("-")[0]); } catch (e2) { rules = null; }
    }
    return function t(key, vars) {
      var text = table[key];
      if (text === undefined || text === null) return key;
      if (typeof text === "object" && !Array.isArray(text)) {
        var n = vars ? Number(vars.n) : NaN;
        var category = rules && !isNaN(n) ? rules.select(n) : (n === 1 ? "one" : "other");
        text = text[category] !== undefined ? text[category] : text.other;
      }
      if (typeof text !== "string") return text;
      return text.replace(/\{(\w+)\}/g, function (whole, name) {
        return vars && vars[name] !== undefined ? String(vars[name]) : whole;
      });
    };
  };

  /* h("button", {class: "x", onclick: fn, "aria-pressed": "true"}, "text", child, [more]) */
  Live.h = function (tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "class") el.className = value;
        else if (key === "text") el.textContent = value;
        // Through the CSSOM: the Content-Security-Policy allows no inline style attributes.
        else if (key === "style") el.style.cssText = value;
        else if (key.slice(0, 2) === "on" && typeof value === "function") {
          el.addEventListener(key.slice(2), value);
        } else if (key === "disabled" || key === "hidden" || key === "value") el[key] = value;
        else el.setAttribute(key, value === true ? "" : value);
      });
    }
    for (var i = 2; i < arguments.length; i++) Live.append(el, arguments[i]);
    return el;
  };

  Live.append = function (el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) { Live.append(el, c); });
    } else if (typeof child === "object") {
      el.appendChild(child);
    } else {
      el.appendChild(document.createTextNode(String(child)));
    }
  };

  Live.fill = function (el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    for (var i = 1; i < arguments.length; i++) Live.append(el, arguments[i]);
    return el;
  };

  Live.setText = function (el, text) {
    if (el.textContent !== text) el.textContent = text;
  };

  /* localStorage that never throws (private mode, full storage): the page keeps working. */
  Live.store = function (prefix) {
    function key(name) { return prefix + ":" + name; }
    return {
      get: function (name) {
        try {
          var raw = global.localStorage.getItem(key(name));
          return raw === null ? null : JSON.parse(raw);
        } catch (e) { return null; }
      },
      set: function (name, value) {
        try { global.localStorage.setItem(key(name), JSON.stringify(value)); } catch (e) { /* */ }
      },
      remove: function (name) {
        try { global.localStorage.removeItem(key(name)); } catch (e) { /* */ }
      }
    };
  };

  /* Numbers: one decimal, half up (as the tests and reports round), in the page's language,
     always in the digits 0-9 the scale, the counts and the projector use (Arabic and Farsi
     would otherwise write ٣٫٥ and ۳٫۵ beside a scale of 1-5). */
  Live.oneDecimal = function (x) {
    return Math.round(x * 10 + 1e-9) / 10;
  };
  Live.formatMean = function (x, lang) {
    if (x === null || x === undefined) return "–";
    var value = Live.oneDecimal(x);
    try {
      return new Intl.NumberFormat(lang, {minimumFractionDigits: 1, maximumFractionDigits: 1,
                                          numberingSystem: "latn"}).format(value);
    } catch (e) {
      return value.toFixed(1);
    }
  };

  /* The socket: reconnects by itself, quickly, with a little jitter so a room does not stampede. */
  Live.connect = function (auth) {
    var socket = global.io({
      auth: auth,
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
      randomizationFactor: 0.3,
      timeout: 8000
    });
    // The system says the network is gone: stop trusting the open connection now rather than
    // after the ping timeout, so answers are queued and the bar shows at once.
    global.addEventListener("offline", function () {
      if (socket.connected && socket.io.engine) socket.io.engine.close();
    });
    return socket;
  };

  /* Emit with an acknowledgement; resolves to the ack, or to {ok: false, error: {code:
     "offline" | "timeout"}} when there was no answer. Never rejects. */
  Live.call = function (socket, event, payload, ms) {
    return new Promise(function (resolve) {
      if (!socket.connected) {
        resolve({ok: false, lost: true, error: {code: "offline", message: ""}});
        return;
      }
      socket.timeout(ms || 10000).emit(event, payload, function (err, reply) {
        if (err) {
          resolve({ok: false, lost: true, error: {code: "timeout", message: String(err)}});
        } else {
          resolve(reply || {ok: false, error: {code: "internal", message: ""}});
        }
      });
    });
  };

  /* socket.io never retries a connection the server refused. One refused because the server
     cannot read its data just now (`storage_unavailable`) is tried again in a moment. */
  Live.retryRefused = function (socket, err) {
    var code = err && err.data && err.data.code;
    if (code !== "storage_unavailable" || socket.active) return;
    window.setTimeout(function () { if (!socket.connected) socket.connect(); }, 3000);
  };

  /* Drop a connection that no longer answers; socket.io then reconnects and the server sends
     a fresh `state`. */
  Live.forceReconnect = function (socket) {
    if (socket.io.engine && socket.connected) socket.io.engine.close();
  };

  /* The countdown: ends_at is server time; `offset` (server minus client clock) comes from the
     time the page was rendered and is renewed from each timer's `now`, so a phone with a wrong
     clock still counts right. */
  Live.Countdown = function (serverNow) {
    this.offset = serverNow ? serverNow - Date.now() : 0;
    this.endsAt = null;
    this.listeners = [];
    this.handle = null;
  };
  Live.Countdown.prototype.set = function (timer) {
    if (timer && timer.now) this.offset = Date.parse(timer.now) - Date.now();
    this.endsAt = timer ? Date.parse(timer.ends_at) : null;
    if (this.handle) { global.clearInterval(this.handle); this.handle = null; }
    var self = this;
    if (this.endsAt) this.handle = global.setInterval(function () { self.tick(); }, 250);
    this.tick();
  };
  Live.Countdown.prototype.remaining = function () {
    if (!this.endsAt) return null;
    return Math.max(0, Math.ceil((this.endsAt - (Date.now() + this.offset)) / 1000));
  };
  Live.Countdown.prototype.onTick = function (fn) { this.listeners.push(fn); };
  Live.Countdown.prototype.tick = function () {
    var left = this.remaining();
    this.listeners.forEach(function (fn) { fn(left); });
  };
  Live.clock = function (seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  };

  /* Keep the highest-seq payload per key: tallies, presence, results and ideas may overtake. */
  Live.newer = function (seen, key, seq) {
    if (seq === undefined || seq === null) return true;
    if (seen[key] !== undefined && seq <= seen[key]) return false;
    seen[key] = seq;
    return true;
  };

  /* The coalesced server events (tally, presence, results, ideas): each is stored in S only
     when its seq is newer than the last one seen, then `after[event](data)` redraws.
     Only the events named in `after` are followed. */
  var FOLLOWED = {
    tally: {key: function (d) { return "tally:" + d.round; },
            store: function (S, d) { S.tally[d.round] = d; }},
    presence: {key: function () { return "presence"; },
               store: function (S, d) { S.presence = d; }},
    results: {key: function (d) { return "results:" + d.round; },
              store: function (S, d) { S.results[d.round] = d; }},
    ideas: {key: function (d) { return "ideas:" + d.round; },
            store: function (S, d) { S.ideas[d.round] = d.ideas; }}
  };
  Live.follow = function (socket, S, after) {
    Object.keys(after).forEach(function (event) {
      socket.on(event, function (data) {
        var how = FOLLOWED[event];
        if (!Live.newer(S.seq, how.key(data), data.seq)) return;
        how.store(S, data);
        after[event](data);
      });
    });
  };

  /* A facilitator's or projector's full redraw from `state` (sent on every connect). */
  Live.applyStaffState = function (S, state, socket, countdown) {
    S.connected = socket.connected;  // `state` arrives before socket.io reports `connect`
    S.session = state.session;
    S.rounds = Live.byId(state.rounds);
    S.order = state.rounds.map(function (r) { return r.id; });
    S.current = state.current_round;
    S.results = state.results || {};
    S.tally = state.tally || {};
    S.presence = state.presence;
    S.ideas = state.ideas || {};
    S.ended = !!state.session.ended;
    countdown.set(state.timer);
  };

  Live.byId = function (list) {
    var out = {};
    (list || []).forEach(function (x) { out[x.id] = x; });
    return out;
  };

  global.Live = Live;
})(window);
