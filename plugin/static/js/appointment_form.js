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
