"""Unlink with Keep keeps every meeting and email already synced, for the user who kept them;
with Remove they go; linking again never doubles them. Synced for real from the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from plugin.models import Account, AccountDomain, CalendarEvent, Email, LinkedAccount
from plugin.settings import get_settings
from plugin.sync.engine import sync_account
from plugin.sync.linking import link_account
from plugin.sync.matching import Person
from plugin.sync.outbound import AppointmentFields, new_appointment
from plugin.sync.scheduler import dispatch

SCOPES = [
    "openid",
    "email",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/gmail.readonly",
]


@pytest.fixture
def sb(app, google_sandbox, monkeypatch, db):
    """The app's Google calls sent to the sandbox; customers at customer.com."""
    base = google_sandbox.base_url
    for key, value in {
        "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-test",
        "CRM_SYNC_GOOGLE_CLIENT_SECRET": "crm-secret",
        "CRM_SYNC_GOOGLE_TOKEN_URL": f"{base}/token",
        "CRM_SYNC_GOOGLE_REVOKE_URL": f"{base}/revoke",
        "CRM_SYNC_GOOGLE_CALENDAR_URL": f"{base}/calendar/v3",
        "CRM_SYNC_GOOGLE_GMAIL_URL": f"{base}/gmail/v1",
        "CRM_SYNC_RETRY_BASE_SECONDS": 0.01,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    google_sandbox.add_client("crm-test", "crm-secret", ["http://localhost/cb"])
    get_settings().sync_scope = "accounts"
    customer = Account(name="Customer Inc", domains=[AccountDomain(domain="customer.com")])
    db.session.add(customer)
    db.session.commit()
    google_sandbox.customer_id = customer.id
    return google_sandbox


def _when(days: int, hour: int = 10) -> datetime:
    return datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(
        days=days
    )


def _meeting(summary: str, days: int, **extra) -> dict:
    start = _when(days)
    return {
        "summary": summary,
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
        "attendees": [{"email": "carol@customer.com"}],
        **extra,
    }


def _link(sb, world, email: str, crm_email: str):
    sb.add_user(email)
    user = world.user(crm_email)
    token = sb.issue_token(email, scopes=SCOPES, client_id="crm-test")
    return user, link_account(user, "google", email, token)


def _seed(sb):
    """Sam's calendar and mailbox; one meeting and one email Bob holds too."""
    shared = _meeting("Shared review", 2, iCalUID="shared-review@x")
    sb.calendar.insert_event("bob@gmail.com", shared)
    sb.calendar.insert_event("sam@gmail.com", shared)
    sb.calendar.insert_event("sam@gmail.com", _meeting("Sam kickoff", 3))
    sb.calendar.insert_event("sam@gmail.com", _meeting("Sam follow-up", -3))
    for mailbox in ("bob@gmail.com", "sam@gmail.com"):
        sb.gmail.add_message(
            mailbox,
            from_="carol@customer.com",
            to=["bob@gmail.com", "sam@gmail.com"],
            subject="Shared quote",
            body_text="Shared quote body",
            date=_when(-2),
            message_id="<shared-quote@customer.com>",
        )
    for n in range(3):
        sb.gmail.add_message(
            "sam@gmail.com",
            from_="carol@customer.com",
            to=["sam@gmail.com"],
            subject=f"Sam question {n}",
            body_text=f"Question body {n}",
            date=_when(-1 - n),
        )


WINDOW = {
    "start": _when(-20, 0).replace(tzinfo=None).isoformat(),
    "end": _when(20, 0).replace(tzinfo=None).isoformat(),
}


def _my_calendar(client) -> list[str]:
    resp = client.get("/crm-sync/calendar/feed", query_string=WINDOW)
    assert resp.status_code == 200
    return sorted(i["title"] for i in resp.get_json())


def _account_calendar(client, account_id: int) -> list[str]:
    resp = client.get(f"/crm-sync/accounts/{account_id}/feed", query_string=WINDOW)
    assert resp.status_code == 200
    return sorted(i["title"] for i in resp.get_json())


def _email_pages(client, db) -> dict[str, tuple[int, str]]:
    """Every stored email's detail page as the logged-in user gets it."""
    pages = {}
    for mail in db.session.scalars(select(Email)):
        resp = client.get(f"/crm-sync/calendar/emails/{mail.id}")
        pages[mail.subject] = (resp.status_code, resp.get_data(as_text=True))
    return pages


def _total(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _synced(sb, world, login, db):
    """Bob and Sam linked and synced; Sam logged in."""
    _, bob = _link(sb, world, "bob@gmail.com", "bob@crm.example")
    sam_user, sam = _link(sb, world, "sam@gmail.com", "sam@crm.example")
    _seed(sb)
    assert sync_account(bob.id).status == "ok"
    assert sync_account(sam.id).status == "ok"
    login(sam_user)
    return sam_user, sam


EVERYTHING = [
    "Sam follow-up",
    "Sam kickoff",
    "Sam question 0",
    "Sam question 1",
    "Sam question 2",
    "Shared quote",
    "Shared review",
]


def test_unlink_with_keep_keeps_every_meeting_and_email_for_the_user(
    sb, client, world, login, db, app
):
    sam_user, sam = _synced(sb, world, login, db)
    assert _my_calendar(client) == EVERYTHING
    before_account = _account_calendar(client, sb.customer_id)
    assert before_account == EVERYTHING

    resp = client.post(
        f"/crm-sync/settings/accounts/{sam.id}/unlink",
        data={"keep_items": "keep"},
        follow_redirects=True,
    )
    assert "The items already synced are kept." in resp.get_data(as_text=True)
    assert dispatch(app, "w1") >= 1
    db.session.expire_all()
    assert _total(db, LinkedAccount) == 1  # Bob's

    assert _my_calendar(client) == EVERYTHING
    assert _account_calendar(client, sb.customer_id) == before_account
    pages = _email_pages(client, db)
    assert {subject: code for subject, (code, _) in pages.items()} == {
        s: 200 for s in EVERYTHING if "quote" in s or "question" in s
    }
    assert "Question body 1" in pages["Sam question 1"][1]  # still their own mail: the body
    for event in db.session.scalars(select(CalendarEvent)):
        assert client.get(f"/crm-sync/calendar/events/{event.id}").status_code == 200

    # Linking the same mailbox again finds the kept rows: nothing doubles.
    counts = _total(db, CalendarEvent), _total(db, Email)
    token = sb.issue_token("sam@gmail.com", scopes=SCOPES, client_id="crm-test")
    again = link_account(sam_user, "google", "sam@gmail.com", token)
    assert sync_account(again.id).status == "ok"
    db.session.expire_all()
    assert (_total(db, CalendarEvent), _total(db, Email)) == counts
    assert _my_calendar(client) == EVERYTHING


def test_unlink_with_remove_takes_them_away(sb, client, world, login, db, app):
    _, sam = _synced(sb, world, login, db)
    client.post(f"/crm-sync/settings/accounts/{sam.id}/unlink", data={"keep_items": "remove"})
    assert dispatch(app, "w1") >= 1
    db.session.expire_all()
    assert _my_calendar(client) == []
    # What only Sam brought is gone; what Bob holds too stays, for Bob.
    assert sorted(db.session.scalars(select(CalendarEvent.title))) == ["Shared review"]
    assert sorted(db.session.scalars(select(Email.subject))) == ["Shared quote"]
    assert _account_calendar(client, sb.customer_id) == ["Shared quote", "Shared review"]
    codes = {subject: code for subject, (code, _) in _email_pages(client, db).items()}
    assert codes == {"Shared quote": 404}


def test_a_kept_item_outlives_the_other_mailbox_and_calendar_dropping_it(
    sb, client, world, login, db, app
):
    """Sam kept the shared quote and review; Bob deleting them later takes them only from Bob."""
    _, sam = _synced(sb, world, login, db)
    client.post(f"/crm-sync/settings/accounts/{sam.id}/unlink", data={"keep_items": "keep"})
    assert dispatch(app, "w1") >= 1
    bob = db.session.scalar(select(LinkedAccount))
    (quote,) = [m for m in sb.gmail.messages("bob@gmail.com")]
    sb.gmail.delete("bob@gmail.com", quote["id"])
    (review,) = sb.calendar.events("bob@gmail.com")
    sb.calendar.delete_event("bob@gmail.com", review["id"])
    assert sync_account(bob.id).status == "ok"
    db.session.expire_all()
    assert _my_calendar(client) == EVERYTHING


def test_unlink_with_remove_keeps_the_appointments_booked_in_the_crm(
    sb, client, world, login, db, app
):
    """Remove takes away what the mailbox brought, not what the user booked in the CRM: an
    appointment made here (and pushed to the calendar) stays, with its attendees."""
    sam_user, sam = _synced(sb, world, login, db)
    start = _when(4).replace(tzinfo=None)
    booked = new_appointment(
        db.session,
        sam_user,
        AppointmentFields(
            "Demo for Carol",
            start,
            start + timedelta(hours=1),
            attendees=(Person("carol@customer.com"),),
            send_invitations=False,
        ),
    )
    db.session.commit()
    assert sync_account(sam.id).status == "ok"  # pushed: it is in Sam's Google calendar now
    assert any(e["summary"] == "Demo for Carol" for e in sb.calendar.events("sam@gmail.com"))

    client.post(f"/crm-sync/settings/accounts/{sam.id}/unlink", data={"keep_items": "remove"})
    assert dispatch(app, "w1") >= 1
    db.session.expire_all()
    assert _my_calendar(client) == ["Demo for Carol"]
    kept = db.session.get(CalendarEvent, booked.id)
    assert [p.email for p in kept.participants if p.role != "organizer"] == ["carol@customer.com"]
    assert client.get(f"/crm-sync/calendar/events/{booked.id}").status_code == 200
