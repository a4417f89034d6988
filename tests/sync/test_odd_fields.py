"""One odd field never loses a whole item (issue 13.3): an over-long title, address, name or
Message-ID, or a NUL, is cleaned the same way on SQLite and PostgreSQL, the item is stored
and the change is recorded as a problem on it (see plugin/sync/engine/fields.py)."""

from __future__ import annotations

from sqlalchemy import select
from sync_helpers import at, timed

from plugin.models import CalendarEvent, Email, Participant, SyncProblem
from plugin.sync.engine import sync_account
from plugin.sync.engine.fields import clean_event, clean_message
from plugin.sync.providers.base import Person, RemoteEvent
from plugin.sync.providers.google.mail import parse_message


def problems_for(db, external_id: str) -> list[str]:
    return list(
        db.session.scalars(
            select(SyncProblem.message).where(SyncProblem.external_id == external_id)
        )
    )


def test_meeting_with_a_long_title_long_address_and_long_organizer_name_is_kept(
    sb, make_account, db
):
    acc = make_account("ann@acme.com")
    with sb.state.lock:  # the organizer's display name, as Google shows it
        next(u for u in sb.state.users.values() if u.email == "ann@acme.com").name = "N" * 300
    long_address = "x" * 330 + "@customer.com"
    # Google refuses attendees that are not RFC 5322 addresses; a domain literal passes
    # there, not in the CRM (a mail server's IP is no contact's address).
    literal = "x@[10.0.0.1]"
    title = "T" * 5000
    odd = sb.calendar.insert_event(
        "ann@acme.com",
        timed(title, attendees=["c@customer.com", long_address, literal]),
    )
    sb.calendar.insert_event("ann@acme.com", timed("Plain", days=2))
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    event = db.session.scalar(select(CalendarEvent).where(CalendarEvent.title != "Plain"))
    assert event is not None, "the odd meeting was lost"
    assert event.title == title[:1024]
    assert event.organizer_email == "ann@acme.com" and event.organizer_name == "N" * 200
    emails = {p.email for p in event.participants}
    assert "c@customer.com" in emails
    assert long_address not in emails and literal not in emails
    assert all(len(p.name or "") <= 200 for p in event.participants)
    [message] = problems_for(db, odd["id"])
    assert "title" in message and literal in message and "not a valid address" in message
    assert "organizer name" in message
    assert db.session.scalar(select(CalendarEvent).where(CalendarEvent.title == "Plain"))


def test_meeting_with_nul_in_title_is_stored_without_it(sb, make_account, db):
    acc = make_account("ann@acme.com")
    bad = sb.calendar.insert_event("ann@acme.com", timed("Bad \x00 title"))
    run = sync_account(acc.id)
    assert run.status == "ok" and run.problems == 1
    assert list(db.session.scalars(select(CalendarEvent.title))) == ["Bad  title"]
    assert "NUL" in problems_for(db, bad["id"])[0]


def test_email_with_long_message_id_and_nul_subject_is_kept_and_threads(sb, make_account, db):
    acc = make_account("ann@acme.com", sync_calendar=False)
    long_id = "<" + "x" * 1100 + "@customer.com>"
    root = sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Root",
        body_text="r",
        date=at(days=-3),
        message_id=long_id,
    )
    sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Re: Root",
        body_text="reply",
        date=at(days=-2),
        thread_of=root["id"],
    )
    nul = sb.gmail.add_message(
        "ann@acme.com",
        from_="d@customer.com",
        to=["ann@acme.com"],
        subject="Hello",
        body_text="x",
        date=at(days=-1),
        headers={"X-Probe": "nul"},
    )
    with sb.state.lock:
        stored = sb.gmail_store.mailbox("ann@acme.com").messages[nul["id"]]
        stored.raw = stored.raw.replace(b"Subject: Hello", b"Subject: =?utf-8?q?Hel=00lo?=")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    mails = {m.subject: m for m in db.session.scalars(select(Email))}
    assert set(mails) == {"Root", "Re: Root", "Hello"}
    assert len(mails["Root"].message_id) <= 998
    assert mails["Re: Root"].thread_key == mails["Root"].message_id
    assert mails["Re: Root"].thread_started_on == mails["Root"].sent_at.date()
    assert "Message-ID" in problems_for(db, root["id"])[0]
    assert "NUL" in problems_for(db, nul["id"])[0]
    # The same long Message-ID in a second mailbox is the same email.
    bob = make_account("bob@acme.com", sync_calendar=False)
    sb.gmail.add_message(
        "bob@acme.com",
        from_="c@customer.com",
        to=["bob@acme.com"],
        subject="Root",
        body_text="r",
        date=at(days=-3),
        message_id=long_id,
    )
    run = sync_account(bob.id)
    assert run.created == 0 and run.updated == 1


def test_email_with_invalid_addresses_keeps_the_valid_people(sb, make_account, db):
    acc = make_account("ann@acme.com", sync_calendar=False)
    odd = sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Odd people",
        body_text="x",
        date=at(days=-1),
    )
    with sb.state.lock:
        stored = sb.gmail_store.mailbox("ann@acme.com").messages[odd["id"]]
        stored.raw = stored.raw.replace(
            b"To: ann@acme.com",
            b"To: ann@acme.com, not-an-email, <<bogus>>, " + b"y" * 330 + b"@customer.com",
        ).replace(b"From: c@customer.com", b"From: " + b"S" * 300 + b" <c@customer.com>")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    mail = db.session.scalar(select(Email))
    assert mail.subject == "Odd people"
    assert mail.from_email == "c@customer.com" and mail.from_name == "S" * 200
    people = set(db.session.scalars(select(Participant.email)))
    assert people == {"ann@acme.com", "c@customer.com"}
    [message] = problems_for(db, odd["id"])
    assert "not-an-email" in message and "sender name" in message
    # the stand-in, like a strict parser, shows <<bogus>> and a@@b..c as "<>"
    assert "To header is not an address" in message


def test_header_addresses_as_gmail_sends_them_are_judged_one_by_one():
    raw = {
        "id": "m1",
        "internalDate": "1700000000000",
        "payload": {
            "mimeType": "text/plain",
            "headers": [
                {"name": "From", "value": "<<bogus>>"},
                {"name": "To", "value": "ann@acme.com, not-an-email, <<bogus>>, a@@b..c"},
                {"name": "Cc", "value": "undisclosed-recipients:;"},
                {"name": "Subject", "value": "Hi"},
            ],
            "body": {"data": "aGk="},
        },
    }
    msg, notes = clean_message(parse_message(raw))
    assert msg.sender is None and [p.email for p in msg.to] == ["ann@acme.com"]
    assert msg.cc == () and msg.body_text == "hi"
    said = " ".join(notes)
    assert "not-an-email" in said and "bogus" in said and "a@@b..c" in said
    assert "Cc" not in said


def test_nul_is_checked_on_emails_as_on_events(sb, make_account, db):
    """Body, HTML body and names lose their NULs, on both databases; the email stays."""
    acc = make_account("ann@acme.com", sync_calendar=False)
    nul = sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Body",
        body_text="plain\x00text",
        body_html="<p>rich\x00html</p>",
        date=at(days=-1),
    )
    with sb.state.lock:
        stored = sb.gmail_store.mailbox("ann@acme.com").messages[nul["id"]]
        stored.raw = stored.raw.replace(
            b"From: c@customer.com", b"From: =?utf-8?q?C=00at?= <c@customer.com>"
        )
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    mail = db.session.scalar(select(Email))
    assert mail.body_text.strip() == "plaintext" and "richhtml" in mail.body_html
    assert mail.from_name == "Cat"
    message = problems_for(db, nul["id"])[0]
    assert "NUL" in message and "text body" in message and "sender name" in message


def test_unpaired_surrogate_in_a_title_is_replaced(sb, make_account, db):
    """JSON may carry a lone \\ud800, which neither database can encode."""
    acc = make_account("ann@acme.com")
    odd = sb.calendar.insert_event("ann@acme.com", timed("Half \ud800 a pair"))
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert list(db.session.scalars(select(CalendarEvent.title))) == ["Half \ufffd a pair"]
    assert "Unreadable characters" in problems_for(db, odd["id"])[0]


def test_invalid_organizer_and_attendees_are_left_out_and_unicode_domains_kept():
    """As another calendar provider may send them (the Google stand-in refuses these)."""
    remote = RemoteEvent(
        external_id="e1",
        calendar_id="primary",
        ical_uid="u1",
        title="Odd people",
        organizer=Person("<<bogus>>", "Nobody"),
        attendees=(
            Person("not-an-email"),
            Person("a@@b..c"),
            Person("jörg@münchen.de"),
            Person("eve@xn--mnchen-3ya.de"),
            Person("it@corp.local"),
        ),
    )
    cleaned, notes = clean_event(remote)
    assert cleaned.organizer is None and cleaned.title == "Odd people"
    assert [p.email for p in cleaned.attendees] == [
        "jörg@münchen.de",
        "eve@xn--mnchen-3ya.de",
        "it@corp.local",
    ]
    said = " ".join(notes)
    assert "<<bogus>>" in said and "not-an-email" in said and "a@@b..c" in said
