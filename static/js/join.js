/* The join page: say so when this phone saw its workshop end (its code is free again), and
   offer the way back to the session it joined last. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("join-data").textContent);
  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  var error = document.getElementById("join-error");
  if (error && stored("workshop:" + error.getAttribute("data-code") + ":ended")) {
    error.hidden = true;
    document.getElementById("join-ended").hidden = false;
  }
  var last = stored("workshop:last");
  if (!last || !/^[A-Z0-9]{4,12}$/.test(last) || stored("workshop:" + last + ":ended")) return;
  var box = document.getElementById("back-to");
  var link = box.querySelector("a");
  link.href = data.base.replace("CODE", last);
  link.textContent = data.back.replace("{code}", last);
  box.hidden = false;
})();
