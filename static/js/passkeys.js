// Passkeys (WebAuthn): add one in Mon profil, log in with one (no identifier typed).
// The server's options come as JSON (django-otp-webauthn); the browser parses and returns them
// with PublicKeyCredential's JSON helpers. Messages come from the page (translated there).
(function () {
  "use strict";

  function csrfToken() {
    const field = document.querySelector("input[name='csrfmiddlewaretoken']");
    return field ? field.value : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try {
      data = await response.json();
    } catch (e) {
      data = {};
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  function supported() {
    return (
      window.PublicKeyCredential &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function"
    );
  }

  function say(box, text) {
    const status = box.querySelector("[data-passkey-status]");
    if (status) status.textContent = text;
  }

  function failure(box, result) {
    if (result && result.status === 429) return box.dataset.msgLimit;
    // Registering needs the second factor first where the person has one (translated server-side).
    if (result && result.data.code === "user_not_verified") return result.data.detail;
    if (result && result.status === 404 && result.data.code === "passkeys_off") {
      return box.dataset.msgOff;
    }
    return box.dataset.msgFailed;
  }

  async function register(box, button) {
    const nameField = box.querySelector("[data-passkey-name]");
    button.disabled = true;
    say(box, box.dataset.msgWorking);
    try {
      const begin = await post(box.dataset.beginUrl);
      if (!begin.ok) return say(box, failure(box, begin));
      const options = PublicKeyCredential.parseCreationOptionsFromJSON(begin.data);
      let credential;
      try {
        credential = await navigator.credentials.create({ publicKey: options });
      } catch (e) {
        return say(box, box.dataset.msgCancelled);
      }
      const body = credential.toJSON();
      body.cartableName = nameField ? nameField.value : "";
      const complete = await post(box.dataset.completeUrl, body);
      if (!complete.ok) return say(box, failure(box, complete));
      say(box, box.dataset.msgAdded);
      window.location.reload();
    } finally {
      button.disabled = false;
    }
  }

  async function authenticate(box, button) {
    button.disabled = true;
    say(box, box.dataset.msgWorking);
    try {
      const begin = await post(box.dataset.beginUrl);
      if (!begin.ok) return say(box, failure(box, begin));
      const options = PublicKeyCredential.parseRequestOptionsFromJSON(begin.data);
      let credential;
      try {
        credential = await navigator.credentials.get({ publicKey: options });
      } catch (e) {
        return say(box, box.dataset.msgCancelled);
      }
      const complete = await post(box.dataset.completeUrl, credential.toJSON());
      if (!complete.ok) return say(box, failure(box, complete));
      window.location.assign(complete.data.redirect_url || "/");
    } finally {
      button.disabled = false;
    }
  }

  document.querySelectorAll("[data-passkey]").forEach(function (box) {
    const button = box.querySelector("button[data-passkey-start]");
    if (!button) return;
    if (!supported()) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const action = box.dataset.passkey === "register" ? register : authenticate;
    const form = button.form;
    const start = function (event) {
      event.preventDefault();
      action(box, button);
    };
    if (form) form.addEventListener("submit", start);
    else button.addEventListener("click", start);
  });
})();
