/* The projector: the current round for the room, who has finished, and the results once
   revealed. It is read from the back of the room: type never shrinks below a floor and text is
   never cut; a round longer than the screen is shown in pages instead (turning by themselves
   while voting, turned by the facilitator when results are up). */
(function () {
  "use strict";

  var h = Live.h, fill = Live.fill;
  var P = Live.readJSON("projector-data");
  var T = Live.readJSON("texts");
  var t = Live.translator(Object.assign({}, T.common, T.page));
  var lang = document.documentElement.lang;
  var stage = document.getElementById("stage");
  var side = document.getElementById("side");
  var connBar = document.getElementById("conn");

  var S = {session: null, rounds: {}, order: [], current: null, results: {}, tally: {},
    presence: null, ideas: {}, seq: {}, ended: false, connected: false, everConnected: false,
    stageKey: null, page: 0, pages: [0], pageKey: null};

  var countdown = new Live.Countdown(P.now);
  var socket = Live.connect({session: P.session, projector_token: P.projector_token,
    language: P.language});

  socket.on("connect", function () { S.connected = S.everConnected = true; showConnection(); });
  socket.on("disconnect", function () { S.connected = false; showConnection(); });
  socket.on("connect_error", function (err) {
    S.refused = err && err.data ? err.data.message : null;
    Live.retryRefused(socket, err);
    showConnection();
  });
  socket.on("state", function (state) {
    Live.applyStaffState(S, state, socket, countdown);
    redrawStage();
  });
  socket.on("round", function (data) {
    S.rounds[data.round.id] = data.round;
    S.current = data.current_round;
    if (!data.round.revealed) delete S.results[data.round.id];
    render();
  });
  // The agenda was edited: items, questions or the order may have changed.
  socket.on("agenda", function (data) {
    S.rounds = Live.byId(data.rounds);
    S.order = data.rounds.map(function (r) { return r.id; });
    S.current = data.current_round;
    redrawStage();
  });
  function redrawStage() { S.stageKey = null; render(); }
  Live.follow(socket, S, {tally: renderSide, presence: renderSide,
                          results: redrawStage, ideas: redrawStage});
  socket.on("timer", function (data) { countdown.set(data.timer); renderSide(); });
  // The end stops the timer at once, before the server's `timer: null` arrives.
  socket.on("ended", function () { S.ended = true; countdown.set(null); render(); });
  // The facilitator turns the pages of results (step 1 or -1); the last page leads back to
  // the first.
  socket.on("page", function (data) {
    var round = currentRound();
    if (!round || round.id !== data.round || S.pages.length < 2) return;
    showPage((S.page + data.step + S.pages.length) % S.pages.length);
  });

  function showConnection() {
    var down = !S.connected && (S.everConnected || S.refused);
    connBar.hidden = !down;
    if (down) fill(connBar, h("span", {class: "spinner", "aria-hidden": "true"}),
      S.refused || t("reconnecting"));
  }

  function currentRound() {
    var round = S.rounds[S.current];
    return round && round.state !== "pending" ? round : null;
  }

  function groups() { return (S.session && S.session.groups) || []; }

  /* --- The side: timer and participation ------------------------------------------------------ */

  var clockEl = null;
  countdown.onTick(function (left) {
    if (!clockEl) return;
    clockEl.className = "clock" + (left === 0 ? " up" : "");
    Live.setText(clockEl, left === 0 ? t("time_up") : Live.clock(left));
  });

  function renderSide() {
    if (!S.session) return;
    clockEl = null;
    if (S.ended) { fill(side); return; }
    var parts = [];
    var left = countdown.remaining();
    if (left !== null) {
      clockEl = h("p", {class: "clock" + (left === 0 ? " up" : ""), role: "timer"},
        left === 0 ? t("time_up") : Live.clock(left));
      parts.push(clockEl);
    }
    var presence = S.presence || {present: 0, present_by_group: {}};
    var round = currentRound();
    var tally = round && S.tally[round.id];
    if (round) {
      // "Finished of present": a phone with two of eight answers has started, not finished.
      var count = function (what, group) {
        if (!tally) return 0;
        return group ? tally[what].by_group[group] || 0 : tally[what].total;
      };
      var finished = count("finished");
      var started = count("started");
      var total = Math.max(presence.present || 0, started);
      parts.push(h("div", {class: "turnout", "data-finished": String(finished),
        "data-started": String(started), "data-total": String(total)},
        h("p", {class: "turnout-big"}, h("strong", {}, String(finished)), " / " + total),
        h("p", {class: "turnout-label"}, t("finished_of_present")),
        started > finished ? h("p", {class: "turnout-started"},
          t("still_answering", {n: started - finished})) : null,
        h("ul", {class: "turnout-groups"}, groups().map(function (g) {
          var done = count("finished", g.id);
          var present = Math.max((presence.present_by_group || {})[g.id] || 0,
            count("started", g.id));
          return h("li", {"data-group": g.id},
            h("span", {class: "g-name"}, g.name),
            h("span", {class: "g-count"}, done + " / " + present),
            h("span", {class: "g-bar", "aria-hidden": "true"},
              h("span", {style: "width:" + (present ? Math.round(100 * done / present) : 0) +
                "%"})));
        }))));
    } else {
      parts.push(h("div", {class: "turnout"},
        h("p", {class: "turnout-label"}, t("joined", {n: presence.present || 0}))));
    }
    fill(side, parts);
  }

  /* --- The stage ------------------------------------------------------------------------------ */

  function render() {
    showConnection();
    renderSide();
    if (!S.session) return;
    var round = currentRound();
    var key = S.ended ? "ended" : round ? [round.id, round.attempt, round.state, round.revealed,
      round.question, round.items.length, !!S.results[round.id]].join("/") : "waiting";
    if (key === S.stageKey) return;
    S.stageKey = key;
    var wall = document.getElementById("wall");
    if (S.ended) {
      wall.setAttribute("data-screen", "ended");
      // Nothing to join any more: the code, the QR code and the address leave the wall.
      var info = document.getElementById("join-info");
      if (info) info.remove();
      var meta = [S.session.place, S.session.date].filter(Boolean).join(" · ");
      fill(stage, h("div", {class: "hero closing"}, h("h1", {}, S.session.title),
        meta ? h("p", {class: "meta"}, meta) : null,
        h("p", {class: "big-hint"}, t("ended"))));
      layout(null);
    } else if (!round) {
      wall.setAttribute("data-screen", "waiting");
      fill(stage, waiting());
      layout(null);
    } else {
      wall.setAttribute("data-screen", round.revealed ? "results" : round.state);
      wall.setAttribute("data-round", String(round.id));
      var body = roundBody(round);
      fill(stage, roundHead(round), body.block, footer(body));
      layout(round);
    }
  }

  function waiting() {
    var s = S.session;
    var meta = [s.place, s.date].filter(Boolean).join(" · ");
    return h("div", {class: "hero"},
      h("h1", {}, s.title),
      meta ? h("p", {class: "meta"}, meta) : null,
      h("p", {class: "big-hint"}, t("join_on_phone")),
      h("p", {class: "waiting-next"}, h("span", {class: "pulse", "aria-hidden": "true"},
        h("span"), h("span"), h("span")), t("waiting")));
  }

  function roundHead(round) {
    var position = S.order.indexOf(round.id) + 1;
    var badge = round.revealed ? ["results", t("results")]
      : round.state === "open" ? ["open", t("voting_open")] : ["closed", t("results_hidden")];
    var sub = null;
    if (round.kind === "dots") {
      sub = h("p", {class: "round-sub", "data-budget": String(round.budget)},
        t("budget", {budget: round.budget, max: round.max_per_item}));
    } else if (round.kind === "rating") {
      sub = h("p", {class: "round-sub"}, scaleEnds(round));
    }
    return h("header", {class: "round-head"},
      h("p", {class: "eyebrow"}, h("span", {class: "badge badge-" + badge[0]}, badge[1]),
        round.attempt > 1 ? h("span", {class: "badge badge-attempt", "data-attempt":
          String(round.attempt)}, round.attempt === 2 ? t("second_vote")
          : t("vote_n", {n: round.attempt})) : null,
        [round.field_title, t("kind_" + round.kind),
          t("round_label", {n: position, total: S.order.length})].filter(Boolean).join(" · ")),
      h("h1", {class: "question", dir: "auto"}, round.question), sub);
  }

  /* A round's body: `block` holds a `.paged` list of units shown page by page; a table's
     header row and the footer's `notes` stay on every page. */
  function roundBody(round) {
    if (round.kind === "ideas") return ideasBoard(round);
    if (round.revealed && S.results[round.id]) return resultsTable(round, S.results[round.id]);
    var many = round.items.length > 6 && longest(round) < 140;
    return {block: h("ol", {class: "paged board" + (many ? " two" : "")},
      round.items.map(function (item, i) {
        return h("li", {class: "unit p-item", "data-item": item.id},
          h("span", {class: "num"}, String(i + 1)),
          h("span", {class: "txt", dir: "auto"}, item.text));
      }))};
  }

  function longest(round) {
    return Math.max.apply(null, round.items.map(function (item) { return item.text.length; })
      .concat([0]));
  }

  function footer(body) {
    return h("footer", {class: "stage-foot"},
      h("div", {class: "notes"}, body.notes || null),
      h("p", {class: "pager", "aria-live": "off"}));
  }

  function scaleEnds(round) {
    var labels = t(round.target === "principles" ? "scale_principles" : "scale_challenges");
    return "1 = " + labels[0] + " · 5 = " + labels[4];
  }

  /* Results: ranked on the server (`ranking`), group columns only for `groups_shown`, and for
     a second vote how each item moved from the vote before. */
  function resultsTable(round, res) {
    var rating = round.kind === "rating";
    var number = {}, text = {};
    round.items.forEach(function (item, i) { number[item.id] = i + 1; text[item.id] = item.text; });
    var entries = Live.byId(res.items);
    var order = (res.ranking || res.items.map(function (r) { return r.id; }))
      .filter(function (id) { return entries[id] && text[id] !== undefined; });
    var shown = groups().filter(function (g) {
      return (res.groups_shown || []).indexOf(g.id) >= 0;
    });
    var most = Math.max.apply(null, res.items.map(function (r) { return r.points || 0; })
      .concat([1]));
    var seen = {};
    var columns = "--g:" + shown.length;

    function figure(value) {
      return rating ? (value === null || value === undefined ? "–"
        : Live.formatMean(value, lang)) : String(value);
    }
    function moved(change) {
      if (change === null || change === undefined) return null;
      seen.shift = true;
      var up = change > 0, same = change === 0;
      var shownChange = rating ? Live.formatMean(Math.abs(change), lang) : String(Math.abs(change));
      return h("span", {class: "shift " + (same ? "same" : up ? "up" : "down"),
        "data-change": String(change)}, (same ? "± " : up ? "▲ +" : "▼ −") + shownChange);
    }

    var head = h("div", {class: "r-row r-head", "aria-hidden": "true"},
      h("span", {class: "num"}), h("span", {class: "txt"}),
      h("span", {class: "overall"}, rating ? t("mean") : t("total_points")),
      shown.map(function (g) { return h("span", {class: "gcell", "data-group": g.id}, g.name); }));

    var rows = order.map(function (id) {
      var r = entries[id];
      var shift = res.shift && res.shift[id];
      var flags = [];
      if (rating && r.consensual) {  // the server applies results.CONSENSUS_THRESHOLD
        seen.consensus = true;
        flags.push(h("span", {class: "flag consensus"}, "✓ " + t("consensus")));
      }
      if (rating && r.divergent) {
        seen.divergent = true;
        flags.push(h("span", {class: "flag divergent"}, "⚡ " + t("divergent") + " (" +
          t("gap", {gap: Live.formatMean(r.divergence, lang)}) + ")"));
      }
      var overall = rating
        ? h("span", {class: "overall"},
            h("strong", {class: "mean"}, figure(r.mean)), moved(shift && shift.change),
            distribution(r), h("span", {class: "n"}, t("answers", {n: r.votes})))
        : h("span", {class: "overall"},
            h("strong", {class: "points"}, String(r.points)), moved(shift && shift.change),
            h("span", {class: "pbar", "aria-hidden": "true"},
              h("span", {style: "width:" + Math.round(100 * r.points / most) + "%"})),
            h("span", {class: "n"}, r.votes ? t("from_people", {n: r.votes}) : ""));
      return h("div", {class: "unit r-row" + (r.divergent ? " is-divergent" : ""),
        "data-item": id, "data-votes": String(r.votes),
        "data-mean": rating && r.mean !== null ? String(r.mean) : "",
        "data-points": rating ? "" : String(r.points)},
        h("span", {class: "num"}, String(number[id])),
        h("span", {class: "txt", dir: "auto"}, text[id],
          flags.length ? h("span", {class: "flags"}, flags) : null),
        overall,
        shown.map(function (g) {
          var cell = r.groups ? r.groups[g.id] : null;
          if (!cell || cell.suppressed) {
            seen.suppressed = true;
            return h("span", {class: "gcell suppressed", "data-group": g.id,
              title: t("too_few")}, "–");
          }
          var value = rating ? cell.mean : cell.points;
          return h("span", {class: "gcell", "data-group": g.id, "data-value": String(value)},
            h("span", {class: "g-label"}, g.name + ": "), figure(value));
        }));
    });

    var notes = [];
    if (!shown.length) notes.push(h("p", {class: "note too-few-note"}, t("too_few_note")));
    if (rating) {
      notes.push(h("p", {class: "legend"}, [1, 2, 3, 4, 5].map(function (v) {
        return h("span", {class: "key"}, h("span", {class: "seg s" + v}), String(v));
      })));
    }
    var keys = [];
    if (seen.suppressed) keys.push(h("span", {class: "key"}, "– = " + t("too_few")));
    if (seen.shift) keys.push(h("span", {class: "key"}, "▲▼ " + t("shift_hint")));
    if (seen.consensus) keys.push(h("span", {class: "key"}, "✓ " + t("consensus_hint")));
    if (seen.divergent) keys.push(h("span", {class: "key"}, "⚡ " + t("divergent_hint")));
    if (keys.length) notes.push(h("p", {class: "legend"}, keys));
    return {block: h("div", {class: "results-table " + round.kind, style: columns,
      "data-groups": String(shown.length)}, head, h("div", {class: "paged"}, rows)),
      notes: notes};
  }

  function distribution(r) {
    var total = 0;
    for (var v = 1; v <= 5; v++) total += r.distribution[String(v)] || 0;
    var segments = [];
    for (var w = 1; w <= 5; w++) {
      var count = r.distribution[String(w)] || 0;
      if (count) {
        segments.push(h("span", {class: "seg s" + w, style: "width:" + (100 * count / total) + "%",
          title: w + ": " + count}));
      }
    }
    return h("span", {class: "dist", "aria-hidden": "true"}, segments);
  }

  function ideasBoard(round) {
    var ideas = S.ideas[round.id] || [];
    if (!ideas.length) {
      return {block: h("div", {class: "paged"}, h("p", {class: "unit big-hint"}, t("no_ideas")))};
    }
    return {block: h("ol", {class: "paged ideas-board" + (ideas.length > 4 ? " two" : "")},
      ideas.map(function (idea, i) {
        return h("li", {class: "unit idea-card" + (i < 3 && idea.upvotes > 0 ? " top" : ""),
          "data-idea": String(idea.id), "data-upvotes": String(idea.upvotes)},
          h("span", {class: "idea-text", dir: "auto"}, idea.text),
          h("span", {class: "idea-votes", title: t("upvotes", {n: idea.upvotes})},
            "▲ " + idea.upvotes));
      }))};
  }

  /* --- Fitting and pages ---------------------------------------------------------------------- */

  /* The type grows for a short round (read from the back of the room) down to the floor, --s 1:
     a question of 48 px and statements of 30 px at 1920x1080. Below it the round is paged. */
  var MAX_SCALE = 1.5, MIN_SCALE = 1;
  // In a results table the statements keep at least this share of the width.
  var TEXT_SHARE = 0.34;

  function list() { return stage.querySelector(".paged"); }
  function units() { var l = list(); return l ? Array.prototype.slice.call(l.children) : []; }

  function overflows() {
    if (stage.scrollHeight > stage.clientHeight + 1) return true;
    var l = list();
    if (l && l.scrollHeight > l.clientHeight + 1) return true;
    var text = stage.querySelector(".results-table .r-row .txt");
    if (text && text.clientWidth < TEXT_SHARE * list().clientWidth) return true;
    // Wide content spills into the stage's padding first, so ask each block.
    return Array.prototype.some.call(stage.children, function (block) {
      return block.scrollWidth > block.clientWidth + 1;
    });
  }
  function setScale(scale) { stage.style.setProperty("--s", String(scale)); }
  function step(scale, by) { return Math.round((scale + by) * 100) / 100; }

  var turner = null;
  function layout(round) {
    var pageKey = round ? [round.id, round.attempt, round.state, round.revealed].join("/") : null;
    var keep = pageKey === S.pageKey ? S.page : 0;
    S.pageKey = pageKey;
    units().forEach(function (u) { u.hidden = false; });
    var scale = MAX_SCALE;
    setScale(scale);
    while (scale > MIN_SCALE && overflows()) setScale(scale = step(scale, -0.05));
    stage.setAttribute("data-scale", String(scale));
    S.pages = paginate();
    showPage(Math.min(keep, S.pages.length - 1));
    // While voting the pages turn by themselves; results wait for the facilitator. A redraw
    // of the same round (a new idea) keeps the turning going at its pace.
    var turning = round && !round.revealed && S.pages.length > 1;
    if (turner && (!turning || turner.key !== pageKey)) {
      window.clearInterval(turner.id);
      turner = null;
    }
    if (turning && !turner) {
      turner = {key: pageKey, id: window.setInterval(function () {
        if (S.pages.length > 1) showPage((S.page + 1) % S.pages.length);
      }, Math.max(2, P.page_seconds || 12) * 1000)};
    }
  }

  /* The index of each page's first unit. A page ends before the unit that would cross the
     list's foot; a new page starts at the beginning of a grid row. */
  function paginate() {
    var l = list(), all = units();
    if (!l || !all.length || l.scrollHeight <= l.clientHeight + 1) return [0];
    var room = l.clientHeight;
    var rects = all.map(function (u) { return u.getBoundingClientRect(); });
    var starts = [0], top = rects[0].top;
    for (var i = 1; i < all.length; i++) {
      if (rects[i].bottom - top <= room + 0.5) continue;
      var j = i;
      while (j - 1 > starts[starts.length - 1] && rects[j - 1].top === rects[i].top) j--;
      starts.push(j);
      top = rects[j].top;
    }
    return starts;
  }

  function showPage(n) {
    S.page = n;
    var all = units(), from = S.pages[n], to = n + 1 < S.pages.length ? S.pages[n + 1] : all.length;
    all.forEach(function (u, i) {
      u.hidden = i < from || i >= to;
      u.setAttribute("data-page", String(S.pages.filter(function (s) { return s <= i; }).length));
    });
    var l = list();
    if (l) {
      l.setAttribute("data-page", String(n + 1));
      l.setAttribute("data-pages", String(S.pages.length));
    }
    var pager = stage.querySelector(".pager");
    if (pager) {
      fill(pager, S.pages.length > 1 ? [t("page_of", {n: n + 1, total: S.pages.length}),
        h("span", {class: "dots", "aria-hidden": "true"}, S.pages.map(function (_, i) {
          return h("span", {class: i === n ? "on" : ""});
        }))] : null);
    }
  }

  window.addEventListener("resize", redrawStage);

  render();
})();
