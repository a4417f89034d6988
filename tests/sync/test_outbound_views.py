"""The appointment screens write rows and ask for a sync; the engine then pushes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outbound_helpers import OWNER, remote_events
from sqlalchemy import select

from plugin.models import CalendarEvent, Contact, ContactEmail, LinkedAccount
from plugin.sync.engine import sync_account


def _login(client, user):
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True


def test_new_edit_delete_from_the_calendar_screens(sb, make_account, db, client, app):
    acc = make_account(OWNER)
    db.session.add(Contact(name="Joe Buyer", emails=[ContactEmail(email="joe@globex.com")]))
    db.session.commit()
    sync_account(acc.id)
    _login(client, acc.user)
    prefix = app.config["CRM_SYNC_URL_PREFIX"].rstrip("/")
    page = client.get(f"{prefix}/calendar/")
    assert b'id="new-appointment"' in page.data

    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    form = {
        "title": "Quarterly <review>",
        "day": day,
        "start": "10:00",
        "end": "11:00",
        "location": "HQ",
        "attendees": ["joe@globex.com"],
        "send_invitations": "y",
    }
    resp = client.post(f"{prefix}/appointments/new", data=form)
    assert resp.status_code == 302, resp.data
    event = db.session.scalar(select(CalendarEvent))
    assert (event.title, event.origin, event.owner_user_id) == (
        "Quarterly <review>",
        "crm",
        acc.user_id,
    )
    assert db.session.get(LinkedAccount, acc.id).next_sync_at is not None
    assert remote_events(sb) == []  # the view never talks to Google
    sync_account(acc.id)
    [remote] = remote_events(sb)
    assert (
        remote["summary"] == "Quarterly <review>"
        and remote["attendees"][0]["email"] == "joe@globex.com"
    )
    assert b"Quarterly &lt;review&gt;" in client.get(f"{prefix}/calendar/events/{event.id}").data

    resp = client.post(
        f"{prefix}/appointments/{event.id}/edit",
        data={**form, "title": "Moved", "start": "12:00", "end": "13:00"},
    )
    assert resp.status_code == 302
    sync_account(acc.id)
    [remote] = remote_events(sb)
    assert remote["summary"] == "Moved" and remote["start"]["dateTime"].endswith(
        ("12:00:00Z", "12:00:00+00:00")
    )

    resp = client.post(f"{prefix}/appointments/{event.id}/delete")
    assert resp.status_code == 302
    sync_account(acc.id)
    assert remote_events(sb) == []
    assert db.session.scalar(select(CalendarEvent)) is None


def test_end_before_start_is_refused_with_a_message(sb, make_account, db, client, app):
    acc = make_account(OWNER)
    _login(client, acc.user)
    prefix = app.config["CRM_SYNC_URL_PREFIX"].rstrip("/")
    resp = client.post(
        f"{prefix}/appointments/new",
        data={"title": "x", "day": "2030-01-01", "start": "11:00", "end": "10:00"},
    )
    assert resp.status_code == 200 and b"The end must be after the start." in resp.data
    assert db.session.scalar(select(CalendarEvent)) is None


def test_someone_elses_appointment_cannot_be_edited(sb, make_account, db, client, app):
    ann = make_account(OWNER)
    bob = make_account("bob@acme.com")
    from outbound_helpers import create

    event = create(db, ann, "Ann's")
    _login(client, bob.user)
    prefix = app.config["CRM_SYNC_URL_PREFIX"].rstrip("/")
    assert client.get(f"{prefix}/appointments/{event.id}/edit").status_code == 404
    assert client.post(f"{prefix}/appointments/{event.id}/delete").status_code == 404


def test_admin_edit_and_delete_are_pushed(sb, make_account, db, client, app):
    from outbound_helpers import create

    from plugin.models import User

    acc = make_account(OWNER)
    event = create(db, acc, "Admin me")
    sync_account(acc.id)
    admin = User(name="Root", is_admin=True)
    db.session.add(admin)
    db.session.commit()
    _login(client, admin)
    base = app.config["CRM_SYNC_ADMIN_URL"].rstrip("/")
    assert b"Admin me" in client.get(f"{base}/crm_appointments/").data
    form = {
        "title": "Renamed by admin",
        "start_at": event.start_at.strftime("%Y-%m-%d %H:%M:%S"),
        "end_at": event.end_at.strftime("%Y-%m-%d %H:%M:%S"),
        "location": "",
        "description": "",
    }
    resp = client.post(f"{base}/crm_appointments/edit/?id={event.id}", data=form)
    assert resp.status_code == 302, resp.data[:2000]
    db.session.expire_all()
    assert db.session.get(CalendarEvent, event.id).version == 2
    sync_account(acc.id)
    assert [e["summary"] for e in remote_events(sb)] == ["Renamed by admin"]

    resp = client.post(f"{base}/crm_appointments/delete/", data={"id": event.id})
    assert resp.status_code == 302
    sync_account(acc.id)
    assert remote_events(sb) == [] and db.session.scalar(select(CalendarEvent)) is None
