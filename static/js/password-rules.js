// Live password checklist: mirrors accounts/password_policy.py; the server remains the judge.
(function () {
  "use strict";
  document.querySelectorAll("[data-password-rules]").forEach(function (list) {
    var config = JSON.parse(list.getAttribute("data-password-rules"));
    var input = document.getElementById(list.getAttribute("data-for"));
    var okText = " — " + (list.getAttribute("data-ok-text") || "✓");
    if (!input) return;
    var checks = {
      length: function (pw) { return pw.length >= config.min && pw.length <= config.max; },
      digit: function (pw) { return /[0-9]/.test(pw); },
      upper: function (pw) { return pw !== pw.toLowerCase(); },
      special: function (pw) { return /[^\p{L}\p{N}]/u.test(pw); },
      classes: function (pw) {
        return [/\p{Ll}/u, /\p{Lu}/u, /\p{N}/u, /[^\p{L}\p{N}]/u]
          .filter(function (re) { return re.test(pw); }).length >= 3;
      },
      no_name: function (pw) {
        var lower = pw.toLowerCase();
        return !config.names.some(function (part) { return lower.indexOf(part) !== -1; });
      }
    };
    function update() {
      var pw = input.value;
      list.querySelectorAll("[data-rule]").forEach(function (item) {
        var check = checks[item.getAttribute("data-rule")];
        var ok = pw.length > 0 && check && check(pw);
        item.classList.toggle("rule-ok", ok);
        item.querySelector(".rule-state").textContent = ok ? "✓" : "•";
        item.querySelector(".rule-status").textContent = ok ? okText : "";
      });
    }
    input.addEventListener("input", update);
    update();
  });
})();
