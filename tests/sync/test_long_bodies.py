"""A 10 MB description or body is stored whole, but its detail page shows a bounded,
sanitized preview with a note (issue 13.4d), end to end through the Google stand-in."""

from __future__ import annotations

from sqlalchemy import func, select
from sync_helpers import at, timed

from plugin.models import CalendarEvent, Email
from plugin.sync.engine import sync_account
from plugin.sync.sanitize import PREVIEW_CHARS

TEN_MB = 10_000_000


def login(client, account):
    with client.session_transaction() as sess:
        sess["_user_id"] = str(account.user_id)
        sess["_fresh"] = True


def test_ten_mb_email_body_is_stored_and_previewed(sb, make_account, db, client):
    acc = make_account("ann@acme.com", sync_calendar=False)
    chunk = "<p>line <b>bold</b> <script>x()</script></p>\n"
    html = "<div>" + chunk * (TEN_MB // len(chunk)) + "<p>THE-END-MARK</p></div>"
    sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Huge",
        body_html=html,
        date=at(days=-1),
    )
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    mail = db.session.scalar(select(Email))
    stored = db.session.scalar(select(func.length(Email.body_html)))
    assert stored > 5_000_000 and "THE-END-MARK" in mail.body_html  # whole, sanitized
    login(client, acc)
    page = client.get(f"/crm-sync/calendar/emails/{mail.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert len(text) < PREVIEW_CHARS * 2
    assert "Message truncated" in text and "MB" in text
    assert "<script>" not in text and "<b>bold</b>" in text and "THE-END-MARK" not in text


def test_ten_mb_description_is_stored_and_previewed(sb, make_account, db, client):
    acc = make_account("ann@acme.com", sync_email=False)
    description = ("Agenda item & <notes>\n" * (TEN_MB // 22)) + "LAST-LINE"
    sb.calendar.insert_event("ann@acme.com", timed("Big agenda", description=description))
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    event = db.session.scalar(select(CalendarEvent))
    assert event.description == description
    login(client, acc)
    page = client.get(f"/crm-sync/calendar/events/{event.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert len(text) < PREVIEW_CHARS * 2
    assert "Description truncated" in text and "MB" in text and "LAST-LINE" not in text
    assert "&lt;notes&gt;" in text  # still escaped


def test_short_body_has_no_truncation_note(sb, make_account, db, client):
    acc = make_account("ann@acme.com", sync_calendar=False)
    sb.gmail.add_message(
        "ann@acme.com", from_="c@customer.com", to=["ann@acme.com"], body_text="short and whole"
    )
    sync_account(acc.id)
    mail = db.session.scalar(select(Email))
    login(client, acc)
    text = client.get(f"/crm-sync/calendar/emails/{mail.id}").get_data(as_text=True)
    assert "short and whole" in text and "truncated" not in text
