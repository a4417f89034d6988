"""Editing or deleting an occurrence of a recurring meeting asks "This event" or "All events
in the series": the first changes that occurrence only, the second every stored occurrence
(marked as one series change for the engine), moved together and kept in the series' zone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from plugin.models import CalendarEvent
from tests.web.test_appointment_form import form_as_rendered


@pytest.fixture
def sam(world, login):
    user = login(world.user("sam@crm.example", name="Sam", tz="America/New_York"))
    user.test_link = world.linked(user, "sam@gmail.com")
    return user


@pytest.fixture
def weekly(world, sam, db):
    """Weekly sync, 09:00 Berlin (08:00 UTC in winter), three stored occurrences."""
    rows = []
    for n in range(3):
        start = datetime(2026, 1, 6, 8) + timedelta(weeks=n)
        event = world.event(
            "Weekly sync",
            start,
            start + timedelta(hours=1),
            sam.test_link,
            timezone="Europe/Berlin",
        )
        event.ical_uid, event.instance_key = "weekly@test", start.isoformat()
        event.owner_user_id = sam.id
        event.links[0].series_external_id = "weekly-master"
        rows.append(event)
    db.session.commit()
    return [r.id for r in rows]


def _rows(db, ids):
    db.session.expire_all()
    return [db.session.get(CalendarEvent, i) for i in ids]


def _post_edit(client, event_id, scope, **changes):
    page = client.get(f"/crm-sync/appointments/{event_id}/edit").get_data(as_text=True)
    data = [(k, v) for k, v in form_as_rendered(page) if k not in changes and k != "scope"]
    data += list(changes.items()) + [("scope", scope)]
    return client.post(f"/crm-sync/appointments/{event_id}/edit", data=MultiDict(data))


def test_the_edit_form_of_an_occurrence_asks_which(client, weekly, world, sam):
    page = client.get(f"/crm-sync/appointments/{weekly[1]}/edit").get_data(as_text=True)
    assert "This event" in page and "All events in the series" in page
    assert dict(form_as_rendered(page))["scope"] == "this", "This event is the default"
    single = world.event("One-off", datetime(2026, 1, 7, 8), datetime(2026, 1, 7, 9))
    single.owner_user_id = sam.id
    world.db.session.commit()
    page = client.get(f"/crm-sync/appointments/{single.id}/edit").get_data(as_text=True)
    assert "All events in the series" not in page


def test_this_event_changes_only_that_occurrence(client, db, weekly):
    assert _post_edit(client, weekly[1], "this", title="Weekly sync (moved)").status_code == 302
    rows = _rows(db, weekly)
    assert [r.title for r in rows] == ["Weekly sync", "Weekly sync (moved)", "Weekly sync"]
    assert [r.version for r in rows] == [1, 2, 1] and rows[1].series_version is None


def test_all_events_changes_every_occurrence_and_keeps_the_series_zone(client, db, weekly):
    # Sam (New York) moves the second one from 03:00 to 04:00 his time and renames it.
    resp = _post_edit(
        client, weekly[1], "series", title="Weekly sync (room 2)", start="04:00", end="05:00"
    )
    assert resp.status_code == 302
    rows = _rows(db, weekly)
    assert [r.title for r in rows] == ["Weekly sync (room 2)"] * 3
    assert [r.start_at.hour for r in rows] == [9, 9, 9], "each moved one hour, 10:00 Berlin"
    assert {r.timezone for r in rows} == {"Europe/Berlin"}
    assert all(r.series_version == r.version == 2 for r in rows)


def test_deleting_asks_and_all_events_deletes_the_series(client, db, weekly):
    page = client.get(f"/crm-sync/calendar/events/{weekly[0]}").get_data(as_text=True)
    assert 'id="appointment-delete-dialog"' in page and "All events in the series" in page
    client.post(f"/crm-sync/appointments/{weekly[0]}/delete", data={"scope": "this"})
    rows = _rows(db, weekly)
    assert [r.deleted_at is not None for r in rows] == [True, False, False]
    client.post(f"/crm-sync/appointments/{weekly[1]}/delete", data={"scope": "series"})
    rows = _rows(db, weekly)
    assert all(r.deleted_at is not None for r in rows)
    assert rows[2].series_version == rows[2].version
