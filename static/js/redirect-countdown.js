// Returns to the login page after a few seconds; the visitor can stop it (WCAG 2.2.1).
(function () {
  "use strict";
  var note = document.getElementById("redirect-note");
  var stop = document.getElementById("redirect-stop");
  if (!note || !stop) return;
  var url = note.getAttribute("data-redirect-url");
  var seconds = parseInt(note.getAttribute("data-redirect-seconds"), 10) || 5;
  var timer = window.setTimeout(function () { window.location.assign(url); }, seconds * 1000);
  stop.hidden = false;
  stop.addEventListener("click", function () {
    window.clearTimeout(timer);
    stop.hidden = true;
    note.hidden = true;
  });
})();
