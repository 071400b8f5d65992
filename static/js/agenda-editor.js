/* The agenda editor, on the start page and in the console: presets (the whole toolbox, one
   action field, empty), then per round its kind, action field, items, question, budget and
   moderation; add, remove and reorder. Rounds that have been opened are shown locked: they
   can move but not change. The editor only builds the agenda; the page sends it
   (a form field on the start page, PUT /api/sessions/<id>/agenda in the console).
   Plain ES2017, no build step. */
(function (global) {
  "use strict";

  var h = Live.h, fill = Live.fill;

  /* options: {catalogue, defaults, languages() -> [codes], languageNames {code: name},
     t (translator), rounds? (from the server: state rounds), onChange?} */
  function AgendaEditor(container, options) {
    this.el = container;
    this.o = options;
    this.t = options.t;
    this.serial = 0;
    this.problems = {};
    this.opened = {};  // round key -> its settings are open
    this.itemsOpen = {};  // round key -> its list of items is open
    this.rounds = options.rounds ? options.rounds.map(this.fromServer, this)
      : this.preset("all");
    this.render();
  }

  var P = AgendaEditor.prototype;

  P.field = function (id) {
    return this.o.catalogue.filter(function (f) { return f.id === id; })[0] || null;
  };

  P.itemsOf = function (fieldId, target) {
    var field = this.field(fieldId);
    if (!field || target === "ideas") return [];
    return target === "challenges" ? field.challenges : field.principles;
  };

  P.defaultQuestion = function (kind, target) {
    return Object.assign({}, this.o.defaults.questions[kind + ":" + target] || {});
  };

  P.newRound = function (kind, fieldId, target) {
    var d = this.o.defaults;
    target = target || d.targets[kind][0];
    var round = {key: "r" + (this.serial += 1), id: null, locked: false, state: "pending",
      kind: kind, field: kind === "ideas" ? (fieldId || null) : fieldId, target: target,
      items: this.itemsOf(fieldId, target).map(function (i) { return i.id; }),
      question: this.defaultQuestion(kind, target), budget: d.budget,
      max_per_item: d.max_per_item, moderation: d.moderation};
    return round;
  };

  P.fromServer = function (r) {
    return {key: "r" + (this.serial += 1), id: r.id, locked: !r.editable, state: r.state,
      kind: r.kind, field: r.field, target: r.target,
      items: r.items.map(function (i) { return i.id; }),
      question: Object.assign({}, r.questions), budget: r.budget || this.o.defaults.budget,
      max_per_item: r.max_per_item || this.o.defaults.max_per_item,
      moderation: r.moderation || this.o.defaults.moderation,
      title: r.field_title, questionText: r.question, itemCount: r.items.length};
  };

  /* Presets: "all" (per field: rate challenges, rate principles, points on principles),
     a field id (the same for one field), or "empty". */
  P.preset = function (which) {
    var self = this, out = [];
    this.o.catalogue.forEach(function (f) {
      if (which !== "all" && which !== f.id) return;
      if (f.challenges.length) out.push(self.newRound("rating", f.id, "challenges"));
      if (f.principles.length) {
        out.push(self.newRound("rating", f.id, "principles"));
        out.push(self.newRound("dots", f.id, "principles"));
      }
    });
    return out;
  };

  P.applyPreset = function (which) {
    // Opened rounds stay where they were, first: they cannot go.
    var kept = this.rounds.filter(function (r) { return r.locked; });
    this.rounds = kept.concat(this.preset(which));
    this.changed();
  };

  P.setCatalogue = function (catalogue, defaults) {
    this.o.catalogue = catalogue;
    this.o.defaults = defaults;
    this.rounds = this.preset("all");
    this.changed();
  };

  P.setRounds = function (rounds) {
    this.rounds = rounds.map(this.fromServer, this);
    this.problems = {};
    this.render();
  };

  /* Problems from the server: [{field: "agenda[2].items", message}] -> under each round. */
  P.setProblems = function (problems) {
    var byRound = {};
    (problems || []).forEach(function (p) {
      var m = /^agenda\[(\d+)\]/.exec(p.field || "");
      var key = m ? Number(m[1]) : "all";
      (byRound[key] = byRound[key] || []).push(p.message);
    });
    this.problems = byRound;
    this.render();
  };

  P.changed = function () {
    this.problems = {};
    this.render();
    if (this.o.onChange) this.o.onChange(this.value());
  };

  /* The agenda as PUT /api/sessions/<id>/agenda and POST /api/sessions take it. Opened
     rounds go as {"id"} alone; every other round says everything, so nothing depends on
     the server's defaults for keys left out. */
  P.value = function () {
    var languages = this.o.languages();
    return this.rounds.map(function (r) {
      if (r.locked) return {id: r.id};
      var spec = r.id ? {id: r.id} : {};
      spec.kind = r.kind;
      if (r.field) spec.field = r.field;
      spec.target = r.target;
      if (r.kind !== "ideas") spec.items = r.items.slice();
      var question = {};
      languages.forEach(function (lang) { question[lang] = (r.question[lang] || "").trim(); });
      spec.question = question;
      if (r.kind === "dots") {
        spec.budget = r.budget;
        spec.max_per_item = r.max_per_item;
      }
      if (r.kind === "ideas") spec.moderation = r.moderation;
      return spec;
    });
  };

  /* Problems the page can name before sending anything. */
  P.check = function () {
    var t = this.t, languages = this.o.languages(), found = {};
    this.rounds.forEach(function (r, i) {
      if (r.locked) return;
      var mine = [];
      if (r.kind !== "ideas" && !r.items.length) mine.push(t("ae_no_items"));
      languages.forEach(function (lang) {
        if (!(r.question[lang] || "").trim()) mine.push(t("ae_no_question"));
      });
      if (r.kind === "dots" && !(r.max_per_item >= 1 && r.max_per_item <= r.budget)) {
        mine.push(t("ae_bad_max"));
      }
      if (mine.length) found[i] = mine.filter(function (m, n) { return mine.indexOf(m) === n; });
    });
    this.problems = found;
    this.render();
    return Object.keys(found).length === 0;
  };

  /* --- Changing a round ----------------------------------------------------------------- */

  P.update = function (round, change) {
    var before = {kind: round.kind, target: round.target, field: round.field};
    var oldDefault = this.defaultQuestion(round.kind, round.target);
    Object.assign(round, change);
    var d = this.o.defaults;
    if (round.kind !== before.kind) {
      if (d.targets[round.kind].indexOf(round.target) < 0) round.target = d.targets[round.kind][0];
      if (round.kind !== "ideas" && !round.field) round.field = this.o.catalogue[0].id;
    }
    if (round.kind !== before.kind || round.target !== before.target ||
        round.field !== before.field) {
      round.items = this.itemsOf(round.field, round.target).map(function (i) { return i.id; });
      // A question nobody changed follows the round's type; one someone wrote stays.
      var fresh = this.defaultQuestion(round.kind, round.target);
      Object.keys(fresh).forEach(function (lang) {
        if (!round.question[lang] || round.question[lang] === oldDefault[lang]) {
          round.question[lang] = fresh[lang];
        }
      });
    }
    if (round.kind === "dots" && round.max_per_item > round.budget) {
      round.max_per_item = round.budget;
    }
    this.changed();
  };

  P.move = function (index, by) {
    var to = index + by;
    if (to < 0 || to >= this.rounds.length) return;
    var moved = this.rounds.splice(index, 1)[0];
    this.rounds.splice(to, 0, moved);
    this.changed();
    var button = this.el.querySelector('[data-key="' + moved.key + '"] [data-move="' +
      (by < 0 ? "up" : "down") + '"]');
    if (button && !button.disabled) button.focus();
  };

  P.remove = function (index) {
    this.rounds.splice(index, 1);
    this.changed();
  };

  P.add = function (kind) {
    var field = this.o.catalogue.length ? this.o.catalogue[0].id : null;
    var round = this.newRound(kind, kind === "ideas" ? null : field);
    this.rounds.push(round);
    this.opened[round.key] = true;  // a new round is there to be set up
    this.changed();
    var card = this.el.querySelector('[data-key="' + round.key + '"] select');
    if (card) card.focus();
  };

  /* --- Drawing -------------------------------------------------------------------------- */

  /* Redrawing removes the focused input, whose blur may fire "change" and ask for another
     redraw in the middle of this one: that one waits until this one is done. */
  P.render = function () {
    if (this.rendering) { this.again = true; return; }
    this.rendering = true;
    try { this.draw(); } finally { this.rendering = false; }
    if (this.again) { this.again = false; this.render(); }
  };

  P.draw = function () {
    var self = this, t = this.t;
    var list = h("ol", {class: "ae-rounds"}, this.rounds.map(function (r, i) {
      return self.roundCard(r, i);
    }));
    fill(this.el,
      this.toolbar(),
      this.problems.all ? h("div", {class: "problems", role: "alert"},
        this.problems.all.map(function (m) { return h("p", {}, m); })) : null,
      this.rounds.length ? list : h("p", {class: "meta ae-empty"}, t("ae_empty")),
      h("div", {class: "ae-add"},
        h("button", {type: "button", class: "small", "data-add": "rating",
          disabled: this.rounds.length >= this.o.defaults.max_rounds,
          onclick: function () { self.add("rating"); }}, "+ " + t("ae_add_round")),
        h("button", {type: "button", class: "small", "data-add": "ideas",
          disabled: this.rounds.length >= this.o.defaults.max_rounds,
          onclick: function () { self.add("ideas"); }}, "+ " + t("ae_add_ideas"))));
  };

  P.toolbar = function () {
    var self = this, t = this.t;
    var fieldSelect = h("select", {"aria-label": t("ae_one_field"), "data-preset-field": ""},
      this.o.catalogue.map(function (f) { return h("option", {value: f.id}, f.title); }));
    return h("div", {class: "ae-presets", role: "group", "aria-label": t("ae_presets")},
      h("span", {class: "ae-label"}, t("ae_presets")),
      h("button", {type: "button", class: "small", "data-preset": "all",
        onclick: function () { self.applyPreset("all"); }}, t("ae_preset_all")),
      h("span", {class: "ae-one"}, fieldSelect,
        h("button", {type: "button", class: "small", "data-preset": "field",
          onclick: function () { self.applyPreset(fieldSelect.value); }}, t("ae_preset_field"))),
      h("button", {type: "button", class: "small", "data-preset": "empty",
        onclick: function () { self.applyPreset("empty"); }}, t("ae_preset_empty")));
  };

  P.kindName = function (kind) { return this.t("kind_" + kind); };

  /* One line per round, to see the whole agenda at once; "Change" opens its settings. */
  P.roundCard = function (r, i) {
    var self = this, t = this.t, n = i + 1;
    var last = this.rounds.length - 1;
    var field = this.field(r.field);
    var parts = [this.kindName(r.kind), field ? field.title : ""];
    if (r.kind !== "ideas") {
      parts.push(t("target_" + r.target));
      parts.push(t("ae_items", {n: r.items.length, total: this.itemsOf(r.field, r.target).length}));
    }
    if (r.kind === "dots") parts.push(t("ae_points_short", {n: r.budget, max: r.max_per_item}));
    var question = r.locked ? r.questionText : r.question[this.o.languages()[0]] || "";
    var head = h("div", {class: "ae-head"},
      h("span", {class: "ae-num", "aria-hidden": "true"}, String(n)),
      h("span", {class: "ae-what"},
        h("span", {class: "ae-title", id: "ae-title-" + r.key}, t("ae_round_n", {n: n})),
        h("span", {class: "ae-line"}, h("span", {class: "kind kind-" + r.kind},
          parts[0]), " " + parts.slice(1).filter(Boolean).join(" · ")),
        h("span", {class: "ae-q"}, question)),
      h("span", {class: "ae-tools"},
        h("button", {type: "button", class: "small icon", "data-move": "up", disabled: i === 0,
          "aria-label": t("ae_move_up", {n: n}), title: t("ae_move_up", {n: n}),
          onclick: function () { self.move(i, -1); }}, "↑"),
        h("button", {type: "button", class: "small icon", "data-move": "down",
          disabled: i === last, "aria-label": t("ae_move_down", {n: n}),
          title: t("ae_move_down", {n: n}), onclick: function () { self.move(i, 1); }}, "↓"),
        r.locked ? null : h("button", {type: "button", class: "small icon danger",
          "data-remove": "", "aria-label": t("ae_remove", {n: n}), title: t("ae_remove", {n: n}),
          onclick: function () { self.remove(i); }}, "✕")));
    var problems = this.problems[i] ? h("div", {class: "problems", role: "alert"},
      this.problems[i].map(function (m) { return h("p", {}, m); })) : null;
    if (r.locked) {
      return h("li", {class: "ae-round locked", "data-key": r.key, "data-round": r.id,
        "aria-labelledby": "ae-title-" + r.key}, head,
        h("p", {class: "hint ae-locked"}, t("ae_locked")), problems);
    }
    var settings = h("details", {class: "ae-settings", "data-settings": "",
      ontoggle: function () { self.opened[r.key] = settings.open; }},
      h("summary", {}, t("ae_change", {n: n})),
      this.typeRow(r), this.itemsBox(r), this.questionBox(r), this.limitsRow(r));
    settings.open = !!this.opened[r.key] || !!this.problems[i];
    return h("li", {class: "ae-round", "data-key": r.key, "data-round": r.id || "",
      "aria-labelledby": "ae-title-" + r.key}, head, settings, problems);
  };

  P.typeRow = function (r) {
    var self = this, t = this.t, d = this.o.defaults;
    var kind = h("select", {"data-input": "kind", onchange: function () {
      self.update(r, {kind: kind.value});
    }}, ["rating", "dots", "ideas"].map(function (k) {
      return h("option", {value: k}, self.kindName(k));
    }));
    kind.value = r.kind;
    var fieldOptions = this.o.catalogue.map(function (f) {
      return h("option", {value: f.id}, f.title);
    });
    if (r.kind === "ideas") fieldOptions.unshift(h("option", {value: ""}, t("ae_no_field")));
    var field = h("select", {"data-input": "field", onchange: function () {
      self.update(r, {field: field.value || null});
    }}, fieldOptions);
    field.value = r.field || "";
    var row = [h("label", {class: "ae-cell"}, t("ae_kind"), kind),
      h("label", {class: "ae-cell"}, t("ae_field"), field)];
    if (r.kind !== "ideas") {
      var target = h("select", {"data-input": "target", onchange: function () {
        self.update(r, {target: target.value});
      }}, d.targets[r.kind].map(function (x) {
        return h("option", {value: x}, t("target_" + x));
      }));
      target.value = r.target;
      row.push(h("label", {class: "ae-cell"}, t("ae_target"), target));
    }
    return h("div", {class: "ae-row"}, row);
  };

  P.itemsBox = function (r) {
    if (r.kind === "ideas") return null;
    var self = this, t = this.t;
    var all = this.itemsOf(r.field, r.target);
    var chosen = {};
    r.items.forEach(function (id) { chosen[id] = true; });
    var details = h("details", {class: "ae-items", "data-items": ""},
      h("summary", {}, t("ae_items", {n: r.items.length, total: all.length})),
      h("div", {class: "ae-item-tools"},
        h("button", {type: "button", class: "small", onclick: function () {
          self.update(r, {items: all.map(function (i) { return i.id; })});
        }}, t("ae_all")),
        h("button", {type: "button", class: "small", onclick: function () {
          self.update(r, {items: []});
        }}, t("ae_none"))),
      h("ul", {class: "ae-item-list"}, all.map(function (item, n) {
        var box = h("input", {type: "checkbox", value: item.id, "data-item": item.id,
          onchange: function () {
            // Items keep the catalogue's order, whatever order they are ticked in.
            var next = all.filter(function (x) {
              return x.id === item.id ? box.checked : chosen[x.id];
            }).map(function (x) { return x.id; });
            self.update(r, {items: next});
          }});
        box.checked = !!chosen[item.id];
        return h("li", {}, h("label", {class: "check ae-item"}, box,
          h("span", {}, h("span", {class: "ae-item-num"}, (n + 1) + ". "), item.text)));
      })));
    details.open = !!this.itemsOpen[r.key];
    details.addEventListener("toggle", function () { self.itemsOpen[r.key] = details.open; });
    return details;
  };

  P.questionBox = function (r) {
    var self = this, t = this.t, languages = this.o.languages();
    return h("div", {class: "ae-question"}, languages.map(function (lang) {
      var input = h("input", {type: "text", lang: lang, maxlength: String(
        self.o.defaults.max_question), "data-question": lang, oninput: function () {
          r.question[lang] = input.value;  // no redraw while typing
          if (self.o.onChange) self.o.onChange(self.value());
        }});
      input.value = r.question[lang] || "";
      var name = self.o.languageNames[lang] || lang;
      return h("label", {class: "ae-cell wide"},
        languages.length > 1 ? t("ae_question_in", {language: name}) : t("ae_question"), input);
    }));
  };

  P.limitsRow = function (r) {
    var self = this, t = this.t, d = this.o.defaults;
    if (r.kind === "dots") {
      var budget = h("input", {type: "number", min: "1", max: String(d.max_budget),
        step: "1", "data-input": "budget", onchange: function () {
          var v = Math.max(1, Math.min(d.max_budget, parseInt(budget.value, 10) || d.budget));
          self.update(r, {budget: v});
        }});
      budget.value = String(r.budget);
      var most = h("input", {type: "number", min: "1", max: String(r.budget), step: "1",
        "data-input": "max_per_item", onchange: function () {
          var v = Math.max(1, Math.min(r.budget, parseInt(most.value, 10) || 1));
          self.update(r, {max_per_item: v});
        }});
      most.value = String(r.max_per_item);
      return h("div", {class: "ae-row"},
        h("label", {class: "ae-cell narrow"}, t("ae_budget"), budget),
        h("label", {class: "ae-cell narrow"}, t("ae_max_per_item"), most));
    }
    if (r.kind === "ideas") {
      var moderation = h("select", {"data-input": "moderation", onchange: function () {
        self.update(r, {moderation: moderation.value});
      }}, h("option", {value: "pre"}, t("ae_moderation_pre")),
        h("option", {value: "post"}, t("ae_moderation_post")));
      moderation.value = r.moderation;
      return h("div", {class: "ae-row"},
        h("label", {class: "ae-cell wide"}, t("ae_moderation"), moderation));
    }
    return null;
  };

  global.AgendaEditor = AgendaEditor;
})(window);
