/* The projector: the current round for the room, who has voted, and the results once revealed.
   Everything is scaled to fit the screen: a room cannot scroll a projector. */
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
    stageKey: null};

  var countdown = new Live.Countdown(P.now);
  var socket = Live.connect({session: P.session, projector_token: P.projector_token,
    language: P.language});

  socket.on("connect", function () { S.connected = S.everConnected = true; showConnection(); });
  socket.on("disconnect", function () { S.connected = false; showConnection(); });
  socket.on("connect_error", function (err) {
    S.refused = err && err.data ? err.data.message : null;
    showConnection();
  });
  socket.on("state", function (state) {
    Live.applyStaffState(S, state, socket, countdown);
    S.stageKey = null;
    render();
  });
  socket.on("round", function (data) {
    S.rounds[data.round.id] = data.round;
    S.current = data.current_round;
    if (!data.round.revealed) delete S.results[data.round.id];
    render();
  });
  function redrawStage() { S.stageKey = null; render(); }
  Live.follow(socket, S, {tally: renderSide, presence: renderSide,
                          results: redrawStage, ideas: redrawStage});
  socket.on("timer", function (data) { countdown.set(data.timer); renderSide(); });
  // The end stops the timer at once, before the server's `timer: null` arrives.
  socket.on("ended", function () { S.ended = true; countdown.set(null); render(); });

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
    var parts = [];
    var left = countdown.remaining();
    clockEl = null;
    if (left !== null) {
      clockEl = h("p", {class: "clock" + (left === 0 ? " up" : ""), role: "timer"},
        left === 0 ? t("time_up") : Live.clock(left));
      parts.push(clockEl);
    }
    var presence = S.presence || {present: 0, present_by_group: {}};
    var round = currentRound();
    var tally = round && S.tally[round.id];
    if (round) {
      var voted = tally ? tally.started.total : 0;
      var total = Math.max(presence.present || 0, voted);
      parts.push(h("div", {class: "turnout", "data-voted": String(voted),
        "data-total": String(total)},
        h("p", {class: "turnout-big"}, h("strong", {}, String(voted)), " / " + total),
        h("p", {class: "turnout-label"}, t("voted")),
        h("ul", {class: "turnout-groups"}, groups().map(function (g) {
          var v = tally ? tally.started.by_group[g.id] || 0 : 0;
          var p = Math.max((presence.present_by_group || {})[g.id] || 0, v);
          return h("li", {"data-group": g.id},
            h("span", {class: "g-name"}, g.name),
            h("span", {class: "g-count"}, v + " / " + p),
            h("span", {class: "g-bar", "aria-hidden": "true"},
              h("span", {style: "width:" + (p ? Math.round(100 * v / p) : 0) + "%"})));
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
      round.question].join("/") : "waiting";
    if (key === S.stageKey) return;
    S.stageKey = key;
    var wall = document.getElementById("wall");
    if (S.ended) {
      wall.setAttribute("data-screen", "ended");
      // Nothing to join any more: the code, the QR code and the address leave the wall.
      var info = document.getElementById("join-info");
      if (info) info.remove();
      fill(stage, h("div", {class: "hero"}, h("h1", {}, S.session.title),
        h("p", {class: "big-hint"}, t("ended"))));
    } else if (!round) {
      wall.setAttribute("data-screen", "waiting");
      fill(stage, waiting());
    } else {
      wall.setAttribute("data-screen", round.revealed ? "results" : round.state);
      wall.setAttribute("data-round", String(round.id));
      fill(stage, roundHead(round), roundBody(round));
    }
    fit(key);
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
    var kind = t("kind_" + round.kind);
    var badge = round.revealed ? ["results", t("results")]
      : round.state === "open" ? ["open", t("voting_open")] : ["closed", t("results_hidden")];
    return h("header", {class: "round-head"},
      h("p", {class: "eyebrow"}, h("span", {class: "badge badge-" + badge[0]}, badge[1]),
        [round.field_title, kind, t("round_label", {n: position, total: S.order.length})]
          .filter(Boolean).join(" · ")),
      h("h1", {class: "question"}, round.question));
  }

  function roundBody(round) {
    if (round.kind === "ideas") return ideasBoard(round);
    if (round.revealed && S.results[round.id]) {
      return round.kind === "rating" ? ratingResults(round) : dotsResults(round);
    }
    var many = round.items.length > 8;
    return h("ol", {class: "board" + (many ? " two" : ""),
      style: "--clamp:" + (round.items.length > 16 ? 3 : 5)}, round.items.map(function (item, i) {
      return h("li", {class: "p-item", "data-item": item.id},
        h("span", {class: "num"}, String(i + 1)),
        h("span", {class: "txt"}, item.text));
    }));
  }

  function positions(round) {
    var out = {};
    round.items.forEach(function (item, i) { out[item.id] = {n: i + 1, text: item.text}; });
    return out;
  }

  /* Few items get their full text; a long round one line each, so it stays legible. */
  function density(round) {
    var n = round.items.length;
    return n <= 6 ? "few" : n <= 12 ? "mid" : "many";
  }
  function tableClass(round, kind) {
    return "results-table " + kind + " density-" + density(round);
  }
  function tableStyle(round) {
    return "--g:" + groups().length + ";--clamp:" + {few: 4, mid: 2, many: 1}[density(round)];
  }

  function groupHead(first) {
    return h("div", {class: "r-row r-head", "aria-hidden": "true"},
      h("span", {class: "num"}), h("span", {class: "txt"}),
      h("span", {class: "overall"}, first),
      groups().map(function (g) { return h("span", {class: "gcell"}, g.name); }));
  }

  function groupCells(entry, figure) {
    return groups().map(function (g) {
      var cell = entry.groups ? entry.groups[g.id] : null;
      if (!cell || cell.suppressed) {
        return h("span", {class: "gcell suppressed", "data-group": g.id}, t("too_few"));
      }
      return h("span", {class: "gcell", "data-group": g.id, "data-value": String(figure(cell))},
        h("span", {class: "g-label"}, g.name + ": "), figure === meanOf
          ? Live.formatMean(cell.mean, lang) : String(cell.points));
    });
  }
  function meanOf(cell) { return cell.mean; }
  function pointsOf(cell) { return cell.points; }

  function ratingResults(round) {
    var res = S.results[round.id];
    var pos = positions(round);
    var items = res.items.slice().sort(function (a, b) {
      return (b.mean === null ? -1 : b.mean) - (a.mean === null ? -1 : a.mean);
    });
    var spelled = density(round) === "few";
    var seen = {};
    var table = h("div", {class: tableClass(round, "rating"), style: tableStyle(round),
      "data-density": density(round)},
      groupHead(t("average")),
      items.map(function (r) {
        var flags = [];
        if (r.consensual) {  // the server applies results.CONSENSUS_THRESHOLD
          seen.consensus = true;
          flags.push(h("span", {class: "flag consensus", title: t("consensus_hint")},
            spelled ? "✓ " + t("consensus") : "✓"));
        }
        if (r.divergent) {
          seen.divergent = true;
          var gap = Live.formatMean(r.divergence, lang);
          flags.push(h("span", {class: "flag divergent", title: t("divergent_hint")},
            spelled ? "⚡ " + t("divergent") + " (" + t("gap", {gap: gap}) + ")" : "⚡ " + gap));
        }
        return h("div", {class: "r-row" + (r.divergent ? " is-divergent" : ""),
          "data-item": r.id, "data-mean": r.mean === null ? "" : String(r.mean),
          "data-votes": String(r.votes)},
          h("span", {class: "num"}, String(pos[r.id].n)),
          spelled ? h("span", {class: "txt"}, h("span", {class: "clamp"}, pos[r.id].text),
            flags.length ? h("span", {class: "flags"}, flags) : null)
            : h("span", {class: "txt"}, h("span", {class: "clamp"}, flags, pos[r.id].text)),
          h("span", {class: "overall"},
            h("strong", {class: "mean"}, r.mean === null ? "–" : Live.formatMean(r.mean, lang)),
            distribution(r),
            h("span", {class: "n"}, t("answers", {n: r.votes}))),
          groupCells(r, meanOf));
      }),
      h("p", {class: "legend"}, [1, 2, 3, 4, 5].map(function (v) {
        return h("span", {class: "key"}, h("span", {class: "seg s" + v}), String(v));
      }), scaleEnds(round)));
    if (seen.consensus || seen.divergent) {
      table.appendChild(h("p", {class: "legend"},
        seen.consensus ? h("span", {class: "key"}, h("span", {class: "flag consensus"}, "✓"),
          " " + t("consensus_hint")) : null,
        seen.divergent ? h("span", {class: "key"}, h("span", {class: "flag divergent"}, "⚡"),
          " " + t("divergent_hint")) : null));
    }
    return table;
  }

  function scaleEnds(round) {
    var labels = t(round.target === "principles" ? "scale_principles" : "scale_challenges");
    return "1 = " + labels[0] + " · 5 = " + labels[4];
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

  function dotsResults(round) {
    var res = S.results[round.id];
    var pos = positions(round);
    var items = res.items.slice().sort(function (a, b) { return b.points - a.points; });
    var most = Math.max.apply(null, items.map(function (r) { return r.points; }).concat([1]));
    return h("div", {class: tableClass(round, "dots"), style: tableStyle(round),
      "data-density": density(round)},
      groupHead(t("total_points")),
      items.map(function (r) {
        return h("div", {class: "r-row", "data-item": r.id, "data-points": String(r.points),
          "data-votes": String(r.votes)},
          h("span", {class: "num"}, String(pos[r.id].n)),
          h("span", {class: "txt"}, h("span", {class: "clamp"}, pos[r.id].text)),
          h("span", {class: "overall"},
            h("strong", {class: "points"}, String(r.points)),
            h("span", {class: "pbar", "aria-hidden": "true"},
              h("span", {style: "width:" + Math.round(100 * r.points / most) + "%"})),
            h("span", {class: "n"}, r.votes ? t("from_people", {n: r.votes}) : "")),
          groupCells(r, pointsOf));
      }));
  }

  function ideasBoard(round) {
    var ideas = S.ideas[round.id] || [];
    if (!ideas.length) return h("p", {class: "big-hint"}, t("no_ideas"));
    var columns = ideas.length <= 4 ? 1 : ideas.length <= 10 ? 2 : 3;
    return h("ol", {class: "ideas-board", style: "column-count:" + columns},
      ideas.map(function (idea, i) {
        return h("li", {class: "idea-card" + (i < 3 && idea.upvotes > 0 ? " top" : ""),
          "data-idea": String(idea.id), "data-upvotes": String(idea.upvotes)},
          h("span", {class: "idea-text"}, idea.text),
          h("span", {class: "idea-votes", title: t("upvotes", {n: idea.upvotes})},
            "▲ " + idea.upvotes));
      }));
  }

  /* The largest type at which the round fits the screen: a short round is read from the back
     of the room, a long one still fits without scrolling. */
  var MAX_SCALE = 1.6, MIN_SCALE = 0.45;
  // The statements keep at least this share of a results table's width (short rounds show
  // up to four lines of each, long rounds one).
  var TEXT_SHARE = {few: 0.32, mid: 0.36, many: 0.4};
  function overflows() {
    if (stage.scrollHeight > stage.clientHeight + 1) return true;
    var table = stage.querySelector(".results-table");
    var text = stage.querySelector(".results-table .r-row[data-item] .txt");
    var share = table && TEXT_SHARE[table.getAttribute("data-density")];
    if (text && text.clientWidth < share * table.clientWidth) return true;
    // Wide content spills into the stage's padding first, so ask each block.
    return Array.prototype.some.call(stage.children, function (block) {
      return block.scrollWidth > block.clientWidth + 1;
    });
  }
  var fitted = {key: null, scale: MAX_SCALE};
  function setScale(scale) { stage.style.setProperty("--s", String(scale)); }
  function step(scale, by) { return Math.round((scale + by) * 100) / 100; }
  function fit(key) {
    // New figures for the same round usually need the same size: start there, step either way.
    var scale = key === fitted.key ? fitted.scale : MAX_SCALE;
    setScale(scale);
    if (overflows()) {
      while (scale > MIN_SCALE && overflows()) setScale(scale = step(scale, -0.05));
    } else {
      while (scale < MAX_SCALE) {
        setScale(step(scale, 0.05));
        if (overflows()) { setScale(scale); break; }
        scale = step(scale, 0.05);
      }
    }
    fitted = {key: key, scale: scale};
    stage.setAttribute("data-scale", String(scale));
  }
  window.addEventListener("resize", function () { S.stageKey = null; render(); });

  render();
})();
