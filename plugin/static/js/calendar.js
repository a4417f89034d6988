// User and Account Calendars: FullCalendar month/week/day over the plugin's JSON feed.
// Titles come from providers, so everything is written with textContent, never innerHTML.
(function () {
  "use strict";
  var picker = document.getElementById("calendar-user");  // admins: whose calendar
  if (picker) {
    picker.addEventListener("change", function () { picker.form.submit(); });
  }
  var el = document.getElementById("crm-sync-calendar");
  if (!el || !window.FullCalendar) { return; }
  var feedUrl = el.getAttribute("data-feed-url");
  var modalEl = document.getElementById("crm-sync-day-modal");

  function showDay(info) {
    var props = info.event.extendedProps;
    var list = document.getElementById("crm-sync-day-items");
    var title = document.getElementById("crm-sync-day-title");
    title.textContent = "Events on " + info.event.startStr.slice(0, 10);
    list.replaceChildren();
    fetch(props.list_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        data.items.forEach(function (item) {
          var a = document.createElement("a");
          a.className = "list-group-item list-group-item-action crm-sync-day-item";
          a.href = item.url;
          var kind = document.createElement("span");
          kind.className = "badge me-2 " + (item.kind === "email" ? "text-bg-secondary" : "text-bg-primary");
          kind.textContent = item.kind === "email" ? "Email" : (item.time || "All day");
          var text = document.createElement("span");
          text.textContent = item.title;
          a.append(kind, text);
          list.append(a);
        });
      })
      .catch(function () {
        var li = document.createElement("li");
        li.className = "list-group-item text-danger";
        li.textContent = "The list could not be loaded; please try again.";
        list.append(li);
      });
    window.bootstrap.Modal.getOrCreateInstance(modalEl).show();
  }

  var lastView = null;
  var calendar = null;
  calendar = new window.FullCalendar.Calendar(el, {
    initialView: "dayGridMonth",
    timeZone: el.getAttribute("data-time-zone") || "local",
    headerToolbar: { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,timeGridDay" },
    buttonText: { month: "Month", week: "Week", day: "Day", today: "Today" },
    nowIndicator: true,
    // A meeting that ends in the small hours (22:30 to 00:30) is that evening's meeting: one
    // block on its first day in the month grid, not a bar across two days.
    nextDayThreshold: "09:00:00",
    height: "auto",
    eventDisplay: "block",
    events: function (info, success, failure) {
      var url = new URL(feedUrl, window.location.href);
      url.searchParams.set("start", info.startStr);
      url.searchParams.set("end", info.endStr);
      // The first fetch runs inside the constructor, before `calendar` is assigned.
      url.searchParams.set("view", calendar ? calendar.view.type : "dayGridMonth");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(String(r.status))); })
        .then(success, failure);
    },
    eventClick: function (info) {
      if (info.event.extendedProps.kind === "day") {
        info.jsEvent.preventDefault();
        showDay(info);
      }
      // Appointments and emails keep their url: the detail page opens.
    },
    eventDidMount: function (info) {
      info.el.setAttribute("data-kind", info.event.extendedProps.kind || "");
      info.el.setAttribute("title", info.event.title);
    },
    // Busy days fold into "Events" only in the month grid, so a change of view refetches.
    datesSet: function (info) {
      if (lastView && lastView !== info.view.type) { calendar.refetchEvents(); }
      lastView = info.view.type;
    }
  });
  calendar.render();
  window.crmSyncCalendar = calendar;
})();
