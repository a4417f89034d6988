// Calendar & Email Settings: while a first sync runs, poll the status endpoint and update
// the page in place (textContent only). When it is done the page stays, so the success
// message the user came back to is still there; only the runs table is refreshed.
(function () {
  "use strict";
  var root = document.getElementById("crm-sync-accounts");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");

  function pending() {
    return root.querySelectorAll('.crm-sync-linked[data-initial-done="false"]').length > 0;
  }

  function apply(item) {
    var card = document.getElementById("linked-" + item.id);
    if (!card) { return; }
    ["status_text", "last_sync", "next_sync", "synced", "progress_text"].forEach(function (key) {
      var el = card.querySelector('[data-field="' + key + '"]');
      if (el) { el.textContent = item[key]; }
    });
    var err = card.querySelector('[data-field="last_error"]');
    if (err) {
      err.textContent = item.last_error || "none";
      err.classList.toggle("text-danger", !!item.last_error);
      err.classList.toggle("text-muted", !item.last_error);
    }
    var done = item.initial_sync_done || item.status !== "active";
    card.setAttribute("data-initial-done", done ? "true" : "false");
    var bar = card.querySelector(".crm-sync-progress");
    if (bar) { bar.hidden = done; }
  }

  // The runs table is server-rendered; take the fresh one from the page itself.
  function refreshRuns() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var section = fresh.getElementById("sync-runs-section");
        var here = document.getElementById("sync-runs-section");
        if (section && here) { here.replaceWith(document.importNode(section, true)); }
      })
      .catch(function () {});
  }

  function settle() { root.setAttribute("data-settled", "true"); }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        var wasPending = pending();
        data.accounts.forEach(apply);
        if (wasPending && !pending()) { refreshRuns().then(settle); return; }
        if (pending()) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  // data-settled marks a page with nothing left to update (pending done, or never pending).
  if (pending()) { window.setTimeout(poll, 1000); } else { settle(); }
})();
