/* The facilitator's console: drive the rounds, watch participation, moderate ideas, end.
   Every button waits for the server's answer and offers only the steps the round allows. */
(function () {
  "use strict";

  var h = Live.h, fill = Live.fill;
  var P = Live.readJSON("console-data");
  var T = Live.readJSON("texts");
  var t = Live.translator(Object.assign({}, T.common, T.page));
  var lang = document.documentElement.lang;
  var nowBody = document.getElementById("now-body");
  var connBar = document.getElementById("conn");
  var agenda = document.getElementById("agenda");
  var linksBox = document.getElementById("links-box");
  var endButton = document.getElementById("end-session");
  var ACK_MS = 10000;

  var S = {session: null, rounds: {}, order: [], current: null, results: {}, tally: {},
    presence: null, ideas: {}, seq: {}, ended: false, connected: false, everConnected: false,
    busy: {}, message: null, linksTouched: false};

  var countdown = new Live.Countdown(P.now);
  var socket = Live.connect({session: P.session, facilitator_token: P.facilitator_token,
    language: P.language});

  linksBox.addEventListener("toggle", function () { S.linksTouched = true; });

  socket.on("connect", function () { S.connected = S.everConnected = true; render(); });
  socket.on("disconnect", function () { S.connected = false; render(); });
  socket.on("connect_error", function (err) {
    S.refused = err && err.data ? err.data.message : null;
    render();
  });
  socket.on("state", function (state) {
    Live.applyStaffState(S, state, socket, countdown);
    render();
  });
  socket.on("round", function (data) {
    var before = S.rounds[data.round.id];
    S.rounds[data.round.id] = data.round;
    S.current = data.current_round;
    if (before && before.attempt !== data.round.attempt) delete S.results[data.round.id];
    if (data.round.state === "open" && linksBox.open && !S.linksTouched) linksBox.open = false;
    render();
  });
  Live.follow(socket, S, {tally: renderParticipation, presence: renderParticipation,
                          results: renderPreview, ideas: renderPreview});
  socket.on("timer", function (data) { countdown.set(data.timer); renderTimer(); });
  // The end stops the timer at once, before the server's `timer: null` arrives.
  socket.on("ended", function () { S.ended = true; countdown.set(null); render(); });

  /* --- Actions ------------------------------------------------------------------------------- */

  var ERRORS = {
    invalid_transition: "err_invalid_transition",
    session_ended: "err_session_ended",
    timeout: "err_timeout",
    offline: "err_offline"
  };

  function act(event, payload, busyKey) {
    if (S.busy[busyKey]) return Promise.resolve(null);
    S.busy[busyKey] = true;
    S.message = null;
    render();
    return Live.call(socket, event, payload, ACK_MS).then(function (ack) {
      delete S.busy[busyKey];
      if (busyKey.indexOf("round:") === 0) {
        settledAt = Date.now() + SETTLE_MS;
        window.setTimeout(render, SETTLE_MS + 20);
      }
      if (ack.ok) {
        if (ack.current_round !== undefined) S.current = ack.current_round;
        if (ack.timer !== undefined) countdown.set(ack.timer);
        if (ack.ended) S.ended = true;
      } else {
        var code = ack.error && ack.error.code;
        S.message = ERRORS[code] ? t(ERRORS[code])
          : t("err_other", {message: (ack.error && ack.error.message) || code});
        if (code === "timeout") Live.forceReconnect(socket);
      }
      render();
      return ack;
    });
  }

  // After a round changed, its buttons change under the pointer ("Close" becomes "Show
  // results"): a double click must not take the second step, so controls rest a moment.
  var SETTLE_MS = 700;
  var settledAt = 0;
  function roundBusy() {
    return Date.now() < settledAt ||
      Object.keys(S.busy).some(function (k) { return k.indexOf("round:") === 0; });
  }

  function roundAction(event, round) {
    var run = function () { act(event, {round: round.id}, "round:" + round.id); };
    if (event === "reopen_round") {
      confirmDialog(t("reopen_title"), t("reopen_text"), t("reopen_round")).then(function (ok) {
        if (ok) run();
      });
    } else {
      run();
    }
  }

  /* The transitions a round allows: pending -> open; open -> close, reveal/hide;
     closed -> reveal/hide, reopen. After the end only showing and hiding results remain. */
  function allowed(round) {
    var out = [];
    if (!S.ended && round.state === "pending") out.push("open_round");
    if (!S.ended && round.state === "open") out.push("close_round");
    if (round.state !== "pending") out.push(round.revealed ? "hide_round" : "reveal_round");
    if (!S.ended && round.state === "closed") out.push("reopen_round");
    return out;
  }

  function nextStep() {
    if (S.ended) return null;
    var round = S.rounds[S.current];
    if (!round || round.state === "pending") {
      var first = round || S.rounds[S.order.filter(function (id) {
        return S.rounds[id].state === "pending";
      })[0]];
      return first ? {event: "open_round", round: first, label: t("next_open")} : null;
    }
    if (round.state === "open") return {event: "close_round", round: round, label: t("next_close")};
    if (!round.revealed) return {event: "reveal_round", round: round, label: t("next_reveal")};
    var after = S.order.slice(S.order.indexOf(round.id) + 1).filter(function (id) {
      return S.rounds[id].state === "pending";
    })[0];
    return after ? {event: "open_round", round: S.rounds[after], label: t("next_round")} : null;
  }

  function confirmDialog(title, text, okLabel) {
    var dialog = document.getElementById("confirm");
    if (!dialog.showModal) return Promise.resolve(window.confirm(title + "\n\n" + text));
    document.getElementById("confirm-title").textContent = title;
    document.getElementById("confirm-text").textContent = text;
    document.getElementById("confirm-ok").textContent = okLabel;
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        resolve(dialog.returnValue === "ok");
      });
      dialog.showModal();
      document.getElementById("confirm-cancel").focus();
    });
  }

  endButton.addEventListener("click", function () {
    confirmDialog(t("end_title"), t("end_text"), t("end_session")).then(function (ok) {
      if (ok) act("end_session", {}, "end");
    });
  });

  /* --- Drawing ------------------------------------------------------------------------------- */

  function render() {
    connBar.hidden = S.connected || !(S.everConnected || S.refused);
    if (!connBar.hidden) {
      fill(connBar, h("span", {class: "spinner", "aria-hidden": "true"}),
        S.refused || t("reconnecting"));
    }
    endButton.disabled = S.ended || !S.connected || !!S.busy.end;
    endButton.hidden = S.ended;
    if (!S.session) return;
    renderAgenda();
    renderNow();
  }

  function roundTitle(round) {
    return [round.field_title, t("kind_" + round.kind)].filter(Boolean).join(" · ");
  }

  function renderAgenda() {
    var locked = !S.connected || roundBusy();
    Array.prototype.forEach.call(agenda.children, function (li) {
      var round = S.rounds[Number(li.getAttribute("data-round"))];
      if (!round) return;
      var isCurrent = round.id === S.current;
      li.classList.toggle("current", isCurrent);
      if (isCurrent) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
      li.setAttribute("data-state", round.state);
      var state = li.querySelector(".state");
      state.className = "state state-" + round.state;
      Live.setText(state, t("state_" + round.state));
      li.querySelector(".revealed-flag").hidden = !round.revealed;
      var busy = S.busy["round:" + round.id];
      fill(li.querySelector(".controls"), allowed(round).map(function (event) {
        return h("button", {type: "button", class: "small" + (event === "open_round"
          ? " go" : ""), "data-action": event, disabled: locked,
          "aria-busy": busy ? "true" : null,
          onclick: function () { roundAction(event, round); }}, t(event));
      }));
    });
  }

  var parts = {};

  function renderNow() {
    var round = S.rounds[S.current];
    var step = nextStep();
    var locked = !S.connected || roundBusy();
    parts.participation = h("div", {class: "participation"});
    parts.timer = h("div", {class: "timer-box"});
    parts.preview = h("div", {class: "preview"});
    var head;
    if (S.ended) {
      head = [h("p", {class: "banner ended"}, t("ended"))];
    } else if (!round) {
      head = [h("p", {class: "lead"}, t("now_none"))];
    } else {
      var position = S.order.indexOf(round.id) + 1;
      head = [
        h("p", {class: "meta"}, t("round_label", {n: position, total: S.order.length})),
        h("h2", {class: "now-title"}, roundTitle(round)),
        h("p", {class: "q"}, round.question),
        h("p", {class: "status-line"},
          h("span", {class: "state state-" + round.state}, t("state_" + round.state)),
          " · ", round.revealed ? t("revealed") : t("not_revealed"),
          round.attempt > 1 ? " · " + t("shift_note", {n: round.attempt}) : "")
      ];
    }
    var next = step ? h("button", {type: "button", class: "primary big next-step",
      "data-next": step.event, "data-round": String(step.round.id), disabled: locked,
      onclick: function () { roundAction(step.event, step.round); }},
      step.label + (step.round !== round ? ": " + roundTitle(step.round) : "")) : null;
    fill(nowBody, head, next,
      S.message ? h("p", {class: "problems action-error", role: "alert"}, S.message) : null,
      h("h3", {}, t("participation")), parts.participation,
      S.ended ? null : [h("h3", {}, t("timer")), parts.timer],
      parts.preview);
    renderParticipation();
    renderTimer();
    renderPreview();
  }

  function renderParticipation() {
    if (!parts.participation || !S.session) return;
    var presence = S.presence || {present: 0, present_by_group: {}};
    var round = S.rounds[S.current];
    var tally = round && round.state !== "pending" ? S.tally[round.id] : null;
    var rows = S.session.groups.map(function (g) {
      var v = tally ? tally.voted_by_group[g.id] || 0 : 0;
      return h("tr", {"data-group": g.id}, h("th", {scope: "row"}, g.name),
        h("td", {class: "present"}, String((presence.present_by_group || {})[g.id] || 0)),
        h("td", {class: "voted"}, tally ? String(v) : "–"));
    });
    fill(parts.participation, h("table", {class: "grid"},
      h("thead", {}, h("tr", {}, h("th", {scope: "col"}, t("group")),
        h("th", {scope: "col"}, t("present")), h("th", {scope: "col"}, t("voted")))),
      h("tbody", {}, rows),
      h("tfoot", {}, h("tr", {"data-group": "total"}, h("th", {scope: "row"}, t("total")),
        h("td", {class: "present"}, String(presence.present || 0)),
        h("td", {class: "voted"}, tally ? String(tally.voted) : "–")))));
  }

  var clockEl = null;
  countdown.onTick(function (left) {
    if (!clockEl) return;
    Live.setText(clockEl, left === null ? t("no_timer") : left === 0 ? t("time_up")
      : Live.clock(left));
    clockEl.className = "clock" + (left === 0 ? " up" : left === null ? " idle" : "");
  });

  function renderTimer() {
    if (!parts.timer) return;
    var left = countdown.remaining();
    var locked = !S.connected || S.busy.timer;
    clockEl = h("span", {class: "clock" + (left === 0 ? " up" : left === null ? " idle" : ""),
      role: "timer"},
      left === null ? t("no_timer") : left === 0 ? t("time_up") : Live.clock(left));
    fill(parts.timer, clockEl, h("span", {class: "timer-buttons"},
      [1, 2, 3, 5].map(function (m) {
        return h("button", {type: "button", class: "small", "data-minutes": String(m),
          disabled: locked, onclick: function () {
            act("timer", {seconds: m * 60}, "timer");
          }}, t("minutes", {n: m}));
      }),
      h("button", {type: "button", class: "small", "data-minutes": "0",
        disabled: locked || left === null, onclick: function () {
          act("timer", {seconds: 0}, "timer");
        }}, t("stop"))));
  }

  function renderPreview() {
    if (!parts.preview) return;
    var round = S.rounds[S.current];
    if (!round || round.state === "pending") { fill(parts.preview); return; }
    if (round.kind === "ideas") { fill(parts.preview, moderation(round)); return; }
    var res = S.results[round.id];
    fill(parts.preview, h("h3", {}, t("preview")),
      h("p", {class: "hint"}, round.revealed ? t("shown_hint") : t("preview_hint")),
      res ? previewTable(round, res) : h("p", {class: "meta"}, t("no_answers")));
  }

  function previewTable(round, res) {
    var texts = {};
    round.items.forEach(function (item, i) { texts[item.id] = {n: i + 1, text: item.text}; });
    var rating = round.kind === "rating";
    var items = res.items.slice().sort(rating
      ? function (a, b) { return (b.mean || 0) - (a.mean || 0); }
      : function (a, b) { return b.points - a.points; });
    return h("table", {class: "grid preview-table"},
      h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "#"),
        h("th", {scope: "col"}, t("statement")),
        h("th", {scope: "col"}, rating ? t("average") : t("points_col")),
        h("th", {scope: "col"}, t("votes")),
        rating ? h("th", {scope: "col"}, t("consensus")) : null)),
      h("tbody", {}, items.map(function (r) {
        var flags = rating && r.divergent ? " ⚡" : "";
        return h("tr", {"data-item": r.id},
          h("td", {}, String(texts[r.id].n)),
          h("td", {class: "clip", title: texts[r.id].text}, texts[r.id].text),
          h("td", {class: "fig"}, rating ? Live.formatMean(r.mean, lang) : String(r.points)),
          h("td", {class: "fig"}, String(r.votes)),
          rating ? h("td", {class: "fig"}, r.consensus === null ? "–"
            : Math.round(r.consensus * 100) + " %" + flags) : null);
      })));
  }

  function moderation(round) {
    var ideas = S.ideas[round.id] || [];
    return [h("h3", {}, t("moderation")),
      ideas.length ? h("ul", {class: "moderation"}, ideas.map(function (idea) {
        var key = "idea:" + idea.id;
        return h("li", {class: idea.hidden ? "is-hidden" : "", "data-idea": String(idea.id)},
          h("span", {class: "idea-text"}, idea.text),
          h("span", {class: "votes"}, "▲ " + idea.upvotes),
          idea.hidden ? h("span", {class: "tag"}, t("hidden")) : null,
          h("button", {type: "button", class: "small", "data-action": idea.hidden ? "show" : "hide",
            disabled: !S.connected || S.busy[key], onclick: function () {
              act("hide_idea", {idea: idea.id, hidden: !idea.hidden}, key).then(function (ack) {
                if (ack && ack.ok) { idea.hidden = ack.hidden; renderPreview(); }
              });
            }}, idea.hidden ? t("show") : t("hide")));
      })) : h("p", {class: "meta"}, t("no_ideas"))];
  }

  render();
})();
