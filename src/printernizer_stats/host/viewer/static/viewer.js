// printernizer-stats viewer: the page's actions. The page is complete without this file (everything is
// rendered on the server); this only enables the controls, calls the privacy API and refreshes the page
// in place. Vanilla JS, no build step, no dependencies.
(function () {
  "use strict";

  var content = function () { return document.getElementById("content"); };
  // URLs are relative to the page, so it works behind a proxy that adds a path prefix (HA Ingress).
  var apiUrl = function (path) { return new URL(content().dataset.api + path.replace(/^\//, ""), document.baseURI).href; };
  var toastTimer = null;
  // The page's language and the script's own messages in it (the server renders both into #content).
  function say(message, params) {
    var messages = {};
    try { messages = JSON.parse(content().dataset.messages || "{}"); } catch (ignored) { messages = {}; }
    var text = messages[message] || message;
    Object.keys(params || {}).forEach(function (key) { text = text.split("{" + key + "}").join(String(params[key])); });
    return text;
  }

  // Printernizer keeps its language in localStorage; without ?lang= the page follows it (once per load).
  function followHostLanguage() {
    var host = null;
    try { host = window.localStorage.getItem("printernizer_locale"); } catch (ignored) { host = null; }
    var url = new URL(location.href);
    if ((host === "de" || host === "en") && !url.searchParams.has("lang") && host !== content().dataset.lang) {
      url.searchParams.set("lang", host);
      location.replace(url.href);
    }
  }

  function enableControls() {
    document.querySelectorAll("fieldset.needs-js, button.needs-js").forEach(function (el) { el.disabled = false; });
    var optIn = document.getElementById("opt-in");
    if (optIn && optIn.dataset.locked) { optIn.disabled = true; }
  }

  function announce(message, isError) {
    var toast = document.getElementById("toast");
    clearTimeout(toastTimer);
    toast.textContent = "";
    toast.classList.toggle("error", Boolean(isError));
    // A fresh text node after a tick, so screen readers announce a repeated message too.
    setTimeout(function () { toast.textContent = message; }, 30);
    toastTimer = setTimeout(function () { toast.textContent = ""; }, isError ? 12000 : 7000);
  }

  // The reason of a refusal, in our shape ({"detail": ...}) or the host's: Printernizer's exception handlers
  // rewrite every HTTPException as {"status": "error", "message": ...} and field errors as
  // {"message": "Request validation failed", "details": {"validation_errors": [...]}}.
  function reasonOf(data, response) {
    var fields = data && (Array.isArray(data.detail) ? data.detail
      : data.details && Array.isArray(data.details.validation_errors) ? data.details.validation_errors : null);
    if (fields && fields.length) {
      return fields.map(function (d) { return String(d.msg).replace(/^Value error, /, ""); }).join("; ");
    }
    var reason = data && (typeof data.detail === "string" ? data.detail : data.message);
    if (typeof reason === "string" && reason) { return reason; }
    return say("The request failed (HTTP {status}).", { status: response.status });
  }

  async function request(method, path, body) {
    // The custom header makes every change a non-simple request: no form or other page can send it.
    var options = { method: method, credentials: "same-origin",
                    headers: { "Accept": "application/json", "X-Requested-With": "printernizer-stats",
                               "Accept-Language": content().dataset.lang || "en" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var response = await fetch(apiUrl(path), options);
    var data = null;
    try { data = await response.json(); } catch (ignored) { data = null; }
    if (!response.ok) { throw new Error(reasonOf(data, response)); }
    return data;
  }

  // Re-render: fetch the page again and swap the main region, keeping focus where it was (or, when that
  // control is gone, on the main region, so keyboard users are not thrown back to the top).
  async function refresh(focusedId) {
    var response = await fetch(location.href.split("#")[0], { headers: { "Accept": "text/html" }, credentials: "same-origin" });
    var doc = new DOMParser().parseFromString(await response.text(), "text/html");
    var fresh = doc.getElementById("content");
    if (!fresh) { return; }
    content().replaceWith(fresh);
    enableControls();
    var target = focusedId && document.getElementById(focusedId);
    if (target && !target.disabled) { target.focus(); } else if (focusedId) { content().focus({ preventScroll: true }); }
  }

  async function act(work, control) {
    var main = content();
    var focusedId = control ? control.id : (document.activeElement && document.activeElement.id);
    main.setAttribute("aria-busy", "true");
    if (control) { control.disabled = true; }
    try {
      var message = await work();
      await refresh(focusedId);
      if (message) { announce(message, false); }
    } catch (error) {
      announce(error.message, true);
      await refresh(focusedId).catch(function () {});
    } finally {
      var current = content();
      if (current) { current.removeAttribute("aria-busy"); }
      if (control && document.body.contains(control)) { control.disabled = false; }
    }
  }

  // Ask with a modal <dialog>; resolves to {confirmed, serverDeletion}. Esc and Cancel resolve unconfirmed.
  function confirmWith(dialogId, checkboxId) {
    var dialog = document.getElementById(dialogId);
    var checkbox = document.getElementById(checkboxId);
    var opener = document.activeElement;
    checkbox.checked = false;
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function () {
        if (opener && document.body.contains(opener)) { opener.focus(); }
        resolve({ confirmed: dialog.returnValue === "confirm", serverDeletion: checkbox.checked });
      }, { once: true });
      dialog.showModal();
    });
  }

  async function onConsentChange(checkbox) {
    if (checkbox.checked) {
      await act(async function () { return (await request("POST", "/opt-in")).message; }, checkbox);
      return;
    }
    var answer = await confirmWith("opt-out-dialog", "opt-out-server");
    if (!answer.confirmed) { checkbox.checked = true; return; }
    await act(async function () {
      return (await request("POST", "/opt-out", { request_server_deletion: answer.serverDeletion })).message;
    }, checkbox);
  }

  var actions = {
    "submit": async function () {
      var result = await request("POST", "/submit");
      var accepted = result.attempts.filter(function (a) { return a.outcome === "accepted"; }).length;
      return result.attempts.length ? say("{accepted} of {total} batch(es) accepted by the receiver.",
        { accepted: accepted, total: result.attempts.length }) : say("Nothing was due to be sent.");
    },
    "rotate-id": async function () { return (await request("POST", "/rotate-id")).message; },
    "request-server-deletion": async function () { return (await request("POST", "/request-server-deletion")).message; }
  };

  async function onDeleteAll(button) {
    var answer = await confirmWith("delete-dialog", "delete-server");
    if (!answer.confirmed) { return; }
    var query = answer.serverDeletion ? "?request_server_deletion=true" : "";
    await act(async function () { return (await request("DELETE", "/delete-all" + query)).message; }, button);
  }

  async function onSettingsSubmit(form) {
    var input = form.querySelector("#retention-weeks");
    var error = form.querySelector("#retention-error");
    var weeks = Number(input.value);
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    if (!Number.isInteger(weeks) || weeks < Number(input.min) || weeks > Number(input.max)) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = say("Enter a whole number of weeks from {min} to {max}.", { min: input.min, max: input.max });
      input.focus();
      return;
    }
    await act(async function () {
      await request("PUT", "/settings", { rotate_yearly: form.querySelector("#rotate-yearly").checked, retention_weeks: weeks });
      return say("Settings saved.");
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.id === "opt-in") { onConsentChange(event.target); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    if (button.dataset.action === "delete-all") {
      onDeleteAll(button);
    } else if (actions[button.dataset.action]) {
      act(actions[button.dataset.action], button);
    }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id === "settings-form") {
      event.preventDefault();
      onSettingsSubmit(event.target);
    }
  });
  function start() { followHostLanguage(); enableControls(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
