// "Payée automatiquement": with JavaScript, ticking the box saves at once (its button hides);
// without, the "Enregistrer" button next to it submits the same form.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.querySelectorAll(".auto-pay-form input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", function () {
      box.form.submit();
    });
  });
})();
