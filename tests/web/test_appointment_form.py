"""The appointment form round-trips any meeting: an all-day workshop, an overnight call and a
series set in another zone each open in the form and save back unchanged (Save without
changes makes no new version, so nothing is pushed); all-day and overnight meetings can be
created and edited through the form."""

from __future__ import annotations

from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from plugin.models import CalendarEvent


class _FormFields(HTMLParser):
    """The values a browser would submit for #appointment-form, as the page renders it."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((a["name"], a.get("value", "y")))
            elif a.get("type") != "submit":
                self.data.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.data.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea:
            name, text = self.data[-1]
            self.data[-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_as_rendered(page: str) -> list[tuple[str, str]]:
    parser = _FormFields()
    parser.feed(page.split('id="appointment-form"', 1)[1].split("</form>", 1)[0])
    # As a browser does: CRLF read as LF, one newline right after <textarea> dropped, and
    # the textarea sent back with CRLF line ends.
    return [
        (k, v.replace("\r\n", "\n").removeprefix("\n").replace("\n", "\r\n"))
        for k, v in parser.data
    ]


@pytest.fixture
def sam(world, login):
    user = login(world.user("sam@crm.example", name="Sam", tz="America/New_York"))
    user.test_link = world.linked(user, "sam@gmail.com")
    return user


def _save_unchanged(client, event_id: int):
    page = client.get(f"/crm-sync/appointments/{event_id}/edit").get_data(as_text=True)
    data = MultiDict(form_as_rendered(page))
    return client.post(f"/crm-sync/appointments/{event_id}/edit", data=data)


@pytest.mark.parametrize("kind", ["all-day workshop", "overnight call", "Berlin series"])
def test_opening_any_meeting_and_pressing_save_changes_nothing(client, world, sam, db, kind):
    if kind == "all-day workshop":
        event = world.all_day(
            "Hooli onsite workshop", date(2026, 3, 9), date(2026, 3, 11), sam.test_link
        )
    elif kind == "overnight call":  # 22:30 to 00:30 New York time
        event = world.event(
            "Late call",
            datetime(2026, 3, 11, 2, 30),
            datetime(2026, 3, 11, 4, 30),
            sam.test_link,
            description="Agenda:\n1. Numbers\n2. Next steps",
        )
    else:
        event = world.event(
            "Weekly sync",
            datetime(2026, 3, 10, 9),
            datetime(2026, 3, 10, 10),
            sam.test_link,
            timezone="Europe/Berlin",
        )
    event.owner_user_id = sam.id
    db.session.commit()
    before = (event.version, event.start_at, event.end_at, event.start_date, event.end_date)
    resp = _save_unchanged(client, event.id)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    event = db.session.get(CalendarEvent, event.id)
    after = (event.version, event.start_at, event.end_at, event.start_date, event.end_date)
    assert after == before
    assert event.timezone == (None if kind != "Berlin series" else "Europe/Berlin")
    assert "Nothing changed" in client.get("/crm-sync/calendar/").get_data(as_text=True)


def test_an_edit_by_someone_in_another_zone_keeps_the_series_zone(client, world, sam, db):
    event = world.event(
        "Weekly sync",
        datetime(2026, 3, 10, 9),
        datetime(2026, 3, 10, 10),
        sam.test_link,
        timezone="Europe/Berlin",
    )
    event.owner_user_id = sam.id
    db.session.commit()
    page = client.get(f"/crm-sync/appointments/{event.id}/edit").get_data(as_text=True)
    data = [
        (k, "Weekly sync (moved room)" if k == "title" else v) for k, v in form_as_rendered(page)
    ]
    resp = client.post(f"/crm-sync/appointments/{event.id}/edit", data=MultiDict(data))
    assert resp.status_code == 302
    db.session.expire_all()
    event = db.session.get(CalendarEvent, event.id)
    assert event.title == "Weekly sync (moved room)" and event.timezone == "Europe/Berlin"
    assert event.start_at == datetime(2026, 3, 10, 9) and event.version == 2


def test_all_day_and_overnight_meetings_are_created_from_the_form(client, world, sam, db):
    base = {"title": "Offsite", "day": "2026-04-01", "end_day": "2026-04-02", "all_day": "y"}
    assert client.post("/crm-sync/appointments/new", data=base).status_code == 302
    offsite = db.session.query(CalendarEvent).filter_by(title="Offsite").one()
    assert offsite.all_day and offsite.start_date == date(2026, 4, 1)
    assert offsite.end_date == date(2026, 4, 3)  # stored exclusive: two days
    late = {
        "title": "Late call",
        "day": "2026-04-01",
        "start": "22:30",
        "end_day": "2026-04-02",
        "end": "00:30",
    }
    assert client.post("/crm-sync/appointments/new", data=late).status_code == 302
    call = db.session.query(CalendarEvent).filter_by(title="Late call").one()
    assert not call.all_day
    assert (call.start_at, call.end_at) == (
        datetime(2026, 4, 2, 2, 30),
        datetime(2026, 4, 2, 4, 30),
    )


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"day": "2026-04-01", "start": "11:00", "end": "10:00"},
            "The end must be after the start.",
        ),
        (
            {"day": "2026-04-02", "start": "11:00", "end_day": "2026-04-01", "end": "12:00"},
            "The end must be after the start.",
        ),
        ({"day": "2026-04-02", "end_day": "2026-04-01", "all_day": "y"}, "The last day must not"),
        ({"day": "2026-04-02", "end": "12:00"}, "Enter a start time, or tick All day."),
    ],
)
def test_impossible_times_are_refused_with_a_message(client, sam, db, data, message):
    resp = client.post("/crm-sync/appointments/new", data={"title": "x", **data})
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)
    assert db.session.query(CalendarEvent).count() == 0
