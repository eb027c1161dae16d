// Background jobs (letter batches, exports, reconciliations): follows a job's progress from its
// JSON state and reloads the page when it is finished. Without JavaScript, the "Rafraîchir" link
// does the same. The figures come translated and formatted from the server (progress_text).
(function () {
  "use strict";
  var box = document.querySelector(".job-progress[data-status-url]");
  if (!box) return;
  var status = box.getAttribute("data-status");
  if (status === "done" || status === "failed") return;
  var prefix = box.getAttribute("data-dom-id");
  var bar = document.getElementById(prefix + "-progress");
  var text = document.getElementById(prefix + "-percent");
  var label = document.getElementById(prefix + "-status");
  var url = box.getAttribute("data-status-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 5000); return; }
        if (state.total > 0 || state.finished) {  // until the total is known, indeterminate
          bar.value = state.percent;
          bar.textContent = state.percent + " %";
        }
        text.textContent = state.progress_text;
        label.textContent = state.status_label;
        if (state.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
