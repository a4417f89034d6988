// The appointment form: "All day" hides the time inputs (the dates stay), and moving the
// start date moves the end date with it, so the meeting keeps its length.
(function () {
  "use strict";
  var allDay = document.getElementById("all_day");
  if (!allDay) { return; }
  function sync() {
    document.querySelectorAll("#appointment-form .crm-sync-timed").forEach(function (el) {
      el.hidden = allDay.checked;
    });
  }
  allDay.addEventListener("change", sync);
  sync();

  var day = document.getElementById("day");
  var endDay = document.getElementById("end_day");
  function parse(value) { return value ? Date.parse(value + "T00:00:00Z") : NaN; }
  var last = parse(day.value);
  function follow() {
    var now = parse(day.value), end = parse(endDay.value);
    if (!isNaN(now) && !isNaN(last) && !isNaN(end)) {
      endDay.value = new Date(end + (now - last)).toISOString().slice(0, 10);
    } else if (!isNaN(now) && isNaN(end)) {
      endDay.value = day.value;
    }
    if (!isNaN(now)) { last = now; }
  }
  day.addEventListener("change", follow);
  day.addEventListener("input", follow);
})();

// Attendees: search users and contacts as you type (the form's JSON endpoint), or type any
// email address; the related account gets the same search over its own options.
(function () {
  "use strict";
  if (typeof TomSelect === "undefined") { return; }
  var EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
  var attendees = document.getElementById("attendees");
  if (attendees) {
    var url = attendees.getAttribute("data-search-url");
    new TomSelect(attendees, {
      plugins: ["remove_button"],
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      persist: false,
      maxOptions: 20,
      create: function (input) { var v = input.trim(); return { value: v, text: v }; },
      createFilter: function (input) { return EMAIL.test(input.trim()); },
      shouldLoad: function (query) { return query.trim().length > 0; },
      load: function (query, callback) {
        fetch(url + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin", headers: { Accept: "application/json" }
        }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (body) { callback(body.results); })
          .catch(function () { callback(); });
      },
      render: {
        option_create: function (data, escape) {
          return '<div class="create">Invite <strong>' + escape(data.input) + "</strong></div>";
        },
        no_results: function () {
          return '<div class="no-results">No user or contact found; type a full email address to invite it.</div>';
        }
      }
    });
  }
  var account = document.getElementById("account");
  if (account) { new TomSelect(account, { maxOptions: 50, allowEmptyOption: true }); }
})();
