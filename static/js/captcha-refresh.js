// Swaps in a new captcha without reloading the page; without JS the button resubmits the form.
(function () {
  "use strict";
  var button = document.getElementById("captcha-refresh");
  if (!button || !window.fetch) return;
  button.addEventListener("click", function (event) {
    event.preventDefault();
    fetch(button.getAttribute("data-refresh-url"), {
      headers: { "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (data) {
      var box = button.closest(".captcha-box");
      box.querySelector("#captcha-image").src = data.image_url;
      box.querySelector("input[type=hidden]").value = data.key;
      var answer = box.querySelector("input[type=text]");
      answer.value = "";
      answer.focus();
      var audio = box.querySelector("#captcha-audio");
      if (audio && data.audio_url) audio.href = data.audio_url;
    });
  });
})();
