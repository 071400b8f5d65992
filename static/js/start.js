/* The start page: the agenda editor for the chosen catalogue and languages; what it builds
   goes with the form as the "agenda" field (without script the server's default agenda). */
(function () {
  "use strict";

  var page = Live.readJSON("start-data");
  var T = Live.readJSON("texts");
  var t = Live.translator(Object.assign({}, T.common, T.editor));
  var form = document.querySelector("form.stack");
  var input = document.getElementById("agenda-input");
  var select = document.getElementById("catalogue");
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="languages"]'));

  function languages() {
    var chosen = boxes.filter(function (b) { return b.checked; }).map(function (b) {
      return b.value;
    });
    var offered = page.catalogues[select.value] ? Object.keys(
      page.catalogues[select.value].defaults.questions["rating:challenges"]) : [];
    return chosen.filter(function (l) { return offered.indexOf(l) >= 0; });
  }

  function save() { input.value = JSON.stringify(editor.value()); }

  var chosen = page.catalogues[select.value];
  var editor = new AgendaEditor(document.getElementById("start-editor"), {
    catalogue: chosen.catalogue, defaults: chosen.defaults, t: t, languages: languages,
    languageNames: page.language_names, onChange: save});
  document.getElementById("agenda-hint-more").hidden = false;
  // Back from a refused form: the agenda as it was sent.
  if (page.agenda) {
    try {
      var sent = JSON.parse(page.agenda);
      if (Array.isArray(sent)) {
        editor.rounds = sent.map(function (spec) {
          var round = editor.newRound(spec.kind || "rating", spec.field || null, spec.target);
          ["items", "question", "budget", "max_per_item", "moderation"].forEach(function (k) {
            if (spec[k] !== undefined) round[k] = spec[k];
          });
          return round;
        });
        editor.render();
      }
    } catch (e) { /* an unreadable field: start from the preset */ }
  }
  save();

  select.addEventListener("change", function () {
    var next = page.catalogues[select.value];
    editor.setCatalogue(next.catalogue, next.defaults);
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () { editor.render(); save(); });
  });
  // Uploaded catalogues can be deleted here (through the API, with this browser's organiser
  // cookie or from the laptop itself); without script the buttons stay hidden.
  var uploaded = document.getElementById("uploaded-catalogues");
  if (uploaded) {
    var problem = uploaded.querySelector(".problems");
    Array.prototype.forEach.call(uploaded.querySelectorAll("[data-delete]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        if (!window.confirm(uploaded.dataset.confirm)) return;
        var id = button.dataset.delete;
        window.fetch("/api/catalogues/" + encodeURIComponent(id),
                     {method: "DELETE", credentials: "same-origin"}).then(function (response) {
          if (response.status === 204) {
            window.location.reload();
            return;
          }
          return response.json().then(function (body) {
            var code = body && body.error && body.error.code;
            problem.textContent = code === "catalogue_in_use" ? uploaded.dataset.inUse
              : uploaded.dataset.failed;
            problem.hidden = false;
          });
        }).catch(function () {
          problem.textContent = uploaded.dataset.failed;
          problem.hidden = false;
        });
      });
    });
  }

  form.addEventListener("submit", function (event) {
    if (!editor.check()) {
      event.preventDefault();
      var problem = document.querySelector("#start-editor .problems");
      if (problem) problem.scrollIntoView({block: "center"});
      return;
    }
    save();
  });
})();
