// Live strength estimate while typing; the server's zxcvbn score is what counts.
(function () {
  "use strict";
  var box = document.getElementById("strength");
  if (!box) return;
  var input = document.getElementById(box.getAttribute("data-for"));
  var meter = document.getElementById("strength-meter");
  var label = document.getElementById("strength-label");
  var labels = label.getAttribute("data-labels").split("|");
  function estimate(pw) {
    if (!pw) return 0;
    var classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(function (re) { return re.test(pw); }).length;
    var unique = new Set(pw.split("")).size;
    var score = 0;
    if (pw.length >= 8) score++;
    if (pw.length >= 12) score++;
    if (classes >= 3) score++;
    if (unique >= 8 && pw.length >= 10) score++;
    return Math.min(score, 4);
  }
  input.addEventListener("input", function () {
    var score = estimate(input.value);
    meter.value = score;
    label.textContent = input.value ? labels[score] : "—";
  });
})();
