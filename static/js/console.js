/* The facilitator's console: drive the rounds, watch who has finished, moderate ideas, shape
   the agenda, end the session. Every button waits for the server's answer and offers only
   the actions the server lists for the round. */
(function () {
  "use strict";

  var h = Live.h, fill = Live.fill;
  var P = Live.readJSON("console-data");
  var T = Live.readJSON("texts");
  var t = Live.translator(Object.assign({}, T.common, T.page, T.editor));
  var lang = document.documentElement.lang;
  var nowBody = document.getElementById("now-body");
  var connBar = document.getElementById("conn");
  var agenda = document.getElementById("agenda");
  var linksBox = document.getElementById("links-box");
  var endButton = document.getElementById("end-session");
  var editButton = document.getElementById("edit-agenda");
  var editorBox = document.getElementById("agenda-editor");
  var ACK_MS = 10000;

  var S = {session: null, rounds: {}, order: [], current: null, results: {}, tally: {},
    presence: null, ideas: {}, seq: {}, ended: false, connected: false, everConnected: false,
    busy: {}, message: null, linksTouched: false, archive: null, folder: null, skipOk: {},
    editing: false};

  var countdown = new Live.Countdown(P.now);
  var socket = Live.connect({session: P.session, facilitator_token: P.facilitator_token,
    language: P.language});

  linksBox.addEventListener("toggle", function () { S.linksTouched = true; });

  socket.on("connect", function () { S.connected = S.everConnected = true; render(); });
  socket.on("disconnect", function () { S.connected = false; render(); });
  socket.on("connect_error", function (err) {
    S.refused = err && err.data ? err.data.message : null;
    Live.retryRefused(socket, err);
    render();
  });
  socket.on("state", function (state) {
    Live.applyStaffState(S, state, socket, countdown);
    S.archive = state.archive || S.archive;
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
  socket.on("agenda", function (data) {
    S.rounds = Live.byId(data.rounds);
    S.order = data.rounds.map(function (r) { return r.id; });
    S.current = data.current_round;
    render();
  });
  Live.follow(socket, S, {tally: renderParticipation, presence: renderParticipation,
                          results: renderPreview, ideas: renderPreview});
  socket.on("timer", function (data) { countdown.set(data.timer); renderTimer(); });
  // The end stops the timer at once, before the server's `timer: null` arrives.
  socket.on("ended", function () { S.ended = true; countdown.set(null); render(); });
  socket.on("archived", function (data) { S.archive = data; renderNow(); });

  /* --- Actions ------------------------------------------------------------------------------- */

  var ERRORS = {
    invalid_transition: "err_invalid_transition",
    session_ended: "err_session_ended",
    timeout: "err_timeout",
    offline: "err_offline"
  };

  function explain(ack) {
    var code = ack.error && ack.error.code;
    return ERRORS[code] ? t(ERRORS[code])
      : t("err_other", {message: (ack.error && ack.error.message) || code});
  }

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
        if (ack.ended) { S.ended = true; S.folder = ack.folder; countdown.set(null); }
      } else {
        S.message = explain(ack);
        if (ack.error && ack.error.code === "timeout") Live.forceReconnect(socket);
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

  function position(round) { return S.order.indexOf(round.id) + 1; }

  /* Rounds before `round` that were never opened, and not yet agreed to be skipped. */
  function skipped(round) {
    return S.order.slice(0, S.order.indexOf(round.id)).map(function (id) {
      return S.rounds[id];
    }).filter(function (r) { return r.state === "pending" && !S.skipOk[r.id]; });
  }

  function roundAction(event, round) {
    var run = function () { act(event, {round: round.id}, "round:" + round.id); };
    if (event === "reopen_round") {
      confirmDialog(t("reopen_title"), t("reopen_text"), t("reopen_round")).then(function (ok) {
        if (ok) run();
      });
    } else if (event === "open_round" && skipped(round).length) {
      // Asked once: the rounds left out are not asked about again.
      var left = skipped(round);
      var names = left.map(position).join(", ");
      confirmDialog(t("skip_title", {n: position(round)}),
        t("skip_text", {rounds: names, n: position(round)}), t("open_round"), "go")
        .then(function (ok) {
          if (!ok) return;
          left.forEach(function (r) { S.skipOk[r.id] = true; });
          run();
        });
    } else {
      run();
    }
  }

  function pendingAfter(round) {
    return S.order.slice(S.order.indexOf(round.id) + 1).filter(function (id) {
      return S.rounds[id].state === "pending";
    })[0];
  }

  /* The one step the console proposes, as a big button: open, close, show results, the next
     round, and after the last round: end the session. */
  function nextStep() {
    if (S.ended) return null;
    var round = S.rounds[S.current];
    var pending = S.order.filter(function (id) { return S.rounds[id].state === "pending"; });
    if (!round || round.state === "pending") {
      var first = round || S.rounds[pending[0]];
      if (first) {
        var opened = S.order.some(function (id) { return S.rounds[id].state !== "pending"; });
        return {event: "open_round", round: first,
          label: opened ? t("next_round") : t("next_open")};
      }
      return S.order.length ? {event: "end_session", label: t("next_end")} : null;
    }
    if (round.state === "open") return {event: "close_round", round: round, label: t("next_close")};
    if (!round.revealed) return {event: "reveal_round", round: round, label: t("next_reveal")};
    var after = pendingAfter(round) || pending[0];
    if (after) return {event: "open_round", round: S.rounds[after], label: t("next_round")};
    return {event: "end_session", label: t("next_end")};
  }

  /* One answer per showing of the dialog. A dialog closed (Escape) and opened again at once
     gets the first closing's "close" event after it is open again: that event is not the
     answer to the second question, and the first question's answer was "no". */
  var confirmBox = document.getElementById("confirm");
  var answerConfirm = null;
  if (confirmBox) {
    confirmBox.addEventListener("close", function () {
      if (confirmBox.open || !answerConfirm) return;  // late, from an earlier showing
      var answer = answerConfirm;
      answerConfirm = null;
      answer(confirmBox.returnValue === "ok");
    });
  }

  function confirmDialog(title, text, okLabel, style) {
    var dialog = confirmBox;
    if (!dialog.showModal) return Promise.resolve(window.confirm(title + "\n\n" + text));
    if (answerConfirm) { answerConfirm(false); answerConfirm = null; }
    document.getElementById("confirm-title").textContent = title;
    document.getElementById("confirm-text").textContent = text;
    var ok = document.getElementById("confirm-ok");
    ok.textContent = okLabel;
    ok.className = style === "go" ? "primary" : "danger";
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      answerConfirm = resolve;
      dialog.showModal();
      document.getElementById("confirm-cancel").focus();
    });
  }

  function endSession() {
    confirmDialog(t("end_title"), t("end_text"), t("end_session")).then(function (ok) {
      if (ok) act("end_session", {}, "end");
    });
  }
  endButton.addEventListener("click", endSession);

  /* A new organiser link: the old one stops working. */
  var linkButton = document.getElementById("new-summary-link");
  var linkStatus = document.getElementById("summary-link-status");
  linkButton.addEventListener("click", function () {
    confirmDialog(t("new_link_title"), t("new_link_text"), t("new_link")).then(function (ok) {
      if (!ok) return;
      linkButton.disabled = true;
      api("POST", P.summary_link_api).then(function (answer) {
        linkButton.disabled = false;
        if (!answer.ok) { linkStatus.textContent = answer.message; return; }
        P.links.summary = answer.body.summary;
        var link = document.getElementById("link-summary");
        link.href = link.textContent = answer.body.summary;
        linkStatus.textContent = t("new_link_done");
        renderNow();
      });
    });
  });

  /* The HTTP API with the facilitator's token; resolves to {ok, status, body, message}. */
  function api(method, url, body) {
    return window.fetch(url, {method: method, credentials: "same-origin",
      headers: {"Authorization": "Bearer " + P.facilitator_token,
                "Content-Type": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (response) {
        return response.json().then(function (json) {
          return {ok: response.ok, status: response.status, body: json,
            message: json.error ? json.error.message : "", error: json.error || null};
        });
      }, function () {
        return {ok: false, status: 0, body: null, message: t("err_offline"), error: null};
      });
  }

  /* --- The agenda editor ------------------------------------------------------------------- */

  var editor = null;
  var editorError = document.getElementById("editor-error");
  var saveButton = document.getElementById("editor-save");

  function currentRounds() { return S.order.map(function (id) { return S.rounds[id]; }); }

  editButton.addEventListener("click", function () {
    S.editing = true;
    editorError.hidden = true;
    var options = {catalogue: P.catalogue, defaults: P.defaults, t: t,
      languages: function () { return P.languages; }, languageNames: P.language_names,
      rounds: currentRounds()};
    if (editor) editor.setRounds(currentRounds());
    else editor = new AgendaEditor(document.getElementById("editor-body"), options);
    render();
    var first = editorBox.querySelector("button, select, input");
    if (first) first.focus();
  });
  document.getElementById("editor-cancel").addEventListener("click", function () {
    S.editing = false;
    render();
    editButton.focus();
  });
  saveButton.addEventListener("click", function () {
    if (!editor.check()) return;
    saveButton.disabled = true;
    editorError.hidden = true;
    api("PUT", P.agenda_api, {agenda: editor.value()}).then(function (answer) {
      saveButton.disabled = false;
      if (answer.ok) {
        S.editing = false;
        // The answer is the new state; the `agenda` event brings the same to every screen.
        S.rounds = Live.byId(answer.body.rounds);
        S.order = answer.body.rounds.map(function (r) { return r.id; });
        render();
        editButton.focus();
        return;
      }
      var code = answer.error && answer.error.code;
      editorError.textContent = code === "round_started" ? t("err_round_started")
        : code === "session_ended" ? t("err_session_ended")
        : code === "invalid_agenda" ? t("err_agenda") : answer.message;
      editorError.hidden = false;
      if (code === "round_started") editor.setRounds(currentRounds());
      if (answer.error && answer.error.problems) editor.setProblems(answer.error.problems);
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
    editButton.hidden = S.ended || S.editing;
    editorBox.hidden = !S.editing;
    agenda.hidden = S.editing;
    document.getElementById("head-code").hidden = S.ended;
    if (!S.session) return;
    renderAgenda();
    renderNow();
  }

  function roundTitle(round) {
    return [round.field_title, t("kind_" + round.kind)].filter(Boolean).join(" · ");
  }

  function attemptLabel(round) {
    return round.attempt === 2 ? t("second_vote")
      : round.attempt > 2 ? t("vote_n", {n: round.attempt}) : "";
  }

  function controls(round) {
    var locked = !S.connected || roundBusy();
    var busy = S.busy["round:" + round.id];
    return round.actions.map(function (event) {
      return h("button", {type: "button", class: "small" + (event === "open_round"
        ? " go" : ""), "data-action": event, disabled: locked,
        "aria-busy": busy ? "true" : null,
        "aria-label": t(event) + ": " + t("round_label", {n: position(round),
          total: S.order.length}),
        onclick: function () { roundAction(event, round); }}, t(event));
    });
  }

  function renderAgenda() {
    if (!S.order.length) {
      fill(agenda, h("li", {class: "empty"}, t("agenda_empty")));
      return;
    }
    fill(agenda, S.order.map(function (id) {
      var round = S.rounds[id];
      var isCurrent = round.id === S.current;
      return h("li", {"data-round": String(round.id), "data-state": round.state,
        class: isCurrent ? "current" : "", "aria-current": isCurrent ? "step" : null},
        h("div", {class: "agenda-line"},
          h("span", {class: "kind kind-" + round.kind}, t("kind_" + round.kind)),
          round.field_title ? h("strong", {}, round.field_title) : null,
          h("span", {class: "q"}, round.question),
          round.kind !== "ideas" ? h("span", {class: "count"},
            t("items_n", {n: round.items.length})) : null,
          h("span", {class: "state state-" + round.state}, t("state_" + round.state)),
          attemptLabel(round) ? h("span", {class: "tag attempt"}, attemptLabel(round)) : null,
          round.revealed ? h("span", {class: "revealed-flag"}, t("revealed")) : null),
        h("div", {class: "controls", role: "group",
          "aria-label": t("round_label", {n: position(round), total: S.order.length})},
          controls(round)));
    }));
  }

  var parts = {};

  function renderNow() {
    if (!S.session) return;
    if (S.ended) { renderEnded(); return; }
    var round = S.rounds[S.current];
    var step = nextStep();
    var locked = !S.connected || roundBusy();
    parts.participation = h("div", {class: "participation"});
    parts.timer = h("div", {class: "timer-box"});
    parts.preview = h("div", {class: "preview"});
    var head;
    if (!round) {
      head = [h("p", {class: "lead"}, S.order.length ? t("now_none") : t("now_no_rounds"))];
    } else {
      head = [
        h("p", {class: "meta"}, t("round_label", {n: position(round), total: S.order.length})),
        h("h3", {class: "now-title"}, roundTitle(round)),
        h("p", {class: "q"}, round.question),
        h("p", {class: "status-line"},
          h("span", {class: "state state-" + round.state}, t("state_" + round.state)),
          " · ", round.revealed ? t("revealed") : t("not_revealed"),
          attemptLabel(round) ? " · " + attemptLabel(round) : "")
      ];
    }
    var next = null;
    if (step) {
      next = h("button", {type: "button", class: "primary big next-step",
        "data-next": step.event, "data-round": step.round ? String(step.round.id) : null,
        disabled: locked || (step.event === "end_session" && !!S.busy.end),
        onclick: function () {
          if (step.event === "end_session") endSession();
          else roundAction(step.event, step.round);
        }},
        step.label + (step.round && step.round !== round ? ": " + roundTitle(step.round) : ""));
    }
    var ideasRound = round && round.kind === "ideas" && round.state !== "pending";
    fill(nowBody, head, next,
      S.message ? h("p", {class: "problems action-error", role: "alert"}, S.message) : null,
      ideasRound ? parts.preview : null,
      h("h3", {}, t("participation")), parts.participation,
      h("h3", {}, t("timer")), parts.timer,
      ideasRound ? null : parts.preview);
    renderParticipation();
    renderTimer();
    renderPreview();
  }

  function renderEnded() {
    var files = S.archive && S.archive.files;
    var folder = (S.archive && S.archive.folder) || S.folder;
    parts.participation = parts.timer = parts.preview = null;
    fill(nowBody,
      h("p", {class: "banner ended"}, t("ended")),
      h("p", {}, h("a", {class: "button primary", href: P.summary_page, id: "ended-summary"},
        t("open_summary"))),
      h("h3", {}, t("downloads")),
      h("ul", {class: "downloads"}, P.downloads.map(function (d) {
        return h("li", {}, h("a", {href: d.href, download: "", "data-format": d.format},
          t("format_" + d.format)));
      })),
      h("h3", {}, t("saved_files")),
      folder ? h("p", {class: "hint"}, t("saved_in"), " ", h("code", {id: "saved-folder"},
        folder)) : null,
      files && files.length ? h("ul", {class: "saved", id: "saved-files"},
        files.map(function (name) { return h("li", {}, h("code", {}, name)); }))
        : h("p", {class: "meta", id: "saving"}, h("span", {class: "spinner",
          "aria-hidden": "true"}), t("saving")),
      h("p", {class: "hint"}, t("organiser_hint"), " ",
        h("a", {href: P.links.summary}, t("summary_link"))));
  }

  function renderParticipation() {
    if (!parts.participation || !S.session) return;
    var presence = S.presence || {present: 0, present_by_group: {}};
    var round = S.rounds[S.current];
    var tally = round && round.state !== "pending" ? S.tally[round.id] : null;
    function cell(kind, group) {
      if (!tally) return "–";
      var counts = tally[kind];
      return String(group ? counts.by_group[group] || 0 : counts.total);
    }
    var rows = S.session.groups.map(function (g) {
      return h("tr", {"data-group": g.id}, h("th", {scope: "row"}, g.name),
        h("td", {class: "present"}, String((presence.present_by_group || {})[g.id] || 0)),
        h("td", {class: "started"}, cell("started", g.id)),
        h("td", {class: "finished"}, cell("finished", g.id)));
    });
    fill(parts.participation, h("table", {class: "grid"},
      h("thead", {}, h("tr", {}, h("th", {scope: "col"}, t("group")),
        h("th", {scope: "col"}, t("present")), h("th", {scope: "col"}, t("started")),
        h("th", {scope: "col"}, t("finished")))),
      h("tbody", {}, rows),
      h("tfoot", {}, h("tr", {"data-group": "total"}, h("th", {scope: "row"}, t("total")),
        h("td", {class: "present"}, String(presence.present || 0)),
        h("td", {class: "started"}, cell("started")),
        h("td", {class: "finished"}, cell("finished"))))),
      tally ? h("p", {class: "hint", id: "finished-line"}, t("finished_of_present", {
        n: tally.finished.total, total: Math.max(presence.present || 0,
          tally.finished.total)})) : null);
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
      round.revealed ? pager(round) : null,
      res ? previewTable(round, res) : h("p", {class: "meta"}, t("no_answers")));
  }

  /* Long results are shown in pages on the projector; the facilitator turns them. */
  function pager(round) {
    function turn(step) { act("page", {round: round.id, step: step}, "page"); }
    return h("p", {class: "pager", role: "group", "aria-label": t("projector_pages")},
      h("span", {class: "meta"}, t("projector_pages") + " "),
      h("button", {type: "button", class: "small", "data-page": "-1",
        disabled: !S.connected, onclick: function () { turn(-1); }}, "◂ " + t("page_back")),
      h("button", {type: "button", class: "small", "data-page": "1",
        disabled: !S.connected, onclick: function () { turn(1); }}, t("page_next") + " ▸"));
  }

  function previewTable(round, res) {
    var texts = {};
    round.items.forEach(function (item, i) { texts[item.id] = {n: i + 1, text: item.text}; });
    var rating = round.kind === "rating";
    var byId = Live.byId(res.items);
    var items = (res.ranking || res.items.map(function (r) { return r.id; }))
      .map(function (id) { return byId[id]; });
    return h("table", {class: "grid preview-table"},
      h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "#"),
        h("th", {scope: "col"}, t("statement")),
        h("th", {scope: "col"}, rating ? t("mean") : t("points_col")),
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

  /* Ideas: the queue of ideas waiting for approval first, where the facilitator looks. */
  function moderation(round) {
    var all = S.ideas[round.id] || [];
    var waiting = all.filter(function (i) { return i.status === "waiting"; });
    var shown = all.filter(function (i) { return i.status === "shown"; });
    var hidden = all.filter(function (i) { return i.status === "hidden"; });
    function button(idea, event, label, payload) {
      var key = "idea:" + idea.id;
      return h("button", {type: "button", class: "small" + (event === "approve_idea"
        ? " go" : ""), "data-action": event, disabled: !S.connected || !!S.busy[key],
        onclick: function () {
          act(event, Object.assign({idea: idea.id}, payload || {}), key).then(function (ack) {
            if (ack && ack.ok) {
              idea.status = ack.status;
              idea.hidden = ack.hidden;
              renderPreview();
            }
          });
        }}, label);
    }
    function list(ideas, status, buttons) {
      return h("ul", {class: "moderation", "data-list": status}, ideas.map(function (idea) {
        return h("li", {class: "is-" + status, "data-idea": String(idea.id)},
          h("span", {class: "idea-text", dir: "auto"}, idea.text),
          status === "shown" ? h("span", {class: "votes"}, "▲ " + idea.upvotes) : null,
          h("span", {class: "idea-buttons"}, buttons(idea)));
      }));
    }
    var pre = round.moderation === "pre";
    return [
      h("h3", {}, pre ? t("queue", {n: waiting.length}) : t("moderation")),
      pre ? (waiting.length ? list(waiting, "waiting", function (idea) {
        return [button(idea, "approve_idea", t("approve")),
          button(idea, "hide_idea", t("hide"), {hidden: true})];
      }) : h("p", {class: "meta", id: "queue-empty"}, t("queue_empty"))) : null,
      h("h4", {}, t("shown_ideas", {n: shown.length})),
      shown.length ? list(shown, "shown", function (idea) {
        return [button(idea, "hide_idea", t("hide"), {hidden: true})];
      }) : h("p", {class: "meta"}, t("no_ideas")),
      hidden.length ? [h("h4", {}, t("hidden_ideas", {n: hidden.length})),
        list(hidden, "hidden", function (idea) {
          return [button(idea, "hide_idea", t("show"), {hidden: false})];
        })] : null];
  }

  render();
})();
