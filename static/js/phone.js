/* The phone: choose language and group, then vote in the current round.
   Every answer goes into an outbox (kept in localStorage) and leaves it only when the server
   acknowledged it; after a dropped connection or a reload the outbox is sent again. */
(function () {
  "use strict";

  var h = Live.h, fill = Live.fill;
  var P = Live.readJSON("phone-data");
  var store = Live.store("workshop:" + P.code);
  var app = document.getElementById("app");
  var statusBox = document.getElementById("status");
  var connBar = document.getElementById("conn");
  var noticeBox = document.getElementById("notices");
  var langBox = document.getElementById("langs");
  var announcer = document.getElementById("announce");

  var ACK_MS = 10000;
  var RETRY_STORAGE_S = 3;  // the server could not store an answer: try again this soon
  var sessionCodes = P.languages.map(function (l) { return l.code; });

  function has(list, x) { return list.indexOf(x) >= 0; }
  function interfaceCodes() { return P.interface_languages.map(function (l) { return l.code; }); }

  var S = {
    token: store.get("token"),
    lang: null,            // catalogue language (one of the session's)
    ui: null,              // interface language (P.interface_languages)
    langChosen: false,
    connected: false,
    everConnected: false,
    joined: false,
    joining: false,
    gone: false,
    ended: false,
    session: null,
    rounds: {},
    order: [],
    current: null,
    results: {},
    ideas: {},
    seq: {},
    me: null,
    confirmed: {},         // round id -> {item: value}, as the server has it
    outbox: store.get("outbox") || [],
    inflight: null,
    gen: 0,
    mine: {},              // idea ids written on this phone
    own: {},               // round id -> {idea id: idea}: this phone's ideas, any status
    done: {},              // round id -> true: said "I'm done" (current attempt)
    upvoted: {},           // idea id -> true, as the server has it
    draft: {},             // round id -> unsent idea text
    view: null
  };

  var storedLang = store.get("lang");
  // A browser that already speaks one of the session's languages skips the language step;
  // the switch in the top bar stays.
  var browserLang = has(sessionCodes, P.browser_language) ? P.browser_language : null;
  S.lang = has(sessionCodes, storedLang) ? storedLang
    : browserLang || (has(sessionCodes, P.ui) ? P.ui : sessionCodes[0]);
  S.langChosen = has(sessionCodes, storedLang) || !!browserLang || sessionCodes.length === 1;
  var t;
  setUi(has(interfaceCodes(), store.get("ui")) ? store.get("ui") : P.ui);

  function directionOf(code) {
    return P.interface_languages.filter(function (l) { return l.code === code; })
      .map(function (l) { return l.dir; })[0] || "ltr";
  }

  /* The interface language: its texts, and <html lang dir> as the server sends them. The
     cookie lets a reload come back in this language from the server. */
  function setUi(code) {
    if (!P.texts[code]) return;
    S.ui = code;
    t = Live.translator(P.texts[code], code);
    var root = document.documentElement;
    root.lang = code;
    root.dir = directionOf(code);
    try {
      document.cookie = "phone_lang=" + encodeURIComponent(code) +
        "; path=/; max-age=31536000; SameSite=Lax";
    } catch (e) { /* cookies off: the phone still switches, a reload starts from the browser's */ }
  }

  var countdown = new Live.Countdown(P.now);

  /* --- Connection --------------------------------------------------------------------------- */

  var socket = Live.connect(function (cb) {
    var auth = {join_code: P.code, language: S.lang};
    if (S.token) auth.participant_token = S.token;
    cb(auth);
  });

  // socket.io hands over the server's `state` before it reports `connect`; so everything
  // about the connection is read from socket.connected, and reset when it drops.
  socket.on("connect", function () {
    S.connected = S.everConnected = true;
    S.gone = false;
    render();
    flush();
  });
  socket.on("disconnect", function () {
    S.connected = false;
    S.gen += 1;         // acknowledgements of the old connection no longer count...
    S.inflight = null;  // ...and what was in flight is sent again after the fresh state
    render();
  });
  socket.on("connect_error", function (err) {
    var code = err && err.data && err.data.code;
    Live.retryRefused(socket, err);
    if (code === "bad_token") {
      // The session no longer knows this phone: start again as a new participant.
      var lost = countAnswers(S.outbox);
      S.token = null;
      store.remove("token");
      dropOps(function () { return true; });
      if (lost) notify(t("not_saved_closed", {n: lost}), true);
      socket.connect();
    } else if (code === "session_ended" || code === "unknown_join_code" || code === "bad_auth") {
      // An ended session frees its code: a phone that saw the end says so, not "unknown".
      if (code === "session_ended" || store.get("ended")) S.ended = true; else S.gone = true;
      var lostAnswers = countAnswers(S.outbox);
      dropOps(function () { return true; });
      if (lostAnswers) notify(t("not_saved_closed", {n: lostAnswers}), true);
      render();
    }
    showConnection();
  });

  socket.on("state", applyState);
  socket.on("round", function (data) {
    var round = data.round, before = S.rounds[round.id];
    S.rounds[round.id] = round;
    if (!has(S.order, round.id)) S.order.push(round.id);
    if (before && before.attempt !== round.attempt) {
      S.confirmed[round.id] = {};  // a second vote starts with empty ballots
      delete S.results[round.id];
    }
    S.current = data.current_round;
    settleOutbox();
    render();
    flush();
  });
  socket.on("agenda", function (data) {
    var before = S.rounds;
    S.rounds = Live.byId(data.rounds);
    S.order = data.rounds.map(function (r) { return r.id; });
    S.current = data.current_round;
    Object.keys(S.rounds).forEach(function (id) {
      if (before[id] && before[id].attempt !== S.rounds[id].attempt) S.confirmed[id] = {};
    });
    S.view = null;  // items or questions may have changed
    settleOutbox();
    render();
  });
  Live.follow(socket, S, {results: render, ideas: render});
  socket.on("idea_status", function (data) {
    var mine = S.own[data.round] = S.own[data.round] || {};
    mine[data.idea.id] = Object.assign({upvotes: 0}, mine[data.idea.id] || {}, data.idea);
    S.mine[data.idea.id] = true;
    render();
  });
  socket.on("timer", function (data) { countdown.set(data.timer); render(); });
  socket.on("ended", function () {
    S.ended = true;
    countdown.set(null);  // at once, before the server's `timer: null` arrives
    store.set("ended", true);
    settleOutbox();
    render();
  });

  function applyState(state) {
    S.connected = socket.connected;
    S.everConnected = S.everConnected || S.connected;
    S.session = state.session;
    S.rounds = Live.byId(state.rounds);
    S.order = state.rounds.map(function (r) { return r.id; });
    S.current = state.current_round;
    S.results = state.results || {};
    S.ideas = state.ideas || {};
    S.own = {};
    Object.keys(S.ideas).forEach(function (rid) {
      S.ideas[rid].forEach(function (idea) {
        if (idea.mine) {
          S.mine[idea.id] = true;
          (S.own[rid] = S.own[rid] || {})[idea.id] = idea;
        }
        if (idea.upvoted) S.upvoted[idea.id] = true; else delete S.upvoted[idea.id];
      });
    });
    S.ended = !!state.session.ended;
    if (S.ended) store.set("ended", true); else store.remove("ended");
    S.me = state.me;
    S.joined = !!state.me;
    if (state.me) {
      S.lang = state.me.language;
      S.confirmed = {};
      Object.keys(state.me.votes || {}).forEach(function (rid) {
        S.confirmed[rid] = Object.assign({}, state.me.votes[rid]);
      });
      S.done = {};
      (state.me.done || []).forEach(function (rid) { S.done[rid] = true; });
      store.set("lang", S.lang);
      try { window.localStorage.setItem("workshop:last", P.code); } catch (e) { /* */ }
    }
    countdown.set(state.timer);
    settleOutbox();
    render();
    flush();
  }

  function showConnection() {
    var down = !S.connected && !S.gone && (S.everConnected || S.slowStart);
    connBar.hidden = !down;
    if (down) {
      var waiting = countAnswers(S.outbox);
      fill(connBar,
        h("span", {class: "spinner", "aria-hidden": "true"}),
        h("strong", {}, S.everConnected ? t("reconnecting") : t("connecting")),
        waiting ? h("span", {class: "conn-more"}, t("pending_n", {n: waiting}) + ". "
          + t("offline_kept")) : null);
    }
  }
  window.setTimeout(function () { S.slowStart = true; showConnection(); }, 2500);

  // Back from a locked screen: check the connection still answers (and get a fresh picture).
  var hiddenAt = null;
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") { hiddenAt = Date.now(); return; }
    var away = hiddenAt ? Date.now() - hiddenAt : 0;
    hiddenAt = null;
    if (socket.connected && S.joined && away > 3000) {
      Live.call(socket, "language", {language: S.lang}, 4000).then(function (ack) {
        if (ack.ok) applyState(ack.state);
        else if (ack.lost) Live.forceReconnect(socket);
      });
    } else if (!socket.connected && !socket.active) {
      socket.connect();
    }
  });

  /* --- The outbox --------------------------------------------------------------------------- */

  function voteKey(roundId, item) { return "v:" + roundId + ":" + item; }
  function findOp(key) {
    for (var i = 0; i < S.outbox.length; i++) if (S.outbox[i].key === key) return S.outbox[i];
    return null;
  }
  function saveOutbox() { store.set("outbox", S.outbox); }
  function countAnswers(ops) {
    return ops.filter(function (op) { return op.event !== "language"; }).length;
  }

  function queue(op) {
    S.outbox = S.outbox.filter(function (o) { return o.key !== op.key; });
    S.outbox.push(op);
    saveOutbox();
    render();
    flush();
  }

  function removeOp(op) {
    S.outbox = S.outbox.filter(function (o) { return o !== op; });
    saveOutbox();
  }

  function dropOps(test) {
    var before = S.outbox.length;
    S.outbox = S.outbox.filter(function (op) { return !test(op); });
    if (S.outbox.length !== before) saveOutbox();
  }

  function confirmedValue(roundId, item) {
    var votes = S.confirmed[roundId];
    return votes && votes[item] !== undefined ? votes[item] : null;
  }

  /* After a fresh picture: forget what the server already has, and say plainly what can no
     longer be saved because its round closed meanwhile. */
  function settleOutbox() {
    var lost = 0;
    dropOps(function (op) {
      if (op.key === S.inflight) return false;
      if (op.event === "language") return !S.joined;
      var round = S.rounds[op.round];
      if (S.ended || !round || round.state !== "open" || round.attempt !== op.attempt) {
        lost += 1;
        return true;
      }
      if (op.event === "vote") {
        var have = confirmedValue(op.round, op.payload.item);
        var want = op.payload.value;
        if (have === want || (!want && have === null)) return true;
      }
      if (op.event === "idea") {
        var text = comparable(op.payload.text);
        return ideasOf(op.round).some(function (idea) {
          return S.mine[idea.id] && comparable(idea.text) === text;
        });
      }
      if (op.event === "done") return !!S.done[op.round] === op.payload.done;
      return false;
    });
    if (lost) notify(t("not_saved_closed", {n: lost}), true);
  }

  /* An idea as the server keeps it: spaces collapsed, control and invisible characters gone
     (but the zero-width non-joiner and joiner, which Farsi spelling and emoji need). */
  var INVISIBLE = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F\u200B\u200E\u200F\u202A-\u202E\uFEFF]/g;
  function cleanIdea(text) {
    return text.replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
  }
  function comparable(text) { return cleanIdea(text).replace(/\s/g, ""); }

  function nextOp() {
    // Points taken off an item go first, so moving points never trips the budget.
    for (var i = 0; i < S.outbox.length; i++) {
      var op = S.outbox[i];
      if (op.dots && (op.payload.value || 0) < (confirmedValue(op.round, op.payload.item) || 0)) {
        return op;
      }
    }
    return S.outbox[0] || null;
  }

  function flush() {
    if (S.inflight || !socket.connected || !S.joined) return;
    var op = nextOp();
    if (!op) return;
    var sent = JSON.parse(JSON.stringify(op.payload));
    if (JSON.stringify(sent).length > P.max_event_bytes) {
      // The server would refuse it unread (or drop the connection): never send it again.
      refused(op, sent, {code: "payload_too_large"});
      render();
      flush();
      return;
    }
    S.inflight = op.key;
    var gen = S.gen;
    Live.call(socket, op.event, sent, ACK_MS).then(function (ack) {
      if (gen !== S.gen) {
        // From a connection that has dropped meanwhile: still saved if the server said so.
        if (ack.ok) { accepted(op, sent, ack); render(); }
        return;
      }
      S.inflight = null;
      var code = ack.error && ack.error.code;
      if (ack.ok) {
        accepted(op, sent, ack);
      } else if (ack.lost) {
        // No answer: keep the answer and start over on a fresh connection.
        Live.forceReconnect(socket);
      } else if (code === "rate_limited" || code === "storage_unavailable") {
        // Nothing was done: keep the answer and send it again in a moment.
        var wait = code === "rate_limited" ? (ack.error.retry_after || 1) : RETRY_STORAGE_S;
        window.setTimeout(flush, Math.max(0.2, wait) * 1000);
        render();
        return;
      } else {
        refused(op, sent, ack.error);
      }
      render();
      flush();
    });
  }

  function sameAsSent(op, sent) {
    var current = findOp(op.key);
    return current && JSON.stringify(current.payload) === JSON.stringify(sent) ? current : null;
  }

  function accepted(op, sent, ack) {
    var current = sameAsSent(op, sent);
    if (op.event === "vote") {
      var votes = S.confirmed[sent.round] = S.confirmed[sent.round] || {};
      if (sent.value === null || sent.value === 0) delete votes[sent.item];
      else votes[sent.item] = sent.value;
    } else if (op.event === "idea") {
      S.mine[ack.idea.id] = true;
      (S.own[sent.round] = S.own[sent.round] || {})[ack.idea.id] = ack.idea;
    } else if (op.event === "done") {
      if (ack.done) S.done[sent.round] = true; else delete S.done[sent.round];
    } else if (op.event === "upvote") {
      if (ack.upvoted) S.upvoted[ack.idea] = true; else delete S.upvoted[ack.idea];
      Object.keys(S.ideas).forEach(function (rid) {
        S.ideas[rid].forEach(function (idea) {
          if (idea.id === ack.idea) idea.upvotes = ack.upvotes;
        });
      });
    }
    if (current) removeOp(current);
    if (op.event === "language") applyState(ack.state);
  }

  function refused(op, sent, error) {
    var current = sameAsSent(op, sent);
    if (current) removeOp(current);
    var code = error && error.code;
    var message = {
      round_not_open: t("not_saved_closed", {n: 1}),
      session_ended: t("not_saved_closed", {n: 1}),
      payload_too_large: t("too_large"),
      over_budget: t("over_budget"),
      over_item_max: t("over_item_max"),
      idea_empty: t("idea_empty"),
      idea_too_long: t("idea_too_long"),
      too_many_ideas: t("too_many_ideas"),
      own_idea: t("own_idea"),
      idea_not_found: t("idea_gone")
    }[code] || t("not_saved", {reason: (error && error.message) || code});
    if (op.event === "idea" && !S.draft[sent.round]) S.draft[sent.round] = sent.text;
    notify(message, code === "round_not_open" || code === "session_ended");
  }

  /* --- Notices ------------------------------------------------------------------------------- */

  function notify(text, sticky) {
    // Every notice says something went wrong (not saved, no points left): said at once.
    var note = h("div", {class: "notice", role: "alert"},
      h("span", {}, text),
      h("button", {type: "button", class: "notice-close", "aria-label": t("dismiss"),
        onclick: function () { note.remove(); }}, "×"));
    noticeBox.appendChild(note);
    while (noticeBox.children.length > 3) noticeBox.removeChild(noticeBox.firstChild);
    if (!sticky) window.setTimeout(function () { if (note.parentNode) note.remove(); }, 8000);
  }

  /* --- Choosing language and group --------------------------------------------------------- */

  function chooseLanguage(code) {
    S.lang = code;
    S.langChosen = true;
    S.pickingLanguage = false;
    store.set("lang", code);
    if (has(interfaceCodes(), code)) { setUi(code); store.set("ui", code); }
    if (S.joined) queue({key: "lang", event: "language", payload: {language: code}});
    S.view = null;
    render();
  }

  function chooseInterface(code) {
    setUi(code);
    store.set("ui", code);
    S.view = null;
    render();
  }

  var langsKey = null;
  /* "DE", "AR"; Leichte Sprache (de-x-ls) is "LS". */
  function shortCode(code) {
    return (code.indexOf("-x-") > 0 ? code.split("-x-")[1] : code).toUpperCase();
  }

  /* The language switch in the top bar: a button per language when they fit beside the
     title (three at most); otherwise one button that opens the list of languages. */
  var SWITCH_BUTTONS = 3;
  function renderLangs() {
    var session = sessionCodes.length > 1;
    var options = session ? P.languages : P.interface_languages;
    var current = session ? S.lang : S.ui;
    if (langsKey === current + S.ui) return;
    langsKey = current + S.ui;
    if (options.length > SWITCH_BUTTONS) {
      var name = options.filter(function (l) { return l.code === current; })[0];
      // The name starts with the visible code ("DE"), as a speaking user would call it.
      fill(langBox, h("button", {type: "button", class: "lang", "data-switch": "",
        "aria-label": shortCode(current) + " – " + t("back_language")
          + (name ? " (" + name.name + ")" : ""),
        onclick: function () { S.pickingLanguage = true; S.view = null; render(); }},
        h("span", {"aria-hidden": "true"}, shortCode(current) + " ▾")));
      return;
    }
    fill(langBox, options.map(function (l) {
      return h("button", {type: "button", class: "lang", lang: l.code, title: l.name,
        "aria-label": shortCode(l.code) + " – " + l.name,
        "aria-pressed": l.code === current ? "true" : "false",
        onclick: function () {
          if (l.code !== current) (session ? chooseLanguage : chooseInterface)(l.code);
        }}, shortCode(l.code));
    }));
  }

  function join(group, buttons) {
    if (S.joining) return;
    S.joining = true;
    buttons.forEach(function (b) { b.disabled = true; });
    var chosen = buttons.filter(function (b) { return b.getAttribute("data-group") === group; })[0];
    if (chosen) chosen.classList.add("busy");
    Live.call(socket, "join", {group: group, language: S.lang}, ACK_MS).then(function (ack) {
      S.joining = false;
      if (ack.ok) {
        S.token = ack.participant_token;
        store.set("token", S.token);
        applyState(ack.state);
        return;
      }
      buttons.forEach(function (b) { b.disabled = false; b.classList.remove("busy"); });
      notify(ack.lost ? t("need_connection")
        : ack.error.code === "session_full" ? t("session_full")
        : t("not_saved", {reason: ack.error.message}));
      if (ack.lost) Live.forceReconnect(socket);
    });
  }

  /* --- Screens ------------------------------------------------------------------------------- */

  function currentRound() {
    var round = S.rounds[S.current];
    return round && round.state !== "pending" ? round : null;
  }

  function screen() {
    if (S.ended) return {name: "ended"};
    if (S.gone) return {name: "gone"};
    if (!S.session) return {name: "connecting"};
    if (S.pickingLanguage) return {name: "language"};
    if (!S.joined) return {name: S.langChosen ? "group" : "language"};
    var round = currentRound();
    if (!round) return {name: "waiting"};
    if (round.state === "open") return {name: round.kind, round: round};
    return {name: round.revealed ? "results" : "closed", round: round};
  }

  function render() {
    renderLangs();
    showConnection();
    var sc = screen();
    var r = sc.round;
    // Rebuilt when the screen changes, or its texts do (another language); else updated in place.
    var key = [sc.name, S.ui, S.lang].concat(r ? [r.id, r.attempt, r.revealed, r.question,
      r.items.length ? r.items[0].text : ""] : []).join("/");
    if (!S.view || S.view.key !== key) {
      var view = BUILD[sc.name](r);
      view.key = key;
      S.view = view;
      fill(app, view.el);
      // A new screen (a round opens, closes, shows results) is read out by its heading.
      var shown = sc.name + (r ? r.id + "/" + r.attempt : "");
      if (S.shown && S.shown !== shown) announce(app);
      S.shown = shown;
      app.setAttribute("data-screen", sc.name);
      window.scrollTo(0, 0);
    }
    if (S.view.update) S.view.update();
    renderStatus(sc);
  }

  function announce(view) {
    var words = [view.querySelector(".banner"), view.querySelector("h1")]
      .filter(Boolean).map(function (el) { return el.textContent.trim(); });
    Live.setText(announcer, words.join(". "));
  }

  var timerSpan = null;
  var statusKey = null;
  /* The status line is a polite live region (progress, points left): it is refilled only when
     its words change, so a screen reader hears each change once. The timer inside it is not
     live: nobody wants every second read out. */
  function renderStatus(sc) {
    var parts = [];
    if (S.view && S.view.status) parts.push(S.view.status());
    var left = countdown.remaining();
    var timed = left !== null && sc.round && sc.round.state === "open";
    var key = parts.map(function (p) { return p ? p.outerHTML : ""; }).join("")
      + (timed ? "|timer" : "");
    if (key === statusKey) {
      if (timerSpan) updateTimer(left);
      return;
    }
    statusKey = key;
    timerSpan = null;
    if (timed) {
      timerSpan = h("span", {class: "timer", role: "timer", "aria-live": "off"});
      updateTimer(left);
      parts.push(timerSpan);
    }
    statusBox.hidden = parts.length === 0;
    fill(statusBox, parts);
  }
  function updateTimer(left) {
    timerSpan.className = "timer" + (left === 0 ? " up" : "");
    Live.setText(timerSpan, left === 0 ? t("time_up") : t("timer_left", {time: Live.clock(left)}));
  }
  countdown.onTick(function (left) {
    if (timerSpan) updateTimer(left);
  });

  function heading(round) {
    var again = round.attempt === 2 ? t("second_vote")
      : round.attempt > 2 ? t("vote_n", {n: round.attempt}) : "";
    return [
      round.field_title ? h("p", {class: "eyebrow", lang: S.lang, dir: "auto"}, round.field_title) : null,
      again ? h("p", {class: "attempt-badge", "data-attempt": String(round.attempt)},
        again) : null,
      h("h1", {class: "question", lang: S.lang, dir: "auto"}, round.question)
    ];
  }

  function pendingIn(round) {
    return S.outbox.filter(function (op) {
      return op.round === round.id && op.event !== "language";
    }).length;
  }

  /* "I'm done": for points one keeps back on purpose, and for an ideas round. */
  function doneControl(round, text) {
    var box = h("div", {class: "done-box"});
    function desired() {
      var op = findOp("d:" + round.id);
      return op ? op.payload.done : !!S.done[round.id];
    }
    box.update = function () {
      var done = desired();
      fill(box, done ? h("p", {class: "done-note", "data-done": "true"}, "✓ " + t("you_are_done"))
        : null,
        h("button", {type: "button", class: done ? "link" : "big", "data-done-button": "",
          "aria-pressed": done ? "true" : "false", onclick: function () {
            queue({key: "d:" + round.id, event: "done", round: round.id,
              attempt: round.attempt, payload: {round: round.id, done: !desired()}});
          }}, done ? t("not_done") : text));
    };
    return box;
  }

  function groupName() {
    var groups = (S.session && S.session.groups) || P.groups[S.lang] || [];
    var g = groups.filter(function (x) { return S.me && x.id === S.me.group; })[0];
    return g ? g.name : "";
  }

  function itemStatus(op, hasValue) {
    if (op) return S.connected ? "sending" : "waiting";
    return hasValue ? "saved" : "none";
  }
  var STATUS_TEXT = {
    sending: function () { return t("sending"); },
    waiting: function () { return t("waiting_connection"); },
    saved: function () { return "✓ " + t("saved"); },
    none: function () { return ""; }
  };

  var BUILD = {
    connecting: function () {
      return {el: h("section", {class: "screen center"},
        h("div", {class: "spinner big", "aria-hidden": "true"}),
        h("p", {class: "lead"}, t("connecting")))};
    },

    gone: function () {
      return {el: h("section", {class: "screen"},
        h("h1", {}, t("gone_title")),
        h("p", {}, t("gone_text")),
        h("div", {class: "choices"},
          h("button", {type: "button", class: "primary big", onclick: function () {
            S.gone = false; render(); socket.connect();
          }}, t("try_again")),
          h("a", {class: "button big", href: P.join_url}, t("enter_code"))))};
    },

    ended: function () {
      return {el: h("section", {class: "screen center"},
        h("p", {class: "big-icon", "aria-hidden": "true"}, "✓"),
        h("h1", {}, t("ended")))};
    },

    language: function () {
      var seen = {}, titles = [];
      [S.ui].concat(interfaceCodes()).forEach(function (code) {
        var text = P.texts[code] && P.texts[code].choose_language;
        if (text && !seen[text]) {
          seen[text] = true;
          titles.push(h("span", {lang: code, dir: directionOf(code)}, text));
        }
      });
      return {el: h("section", {class: "screen choose"},
        h("h1", {class: "multi"}, titles),
        h("div", {class: "choices"}, P.languages.map(function (l) {
          return h("button", {type: "button", class: "choice", lang: l.code,
            "data-language": l.code, dir: "auto",
            onclick: function () { chooseLanguage(l.code); }}, l.name);
        })))};
    },

    group: function () {
      var groups = P.groups[S.lang] || (S.session && S.session.groups) || [];
      var buttons = groups.map(function (g) {
        return h("button", {type: "button", class: "choice", "data-group": g.id, lang: S.lang, dir: "auto",
          onclick: function () { join(g.id, buttons); }}, g.name);
      });
      return {el: h("section", {class: "screen choose"},
        h("h1", {}, t("choose_group")),
        h("div", {class: "choices"}, buttons),
        h("p", {class: "hint"}, t("anonymous")),
        sessionCodes.length > 1 ? h("button", {type: "button", class: "link",
          onclick: function () { S.langChosen = false; render(); }},
          (document.documentElement.dir === "rtl" ? "→ " : "← ") + t("back_language"))
          : null)};
    },

    waiting: function () {
      return {el: h("section", {class: "screen center"},
        h("div", {class: "pulse", "aria-hidden": "true"}, h("span"), h("span"), h("span")),
        h("h1", {}, t("waiting")),
        h("p", {class: "lead"}, t("keep_open")),
        groupName() ? h("p", {class: "meta"}, t("your_group", {name: groupName()})) : null)};
    },

    closed: function (round) {
      var summary = h("p", {class: "meta"});
      var box = h("div", {class: "mine"});
      return {
        el: h("section", {class: "screen"}, heading(round),
          h("div", {class: "banner closed"}, h("strong", {}, t("voting_closed")),
            h("span", {}, t("results_soon"))), summary, box),
        update: function () {
          if (round.kind !== "ideas") {
            var votes = S.confirmed[round.id] || {};
            var n = round.items.filter(function (i) { return votes[i.id] !== undefined; }).length;
            Live.setText(summary, t("you_answered", {n: n, total: round.items.length}));
          }
        }
      };
    },

    results: function (round) {
      var box = h("div", {class: "results"});
      return {
        el: h("section", {class: "screen"}, heading(round),
          h("div", {class: "banner results"}, h("strong", {}, t("results"))), box),
        update: function () { fill(box, resultsList(round)); }
      };
    },

    rating: function (round) { return votingView(round, ratingCard, ratingStatus); },
    dots: function (round) { return votingView(round, dotsCard, dotsStatus); },
    ideas: ideasView
  };

  function votingView(round, card, status) {
    var cards = round.items.map(function (item, i) { return card(round, item, i); });
    var results = h("div", {class: "results"});
    // Points kept back on purpose: "done" says so (all points placed is done by itself).
    var done = round.kind === "dots" ? doneControl(round, t("done_points")) : null;
    return {
      el: h("section", {class: "screen", "data-round": round.id}, heading(round),
        h("div", {class: "items"}, cards.map(function (c) { return c.el; })), done, results),
      update: function () {
        cards.forEach(function (c) { c.update(); });
        if (done) {
          done.hidden = pointsLeft(round) === 0 && !S.done[round.id];
          done.update();
        }
        if (round.revealed) fill(results, h("h2", {}, t("results")), resultsList(round));
        else fill(results);
      },
      status: function () { return status(round); }
    };
  }

  /* Rating: a labelled 1-5 scale plus "can't judge"; one tap chooses, another tap changes. */
  function scaleLabels(round) {
    return t(round.target === "principles" ? "scale_principles" : "scale_challenges");
  }

  function valueLabel(round, value) {
    if (value === "cant_judge") return t("cant_judge");
    return value + " · " + scaleLabels(round)[value - 1];
  }

  function ratingCard(round, item, index) {
    var labels = scaleLabels(round);
    var textId = "item-" + round.id + "-" + index;
    var choose = function (value) {
      if (desiredVote(round, item.id) === value) return;  // the same tap twice changes nothing
      queue({key: voteKey(round.id, item.id), event: "vote", round: round.id,
        attempt: round.attempt, payload: {round: round.id, item: item.id, value: value}});
    };
    var options = [1, 2, 3, 4, 5].map(function (v) {
      return h("button", {type: "button", class: "opt", "data-value": String(v),
        "aria-pressed": "false", "aria-label": v + ": " + labels[v - 1],
        onclick: function () { choose(v); }}, String(v));
    });
    var cantJudge = h("button", {type: "button", class: "opt cj", "data-value": "cant_judge",
      "aria-pressed": "false", onclick: function () { choose("cant_judge"); }}, t("cant_judge"));
    var chosen = h("strong", {class: "chosen"});
    var state = h("span", {class: "state"});
    var el = h("article", {class: "item", "data-item": item.id, "aria-labelledby": textId},
      h("p", {class: "item-text", id: textId, lang: S.lang, dir: "auto"},
        h("span", {class: "num", "aria-hidden": "true"}, String(index + 1)), item.text),
      h("div", {class: "scale", role: "group", "aria-labelledby": textId}, options),
      h("div", {class: "scale-ends", "aria-hidden": "true"},
        h("span", {}, "1 = " + labels[0]), h("span", {}, "5 = " + labels[4])),
      h("div", {class: "item-foot"}, cantJudge, h("p", {class: "item-status",
        "aria-live": "polite"}, chosen, " ", state)));
    return {
      el: el,
      update: function () {
        var value = desiredVote(round, item.id);
        var op = findOp(voteKey(round.id, item.id));
        options.concat([cantJudge]).forEach(function (b) {
          var v = b.getAttribute("data-value");
          b.setAttribute("aria-pressed", String(v) === String(value) ? "true" : "false");
        });
        var status = itemStatus(op, value !== null);
        el.setAttribute("data-status", status);
        Live.setText(chosen, value === null ? "" : valueLabel(round, value));
        Live.setText(state, STATUS_TEXT[status]());
      }
    };
  }

  function desiredVote(round, item) {
    var op = findOp(voteKey(round.id, item));
    return op ? op.payload.value : confirmedValue(round.id, item);
  }

  function ratingStatus(round) {
    var answered = round.items.filter(function (i) {
      return desiredVote(round, i.id) !== null;
    }).length;
    var total = round.items.length;
    // Offline, the connection bar says how many answers wait; nothing here says "saved".
    if (!S.connected) return null;
    var done = answered === total && pendingIn(round) === 0;
    return h("div", {class: "progress" + (done ? " done" : "")},
      h("span", {class: "progress-text", "data-answered": String(answered)},
        done ? "✓ " + t("all_answered") : t("progress", {n: answered, total: total})),
      h("span", {class: "bar", "aria-hidden": "true"},
        h("span", {style: "width:" + Math.round(100 * answered / total) + "%"})));
  }

  /* Dots: plus and minus per item; the points left always in sight. */
  function desiredPoints(round, item) { return desiredVote(round, item) || 0; }

  function pointsLeft(round) {
    var used = round.items.reduce(function (sum, i) {
      return sum + desiredPoints(round, i.id);
    }, 0);
    return round.budget - used;
  }

  function dotsCard(round, item, index) {
    var textId = "item-" + round.id + "-" + index;
    var set = function (value) {
      queue({key: voteKey(round.id, item.id), event: "vote", round: round.id, dots: true,
        attempt: round.attempt, payload: {round: round.id, item: item.id, value: value}});
    };
    var minus = h("button", {type: "button", class: "step minus", "aria-label": t("point_less"),
      onclick: function () {
        var v = desiredPoints(round, item.id);
        if (v > 0) set(v - 1);
      }}, "−");
    var plus = h("button", {type: "button", class: "step plus", "aria-label": t("point_more"),
      onclick: function () {
        var v = desiredPoints(round, item.id);
        if (v >= round.max_per_item) { notify(t("over_item_max")); return; }
        if (pointsLeft(round) <= 0) { notify(t("over_budget")); return; }
        set(v + 1);
      }}, "+");
    var pips = h("span", {class: "pips", "aria-hidden": "true"});
    var count = h("span", {class: "count"});
    var state = h("span", {class: "state"});
    var el = h("article", {class: "item dots", "data-item": item.id, "aria-labelledby": textId},
      h("p", {class: "item-text", id: textId, lang: S.lang, dir: "auto"},
        h("span", {class: "num", "aria-hidden": "true"}, String(index + 1)), item.text),
      h("div", {class: "stepper"}, minus, h("span", {class: "points", "aria-live": "polite"},
        pips, count), plus),
      h("p", {class: "item-status"}, state));
    return {
      el: el,
      update: function () {
        var v = desiredPoints(round, item.id);
        var left = pointsLeft(round);
        minus.disabled = v <= 0;
        plus.disabled = v >= round.max_per_item || left <= 0;
        var marks = "";
        for (var i = 0; i < round.max_per_item; i++) marks += i < v ? "●" : "○";
        Live.setText(pips, marks);
        Live.setText(count, t("points", {n: v}));
        el.setAttribute("data-points", String(v));
        var op = findOp(voteKey(round.id, item.id));
        var status = itemStatus(op, v > 0);
        el.setAttribute("data-status", status);
        Live.setText(state, STATUS_TEXT[status]());
      }
    };
  }

  function dotsStatus(round) {
    var left = pointsLeft(round);
    var marks = "";
    for (var i = 0; i < round.budget; i++) marks += i < left ? "●" : "○";
    return h("div", {class: "budget" + (left === 0 ? " spent" : "")},
      h("strong", {class: "left", "data-left": String(left)}, t("points_left", {n: left})),
      h("span", {class: "pips", "aria-hidden": "true"}, marks),
      h("span", {class: "hint"}, t("max_per_item", {n: round.max_per_item})));
  }

  /* Ideas: write one (280 characters), support others' (not one's own), take support back. */
  function ideasView(round) {
    var max = P.max_idea;
    var box = h("textarea", {id: "idea-text", rows: "3", maxlength: String(max), lang: S.lang, dir: "auto",
      oninput: function () { S.draft[round.id] = box.value; counter.update(); }});
    box.value = S.draft[round.id] || "";
    var counter = h("span", {class: "counter", "aria-live": "polite"});
    counter.update = function () {
      Live.setText(counter, t("idea_counter", {n: box.value.length, max: max}));
      send.disabled = !box.value.trim();
    };
    var send = h("button", {type: "submit", class: "primary big"}, t("send_idea"));
    var form = h("form", {class: "idea-form", onsubmit: function (e) {
      e.preventDefault();
      var text = cleanIdea(box.value);
      if (!text) { notify(t("idea_empty")); return; }
      var id = "i:" + Date.now() + ":" + Math.random().toString(36).slice(2, 7);
      queue({key: id, event: "idea", round: round.id, attempt: round.attempt,
        payload: {round: round.id, text: text}});
      box.value = "";
      S.draft[round.id] = "";
      counter.update();
    }},
      h("label", {for: "idea-text"}, t("your_idea_label")), box,
      h("div", {class: "idea-actions"}, counter, send));
    var list = h("ul", {class: "ideas"});
    var updateList = ideaList(round, list);
    var results = h("div", {class: "results"});
    var done = doneControl(round, t("done_ideas"));
    return {
      el: h("section", {class: "screen", "data-round": round.id}, heading(round), form,
        round.moderation === "pre" ? h("p", {class: "hint"}, t("moderated_hint")) : null,
        h("h2", {}, t("ideas_heading")), h("p", {class: "hint"}, t("support_hint")), list,
        done, results),
      update: function () {
        if (S.draft[round.id] && !box.value) box.value = S.draft[round.id];
        counter.update();
        updateList();
        done.update();
      }
    };
  }

  /* The list keeps one node per idea and updates it in place, oldest first: a busy room sends
     new counts several times a second, and a button must not move or vanish under a finger. */
  function ideaList(round, list) {
    var nodes = {};
    var empty = h("li", {class: "empty"}, t("no_ideas"));

    function ideaNode(id) {
      var text = h("p", {class: "idea-text", dir: "auto"});  // written in any script
      var tag = h("span", {class: "tag"}, t("mine"));
      var votes = h("span", {class: "votes"});
      var button = h("button", {type: "button", class: "upvote", onclick: function () {
        var idea = findIdea(round, id);
        if (!idea || S.mine[id]) return;
        var op = findOp("u:" + id);
        var on = op ? op.payload.on : !!S.upvoted[id];
        queue({key: "u:" + id, event: "upvote", round: round.id, attempt: round.attempt,
          payload: {idea: id, on: !on}});
      }}, h("span", {"aria-hidden": "true"}, "▲"), h("span", {class: "n"}));
      var li = h("li", {class: "idea", "data-idea": String(id)}, text, tag, votes, button);
      li.update = function (idea) {
        var mine = !!S.mine[id];
        var op = findOp("u:" + id);
        var server = !!S.upvoted[id];
        var on = op ? op.payload.on : server;
        var shown = idea.upvotes + (on === server ? 0 : on ? 1 : -1);
        Live.setText(text, idea.text);
        var moderated = mine ? ownStatus(round.id, id) : "shown";
        li.className = "idea" + (mine ? " mine" : "") + (moderated !== "shown"
          ? " is-" + moderated : "");
        li.setAttribute("data-status", op ? (S.connected ? "sending" : "waiting") : "saved");
        li.setAttribute("data-moderation", moderated);
        Live.setText(tag, moderated === "waiting" ? t("mine_waiting")
          : moderated === "hidden" ? t("mine_hidden") : t("mine"));
        tag.hidden = votes.hidden = !mine;
        button.hidden = mine;
        Live.setText(votes, "▲ " + idea.upvotes);
        votes.setAttribute("aria-label", t("upvotes", {n: idea.upvotes}));
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.setAttribute("aria-label", t("support") + " (" + t("upvotes", {n: shown}) + ")");
        Live.setText(button.querySelector(".n"), " " + shown);
      };
      return li;
    }

    return function update() {
      var wanted = [];
      S.outbox.forEach(function (op) {
        if (op.event !== "idea" || op.round !== round.id) return;
        var status = S.connected ? "sending" : "waiting";
        var li = nodes[op.key] = nodes[op.key] || h("li", {class: "idea pending"},
          h("p", {class: "idea-text", dir: "auto"}, op.payload.text), h("span", {class: "state"}));
        li.setAttribute("data-status", status);
        Live.setText(li.querySelector(".state"), STATUS_TEXT[status]());
        wanted.push(li);
      });
      ideasOf(round.id).sort(function (a, b) { return a.id - b.id; })
        .forEach(function (idea) {
          var li = nodes[idea.id] = nodes[idea.id] || ideaNode(idea.id);
          li.update(idea);
          wanted.push(li);
        });
      if (!wanted.length) wanted.push(empty);
      // Put the wanted nodes in order, moving only those out of place; drop the rest.
      wanted.forEach(function (li, i) {
        if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
      });
      while (list.children.length > wanted.length) list.removeChild(list.lastChild);
    };
  }

  function findIdea(round, id) {
    return ideasOf(round.id).filter(function (i) { return i.id === id; })[0] || null;
  }

  /* The ideas a phone shows: those everyone sees, and its own (waiting for approval, or
     hidden by the facilitator) that the shared list leaves out. */
  function ideasOf(roundId) {
    var list = (S.ideas[roundId] || []).slice();
    var seen = {};
    list.forEach(function (idea) { seen[idea.id] = true; });
    var own = S.own[roundId] || {};
    Object.keys(own).forEach(function (id) {
      if (!seen[id]) list.push(own[id]);
    });
    return list;
  }

  function ownStatus(roundId, id) {
    var own = S.own[roundId] && S.own[roundId][id];
    var shared = (S.ideas[roundId] || []).some(function (i) { return i.id === id; });
    return shared ? "shown" : own ? own.status || "shown" : "shown";
  }

  /* Results on the phone: overall figures only, as simple bars. */
  function resultsList(round) {
    var res = S.results[round.id];
    if (!res) return null;
    var texts = Live.byId(round.items);
    if (round.kind === "ideas") {
      var ideas = res.ideas || [];
      if (!ideas.length) return h("p", {class: "meta"}, t("no_ideas"));
      var top = Math.max.apply(null, ideas.map(function (i) { return i.upvotes; }).concat([1]));
      return h("ol", {class: "result-list"}, ideas.map(function (idea) {
        return h("li", {class: "result"}, h("p", {class: "item-text", dir: "auto"}, idea.text),
          bar(idea.upvotes / top, "▲ " + idea.upvotes));
      }));
    }
    var votes = S.confirmed[round.id] || {};
    var items = res.items.slice();
    if (round.kind === "rating") {
      items.sort(function (a, b) { return (b.mean || 0) - (a.mean || 0); });
      var labels = scaleLabels(round);
      return [h("p", {class: "meta"}, "1 = " + labels[0] + " · 5 = " + labels[4]),
        h("ol", {class: "result-list"}, items.map(function (r) {
        var mine = votes[r.id];
        return h("li", {class: "result", "data-item": r.id},
          h("p", {class: "item-text", lang: S.lang, dir: "auto"}, texts[r.id] ? texts[r.id].text : r.id),
          r.mean === null ? h("p", {class: "meta"}, t("no_answers"))
            : bar(r.mean / 5, Live.formatMean(r.mean, S.ui)),
          h("p", {class: "meta"}, t("answers", {n: r.votes}),
            mine !== undefined ? " · " + t("you", {value: mine === "cant_judge"
              ? t("cant_judge") : mine}) : ""));
      }))];
    }
    items.sort(function (a, b) { return b.points - a.points; });
    var most = Math.max.apply(null, items.map(function (r) { return r.points; }).concat([1]));
    return h("ol", {class: "result-list"}, items.map(function (r) {
      var mine = votes[r.id];
      return h("li", {class: "result", "data-item": r.id},
        h("p", {class: "item-text", lang: S.lang, dir: "auto"}, texts[r.id] ? texts[r.id].text : r.id),
        bar(r.points / most, t("points", {n: r.points})),
        h("p", {class: "meta"}, r.votes ? t("from_people", {n: r.votes}) : t("no_answers"),
          mine ? " · " + t("you", {value: t("points", {n: mine})}) : ""));
    }));
  }

  function bar(share, label) {
    return h("div", {class: "rbar"},
      h("span", {class: "track", "aria-hidden": "true"},
        h("span", {class: "fill", style: "width:" + Math.round(100 * Math.max(0, share)) + "%"})),
      h("span", {class: "figure"}, label));
  }

  render();
})();
