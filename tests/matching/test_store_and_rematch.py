"""store_match writes results onto stored rows; changes to contacts and domains re-match them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from plugin.models import AccountDomain, CalendarEvent, ContactEmail, Email, Interaction
from plugin.sync.match_store import rematch, store_match
from plugin.sync.matching import Item, Matcher, Person

from .helpers import START, account, contact, meeting, settings, user


def stored(db, item: Item, **kw) -> CalendarEvent:
    row = CalendarEvent(
        ical_uid=kw.pop("uid", "uid-1"),
        title="Review",
        start_at=item.start,
        end_at=item.end,
        organizer_email=item.organizer.email if item.organizer else None,
        origin="google",
        **kw,
    )
    db.session.add(row)
    store_match(db.session, row, Matcher().match(item))
    db.session.commit()
    return row


def interactions(db, row) -> dict[int, Interaction]:
    db.session.refresh(row)
    return {i.account_id: i for i in row.interactions}


def test_store_match_writes_client_people_and_interactions(db):
    acme = account(db, "Acme", "acme.com")
    c = contact(db, "Tester", acme, "tester@acme.com")
    me = user(db, "Me", "me@ours.com")
    row = stored(db, meeting("me@ours.com", "tester@acme.com", "x@acme.com"))
    assert (row.client_account_id, row.client_contact_id, row.client_method) == (
        acme.id,
        c.id,
        "attendee",
    )
    assert row.booked_by_user_id == me.id and row.event_manager_id == me.id
    assert {p.email: p.method for p in row.participants} == {
        "me@ours.com": "internal",
        "tester@acme.com": "direct",
        "x@acme.com": "domain",
    }
    (i,) = row.interactions
    assert (i.account_id, i.occurred_on, i.source, i.kind) == (
        acme.id,
        START.date(),
        "Google Calendar",
        "meeting",
    )
    assert len(i.participants) == 3


def test_store_match_twice_updates_in_place(db):
    acme = account(db, "Acme", "acme.com")
    row = stored(db, meeting(None, "a@acme.com", "b@acme.com"))
    ids = {p.email: p.id for p in row.participants}
    store_match(db.session, row, Matcher().match(meeting(None, "a@acme.com", "c@acme.com")))
    db.session.commit()
    now = {p.email: p.id for p in row.participants}
    assert now["a@acme.com"] == ids["a@acme.com"]
    assert set(now) == {"a@acme.com", "c@acme.com"}
    assert list(interactions(db, row)) == [acme.id]


def test_store_match_keeps_manual_client(db):
    acme = account(db, "Acme", "acme.com")
    chosen = account(db, "Chosen")
    row = stored(db, meeting(None, "a@acme.com"))
    row.client_account_id, row.client_manual = chosen.id, True
    store_match(db.session, row, Matcher().match(meeting(None, "a@acme.com")))
    db.session.commit()
    assert row.client_account_id == chosen.id
    assert acme.id in interactions(db, row)


def test_store_match_email_dated_on_thread_start(db):
    acme = account(db, "Acme", "acme.com")
    row = Email(
        message_id="<m1@acme.com>",
        from_email="x@acme.com",
        sent_at=START,
        thread_started_on=date(2025, 2, 1),
    )
    db.session.add(row)
    item = Item(
        "email", Person("x@acme.com"), (Person("me@ours.com"),), START, START, source="Gmail"
    )
    store_match(db.session, row, Matcher().match(item))
    db.session.commit()
    (i,) = row.interactions
    assert (i.account_id, i.occurred_on, i.kind, i.source) == (
        acme.id,
        date(2025, 2, 1),
        "email",
        "Gmail",
    )


def test_rematch_when_contact_email_added_automatically(db):
    acme = account(db, "Acme")
    user(db, "Me", "me@ours.com")
    settings(sync_scope="everything")
    row = stored(db, meeting("me@ours.com", "new.person@gmail.com"))
    assert row.interactions == []
    c = contact(db, "New", acme, "someone@acme.com")
    c.emails.append(ContactEmail(email="new.person@gmail.com"))
    db.session.commit()  # the hook re-matches in this same commit
    db.session.refresh(row)
    p = next(p for p in row.participants if p.email == "new.person@gmail.com")
    assert (p.method, p.contact_id, p.account_id) == ("direct", c.id, acme.id)
    assert list(interactions(db, row)) == [acme.id]
    assert row.client_account_id == acme.id


def test_rematch_when_account_domain_changes(db):
    acme = account(db, "Acme")
    user(db, "Me", "me@ours.com")
    settings(sync_scope="everything")
    row = stored(db, meeting("me@ours.com", "x@acme.com"))
    assert row.interactions == []
    acme.domains.append(AccountDomain(domain="acme.com"))
    db.session.commit()
    assert list(interactions(db, row)) == [acme.id]
    # Renaming the domain away un-matches it again.
    acme.domains[0].domain = "acme.org"
    db.session.commit()
    assert interactions(db, row) == {}


def test_rematch_second_account_on_domain_makes_it_ambiguous(db):
    acme = account(db, "Acme", "acme.com")
    row = stored(db, meeting(None, "x@acme.com"))
    other = account(db, "Acme Two")
    other.domains.append(AccountDomain(domain="ACME.com"))
    db.session.commit()
    db.session.refresh(row)
    (p,) = row.participants
    assert (p.method, p.account_id, sorted(p.candidates)) == (
        "ambiguous",
        None,
        sorted([acme.id, other.id]),
    )
    assert row.interactions == []


def test_rematch_never_overwrites_manual_participant(db):
    acme = account(db, "Acme", "acme.com")
    picked = account(db, "Picked")
    row = stored(db, meeting(None, "x@acme.com", "y@acme.com"))
    p = next(p for p in row.participants if p.email == "x@acme.com")
    p.account_id, p.method, p.manual = picked.id, "manual", True
    db.session.commit()
    acme.domains.append(AccountDomain(domain="acme.net"))
    assert rematch(db.session, domains=["acme.com"]) == 1
    db.session.commit()
    db.session.refresh(p)
    assert (p.account_id, p.method, p.manual) == (picked.id, "manual", True)
    assert set(interactions(db, row)) == {acme.id, picked.id}


def test_rematch_contact_moved_to_another_account(db):
    acme = account(db, "Acme")
    globex = account(db, "Globex")
    c = contact(db, "Tester", acme, "tester@acme.com")
    row = stored(db, meeting(None, "tester@acme.com"))
    assert list(interactions(db, row)) == [acme.id]
    c.account = globex
    db.session.commit()
    assert list(interactions(db, row)) == [globex.id]


def test_rematch_finds_nothing_for_unrelated_changes(db):
    account(db, "Acme", "acme.com")
    stored(db, meeting(None, "x@acme.com"))
    assert rematch(db.session, emails=["nobody@else.org"], domains=["else.org"]) == 0


def test_rematch_rolled_back_change_is_forgotten(db):
    acme = account(db, "Acme")
    row = stored(db, meeting(None, "x@acme.com"))
    acme.domains.append(AccountDomain(domain="acme.com"))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert interactions(db, row) == {}
    assert db.session.scalar(select(AccountDomain)) is None


def test_rematch_keeps_all_day_date(db):
    acme = account(db, "Acme", "acme.com")
    item = meeting(None, "x@acme.com", minutes=1440, all_day=True)
    row = stored(db, item, all_day=True, start_date=START.date() + timedelta(days=1))
    assert interactions(db, row)[acme.id].occurred_on == START.date() + timedelta(days=1)
