// Calendar & Email Settings: while a first sync runs, poll the status endpoint and update
// the page in place (textContent only), then reload once everything is done.
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
    ["status_text", "last_sync", "next_sync"].forEach(function (key) {
      var el = card.querySelector('[data-field="' + key + '"]');
      if (el) { el.textContent = item[key]; }
    });
    var err = card.querySelector('[data-field="last_error"]');
    if (err) { err.textContent = item.last_error || "none"; }
    var text = card.querySelector('[data-field="progress_text"]');
    if (text) {
      text.textContent = item.progress
        ? item.progress.fetched + " items read, " + item.progress.created + " added"
        : "waiting to start";
    }
    var done = item.initial_sync_done || item.status !== "active";
    card.setAttribute("data-initial-done", done ? "true" : "false");
    var bar = card.querySelector(".crm-sync-progress");
    if (bar) { bar.hidden = done; }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        var wasPending = pending();
        data.accounts.forEach(apply);
        if (wasPending && !pending()) { window.location.reload(); return; }
        if (pending()) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  // data-settled marks a page that will not reload itself (nothing pending when it loaded).
  if (pending()) { window.setTimeout(poll, 1000); } else { root.setAttribute("data-settled", "true"); }
})();
