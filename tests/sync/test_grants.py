"""A missing grant scope switches off only its feed: the other feeds, and the account, go on."""

from __future__ import annotations

import pytest
from outbound_helpers import create, remote_events, writes
from sqlalchemy import select
from sync_helpers import SCOPES, count, customer_mail, timed

from plugin.models import CalendarEvent, Email, LinkedAccount
from plugin.sync import grants
from plugin.sync.engine import sync_account
from plugin.sync.errors import AuthRevoked, ScopeMissing
from plugin.sync.outbound import linked_calendars

CALENDAR_ONLY = [s for s in SCOPES if "gmail" not in s]
MAIL_ONLY = [s for s in SCOPES if not s.endswith("/calendar")]


def _with_token(sb, db, account, scopes, recorded: bool):
    """Give the account a grant of `scopes`; `recorded`: the link kept which ones they are."""
    account.credentials = sb.issue_token(account.external_email, scopes, client_id="crm-test")
    account.granted_scopes = sorted(scopes) if recorded else None
    db.session.commit()
    return account


def _gmail_calls(sb, email="ann@acme.com") -> int:
    return sum(n for k, n in sb.calls(email).items() if k.startswith("gmail."))


def test_scope_refused_by_google_marks_that_feed_and_the_calendar_goes_on(sb, make_account, db):
    """Linked before scopes were recorded; Email ticked without the Gmail grant."""
    acc = _with_token(sb, db, make_account("ann@acme.com"), CALENDAR_ONLY, recorded=False)
    sb.calendar.insert_event("ann@acme.com", timed("Kickoff"))
    customer_mail(sb, 2)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, CalendarEvent) == 1 and count(db, Email) == 0
    account = db.session.get(LinkedAccount, acc.id)
    assert account.status == "active" and account.failure_count == 0
    assert grants.needs_permission(account) == ["mail"]
    assert grants.feed_on(account, "calendar") and account.sync_email  # still ticked
    assert any(entry["feed"] == "mail" for entry in run.log)

    # From now on the mail feed is skipped without asking Gmail; the calendar keeps syncing.
    sb.reset_calls()
    sb.calendar.insert_event("ann@acme.com", timed("Follow-up", days=2))
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert _gmail_calls(sb) == 0 and count(db, CalendarEvent) == 2


def test_a_recorded_grant_without_gmail_never_asks_gmail(sb, make_account, db):
    acc = _with_token(sb, db, make_account("ann@acme.com"), CALENDAR_ONLY, recorded=True)
    sb.calendar.insert_event("ann@acme.com", timed("Kickoff"))
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert _gmail_calls(sb) == 0 and count(db, CalendarEvent) == 1
    assert grants.needs_permission(db.session.get(LinkedAccount, acc.id)) == ["mail"]


def test_calendar_refused_for_scope_leaves_mail_syncing_and_pushes_nothing(sb, make_account, db):
    acc = _with_token(sb, db, make_account("ann@acme.com"), MAIL_ONLY, recorded=False)
    customer_mail(sb, 3)
    event = create(db, acc, "Demo for Globex")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, Email) == 3
    account = db.session.get(LinkedAccount, acc.id)
    assert account.status == "active" and grants.needs_permission(account) == ["calendar"]
    # The CRM appointment waits for a calendar that may take it; no write was tried.
    assert linked_calendars(db.session, account.user_id) == []
    assert writes(sb) == 0 and remote_events(sb) == []
    assert db.session.get(CalendarEvent, event.id).links == []
    sb.reset_calls()
    assert sync_account(acc.id).status == "ok"
    assert not any(k.startswith("calendar.") for k in sb.calls("ann@acme.com"))


def test_google_scope_refusal_is_a_scope_missing_auth_error(sb, make_account, db):
    from datetime import timedelta

    from plugin.models import utcnow
    from plugin.sync.providers import get_provider
    from plugin.sync.providers.base import Window

    acc = _with_token(sb, db, make_account("ann@acme.com"), CALENDAR_ONLY, recorded=False)
    window = Window(start=utcnow() - timedelta(days=1), end=utcnow() + timedelta(days=1))
    with pytest.raises(ScopeMissing) as refused:
        get_provider(acc).list_messages(None, None, window)
    assert isinstance(refused.value, AuthRevoked)


def test_linking_records_the_granted_scopes(sb, db):
    from plugin.models import User, UserEmail
    from plugin.sync.linking import link_account

    sb.add_user("ann@acme.com")
    user = User(name="Ann", emails=[UserEmail(email="ann@acme.com", is_primary=True)])
    db.session.add(user)
    db.session.commit()
    token = sb.issue_token("ann@acme.com", CALENDAR_ONLY, client_id="crm-test")
    acc = link_account(user, "google", "ann@acme.com", token)
    assert grants.GOOGLE_CALENDAR_SCOPE in acc.granted_scopes
    assert not any("gmail" in scope for scope in acc.granted_scopes)
    assert acc.sync_calendar and not acc.sync_email  # what was not granted starts unticked
    assert db.session.scalar(select(LinkedAccount.granted_scopes)) == acc.granted_scopes


def test_a_push_refused_for_scope_marks_the_calendar_instead_of_the_account(sb, make_account, db):
    """A read-only calendar grant (linked before scopes were recorded): the CRM's appointment
    cannot be written, which stops the calendar feed alone; the mail still synced."""
    read_only = [*MAIL_ONLY, "https://www.googleapis.com/auth/calendar.readonly"]
    acc = _with_token(sb, db, make_account("ann@acme.com"), read_only, recorded=False)
    customer_mail(sb, 2)
    create(db, acc, "Demo for Globex")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    account = db.session.get(LinkedAccount, acc.id)
    assert account.status == "active" and grants.needs_permission(account) == ["calendar"]
    assert count(db, Email) == 2 and remote_events(sb) == []
