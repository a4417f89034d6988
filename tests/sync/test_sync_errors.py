"""What each error class does on Google: 5xx retries, token refresh, scope refusals
(throttling and revoked grants: the behaviour suite, tests/sync/behaviour)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sync_helpers import count, timed

from plugin.models import CalendarEvent, LinkedAccount, utcnow
from plugin.sync.engine import sync_account

CALENDAR = "https://www.googleapis.com/auth/calendar"


def test_server_errors_are_retried_within_the_run(sb, make_account, db):
    acc = make_account("ann@acme.com", sync_email=False)
    sb.calendar.insert_event("ann@acme.com", timed("One"))
    sb.faults.fail_next(2, status=503, method="calendar.events.list")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert sb.calls("ann@acme.com")["calendar.events.list"] == 3
    assert count(db, CalendarEvent) == 1


def test_persistent_server_errors_back_off_to_a_later_run(sb, make_account, db):
    acc = make_account("ann@acme.com", sync_email=False)
    sb.faults.fail_next(10, status=500, method="calendar.events.list")
    run = sync_account(acc.id)
    assert run.status == "failed" and "500" in run.error
    account = db.session.get(LinkedAccount, acc.id)
    assert account.failure_count == 1 and account.last_error
    first_wait = account.next_sync_at - utcnow()
    sync_account(acc.id)
    db.session.refresh(account)
    assert account.failure_count == 2
    assert (account.next_sync_at - utcnow()) > first_wait


def test_expired_access_token_is_refreshed_and_saved_encrypted(sb, make_account, db):
    acc = make_account("ann@acme.com", sync_email=False)
    old = acc.credentials["access_token"]
    sb.expire_access_tokens("ann@acme.com")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    db.session.expire_all()
    account = db.session.get(LinkedAccount, acc.id)
    assert account.credentials["access_token"] != old
    raw = db.session.execute(text("SELECT credentials FROM crm_linked_accounts")).scalar()
    assert isinstance(raw, str)
    assert account.credentials["access_token"] not in raw


def test_a_refusal_reads_as_one_sentence_with_one_full_stop(sb, make_account, db):
    """Google's messages end with a period; ours adds none after it."""
    import pytest

    from plugin.sync.errors import AuthRevoked
    from plugin.sync.providers import get_provider
    from plugin.sync.providers.base import Window

    acc = make_account("ann@acme.com")
    acc.credentials = sb.issue_token(
        "ann@acme.com", scopes=["openid", "email", CALENDAR], client_id="crm-test"
    )
    db.session.commit()
    provider = get_provider(acc)
    window = Window(start=utcnow() - timedelta(days=1), end=utcnow() + timedelta(days=1))
    with pytest.raises(AuthRevoked) as refused:
        provider.list_messages(None, None, window)
    message = str(refused.value)
    assert "insufficient authentication scopes" in message
    assert ".." not in message and message.endswith(".")
