"""Inbound Gmail sync against the sandbox (full, history, expired history and deletions are
in the behaviour suite, tests/sync/behaviour): dedup by Message-ID,
thread start date, sanitized bodies."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sync_helpers import at, count, customer_mail

from plugin.models import Email, EmailLink, SyncCursor
from plugin.sync.engine import sync_account


def mail_only(make_account, email):
    return make_account(email, sync_calendar=False)


def test_same_message_in_two_mailboxes_is_stored_once(sb, make_account, db):
    ann = mail_only(make_account, "ann@acme.com")
    bob = mail_only(make_account, "bob@acme.com")
    for mailbox in ("ann@acme.com", "bob@acme.com"):
        sb.gmail.add_message(
            mailbox,
            from_="c@customer.com",
            to=["ann@acme.com", "bob@acme.com"],
            subject="To both",
            body_text="x",
            message_id="<both-1@customer.com>",
        )
    sync_account(ann.id)
    run = sync_account(bob.id)
    assert run.created == 0 and run.updated == 1
    assert count(db, Email) == 1 and count(db, EmailLink) == 2


def test_email_dated_by_thread_start_and_body_sanitized(sb, make_account, db):
    acc = mail_only(make_account, "ann@acme.com")
    first_day = at(days=-5)
    root = sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Deal",
        body_text="start",
        date=first_day,
        message_id="<root@customer.com>",
    )
    sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Re: Deal",
        date=at(days=-1),
        thread_of=root["id"],
        body_html='<p onclick="x()">ok<script>alert(1)</script></p>',
    )
    sync_account(acc.id)
    reply = db.session.scalar(select(Email).where(Email.subject == "Re: Deal"))
    assert reply.thread_started_on == first_day.date()
    assert reply.thread_key == "<root@customer.com>"
    assert "script" not in reply.body_html and "onclick" not in reply.body_html
    assert "ok" in reply.body_html


def test_earlier_message_of_a_known_thread_moves_the_thread_date(sb, make_account, db):
    ann = mail_only(make_account, "ann@acme.com")
    bob = mail_only(make_account, "bob@acme.com")
    root_day = at(days=-6)
    sb.gmail.add_message(
        "bob@acme.com",
        from_="c@customer.com",
        to=["bob@acme.com"],
        subject="Deal",
        date=root_day,
        message_id="<r2@customer.com>",
        body_text="root",
    )
    sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Re: Deal",
        date=at(days=-1),
        body_text="reply",
        headers={"References": "<r2@customer.com>", "In-Reply-To": "<r2@customer.com>"},
    )
    sync_account(ann.id)
    reply = db.session.scalar(select(Email))
    assert reply.thread_started_on == at(days=-1).date()
    sync_account(bob.id)
    db.session.expire_all()
    assert {e.thread_started_on for e in db.session.scalars(select(Email))} == {root_day.date()}


def test_window_bounds_the_full_sync(sb, make_account, db):
    acc = mail_only(make_account, "ann@acme.com")
    sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Ancient",
        body_text="old",
        date=at(days=-400),
    )
    sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Recent",
        body_text="new",
        date=at(days=-2),
    )
    sync_account(acc.id)
    assert list(db.session.scalars(select(Email.subject))) == ["Recent"]


def _resync(sb, acc):
    """Expire the mailbox's history, so the next run is a full resync; run it."""
    sb.gmail.expire_history("ann@acme.com")
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.full_sync, run.error
    return run


def test_throttled_mid_page_keeps_what_was_fetched_and_resumes_there(sb, make_account, db):
    """Gmail's quota runs out halfway through a page of messages.get: the messages already
    fetched are stored, and the next run fetches only the rest (each message once)."""
    acc = mail_only(make_account, "ann@acme.com")
    customer_mail(sb, 8)
    # getProfile (1) + messages.list (5) + 4 x messages.get (5 each) = 26 units.
    sb.quota.gmail_units_per_minute = 26
    run = sync_account(acc.id)
    assert run.status == "throttled", run.error
    assert count(db, Email) == 4 and run.created == 4
    sb.clock.advance(61)
    sb.quota.gmail_units_per_minute = 15_000
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.created == 4
    calls = sb.calls("ann@acme.com")
    assert calls["gmail.users.messages.get"] == 4  # not the 4 stored before the throttle
    assert calls["gmail.users.messages.list"] == 1
    assert count(db, Email) == 8 and count(db, EmailLink) == 8
    assert len(set(db.session.scalars(select(Email.message_id)))) == 8


def test_full_resync_does_not_download_stored_messages_again(sb, make_account, db):
    """After a 404 on history, the full listing names every message again; those the CRM
    holds (Gmail messages never change) are kept without a messages.get each."""
    acc = mail_only(make_account, "ann@acme.com")
    customer_mail(sb, 5)
    sync_account(acc.id)
    sb.gmail.add_message(
        "ann@acme.com", from_="new@customer.com", to=["ann@acme.com"], subject="New", body_text="n"
    )
    run = _resync(sb, acc)
    assert sb.calls("ann@acme.com")["gmail.users.messages.get"] == 1
    assert run.created == 1 and run.deleted == 0
    assert count(db, Email) == 6 and count(db, EmailLink) == 6


def test_throttled_history_page_resumes_from_the_cursor_without_refetching(sb, make_account, db):
    """Incremental: throttled after two of six new messages, the next run lists the same
    history again and downloads only the four it lacks; the cursor moves only at the end."""
    acc = mail_only(make_account, "ann@acme.com")
    sync_account(acc.id)
    cursor = db.session.scalar(select(SyncCursor.cursor).where(SyncCursor.feed == "mail"))
    customer_mail(sb, 6)
    sb.quota.gmail_units_per_minute = 2 + 2 * 5  # history.list + two messages.get
    sb.clock.advance(61)
    run = sync_account(acc.id)
    assert run.status == "throttled" and run.created == 2
    db.session.expire_all()
    assert db.session.scalar(select(SyncCursor.cursor).where(SyncCursor.feed == "mail")) == cursor
    sb.quota.gmail_units_per_minute = 15_000
    sb.clock.advance(61)
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 4, run.error
    assert sb.calls("ann@acme.com")["gmail.users.messages.get"] == 4
    assert count(db, Email) == 6 and count(db, EmailLink) == 6
    db.session.expire_all()
    assert db.session.scalar(select(SyncCursor.cursor).where(SyncCursor.feed == "mail")) != cursor


@pytest.mark.parametrize("budget", range(11, 60, 4))  # profile + list, then (k - 11) // 5 + 1 gets
def test_a_throttle_at_any_point_loses_and_doubles_nothing(
    sb, make_account, db, app, monkeypatch, budget
):
    """Quota for getProfile, one messages.list and k messages.get, for each k through two
    pages and the page boundary: run until done, every message is stored exactly once."""
    monkeypatch.setitem(app.config, "CRM_SYNC_MAIL_PAGE_SIZE", 4)
    acc = mail_only(make_account, "ann@acme.com")
    sent = customer_mail(sb, 10)
    sb.quota.gmail_units_per_minute = budget
    for _ in range(40):
        run = sync_account(acc.id)
        if run.status != "throttled":
            break
        sb.clock.advance(61)
    assert run.status == "ok", run.error
    stored = list(db.session.scalars(select(EmailLink.external_id)))
    assert sorted(stored) == sorted(m["id"] for m in sent)
    assert count(db, Email) == 10


def test_full_resync_drops_held_messages_that_no_longer_sync(sb, make_account, db):
    """Not downloading a held message again must not keep it past a narrower scope: a full
    resync matches it again from what is stored and drops it, as it did when it downloaded."""
    from plugin.settings import get_settings

    acc = mail_only(make_account, "ann@acme.com")
    sb.gmail.add_message(
        "ann@acme.com", from_="c@nowhere.com", to=["ann@acme.com"], subject="S", body_text="x"
    )
    assert sync_account(acc.id).status == "ok" and count(db, Email) == 1
    get_settings().sync_scope = "contacts"  # no contact on it: it no longer syncs
    db.session.commit()
    sb.gmail.add_message(
        "ann@acme.com", from_="d@nowhere.com", to=["ann@acme.com"], subject="T", body_text="y"
    )
    run = _resync(sb, acc)
    assert sb.calls("ann@acme.com")["gmail.users.messages.get"] == 1  # only the new one
    assert count(db, Email) == 0 and run.deleted == 1


def test_resumed_page_does_not_download_drafts_and_rejects_again(sb, make_account, db):
    """A stopped page remembers every id it dealt with, stored or not (a draft here), so a
    quota that allows one download a minute still gets through the page."""
    acc = mail_only(make_account, "ann@acme.com")
    customer_mail(sb, 4)
    sb.gmail.add_message(
        "ann@acme.com",
        from_="ann@acme.com",
        to=["x@customer.com"],
        subject="draft",
        body_text="d",
        date=at(days=-0.5),
        labels=["DRAFT"],
    )
    sb.quota.gmail_units_per_minute = 11  # getProfile or a list, and one messages.get
    for _ in range(15):
        run = sync_account(acc.id)
        if run.status != "throttled":
            break
        sb.clock.advance(61)
    assert run.status == "ok", run.error
    assert count(db, Email) == 4
