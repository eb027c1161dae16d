// Activation letters: follows a batch job's progress and reloads the page when it is finished.
// Without JavaScript, the "Rafraîchir" link does the same.
(function () {
  "use strict";
  var box = document.querySelector(".letter-batch[data-status-url]");
  if (!box) return;
  var status = box.getAttribute("data-status");
  if (status === "done" || status === "failed") return;
  var bar = document.getElementById("letter-batch-progress");
  var percent = document.getElementById("letter-batch-percent");
  var label = document.getElementById("letter-batch-status");
  var url = box.getAttribute("data-status-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 5000); return; }
        bar.value = state.percent;
        bar.textContent = state.percent + " %";
        percent.textContent = state.percent + " % (" + state.done + " / " + state.total + ")";
        label.textContent = state.status_label;
        if (state.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
