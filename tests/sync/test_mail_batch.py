"""Gmail messages come down in batch requests (Google's batch endpoint), each message still
answered, counted and charged on its own: what one call's failure does to the rest."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sync_helpers import count, customer_mail

from plugin.models import Email, EmailLink
from plugin.sync.engine import sync_account


def _mailbox(sb, make_account, n: int):
    acc = make_account("ann@acme.com", sync_calendar=False)
    sent = customer_mail(sb, n, per_day=100)
    return acc, sent


def _stored(db) -> list[str]:
    return sorted(db.session.scalars(select(EmailLink.external_id)))


def test_a_full_sync_downloads_the_messages_fifty_to_a_request(sb, make_account, db):
    acc, sent = _mailbox(sb, make_account, 120)
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert _stored(db) == sorted(m["id"] for m in sent)
    # Fifty to a request; Gmail runs 10 of a batch at once (the stand-in's default), so the
    # first request's other 40 go again ten to a request, and the run keeps to ten.
    assert sb.quota.gmail_concurrent == 10
    assert sb.batches == [50] + [10] * 11
    calls = sb.calls("ann@acme.com")
    assert calls["gmail.users.messages.get"] == 120 + 40
    # The run counts API calls as Google does: every message.get, not the three requests.
    assert run.api_calls == sum(calls.values())


def test_the_batch_size_is_configurable_and_one_turns_batching_off(
    sb, make_account, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_SYNC_MAIL_BATCH_SIZE", 1)
    acc, sent = _mailbox(sb, make_account, 5)
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 5, run.error
    assert sb.batches == []
    assert sb.calls("ann@acme.com")["gmail.users.messages.get"] == 5


def test_a_message_answered_503_inside_a_batch_is_asked_again_alone(sb, make_account, db):
    acc, sent = _mailbox(sb, make_account, 10)
    sb.faults.fail_next(2, 503, "gmail.users.messages.get")  # the first two parts
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert sb.batches == [10, 2]  # only the two that failed went again
    assert sb.calls("ann@acme.com")["gmail.users.messages.get"] == 12
    assert _stored(db) == sorted(m["id"] for m in sent) and count(db, Email) == 10


def test_a_message_that_keeps_failing_fails_the_run_but_keeps_the_others(sb, make_account, db):
    """One message answers 5xx as often as the retries allow: the run fails with that error,
    the three others are stored, and the next run downloads only the one."""
    acc, sent = _mailbox(sb, make_account, 4)
    bad = sent[1]["id"]
    sb.faults.fail_next(3, 500, "gmail.users.messages.get", path=bad)
    run = sync_account(acc.id)
    assert run.status == "failed" and "5xx" in run.error
    assert _stored(db) == sorted(m["id"] for m in sent if m["id"] != bad)
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert sb.calls("ann@acme.com")["gmail.users.messages.get"] == 1
    assert _stored(db) == sorted(m["id"] for m in sent) and count(db, Email) == 4


def test_a_401_inside_a_batch_refreshes_the_token_once_and_asks_again(sb, make_account, db):
    acc, sent = _mailbox(sb, make_account, 6)
    before = acc.credentials["access_token"]
    sb.faults.fail_next(6, 401, "gmail.users.messages.get")  # Google ended the token early
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert sb.batches == [6, 6]
    db.session.expire_all()
    assert acc.credentials["access_token"] != before  # refreshed, and saved at once
    assert _stored(db) == sorted(m["id"] for m in sent)


def test_a_message_gone_between_the_list_and_the_batch_is_skipped(sb, make_account, db):
    acc, sent = _mailbox(sb, make_account, 5)
    sb.faults.fail_next(1, 404, "gmail.users.messages.get")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, Email) == 4 and run.problems == 0


def test_throttled_inside_a_batch_keeps_the_answered_parts_and_resumes(sb, make_account, db):
    """Quota for 23 of 60 downloads: the first run stores those 23, from the middle of its
    first batch; the next takes only the other 37, each message stored once."""
    acc, sent = _mailbox(sb, make_account, 60)
    sb.quota.gmail_units_per_minute = 1 + 5 + 23 * 5  # getProfile, messages.list, 23 gets
    run = sync_account(acc.id)
    assert run.status == "throttled" and run.created == 23, run.error
    sb.clock.advance(61)
    sb.quota.gmail_units_per_minute = 15_000
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 37, run.error
    # 37 asked for; Gmail ran 10 of them at once and refused 27 as concurrent, asked again
    assert sb.calls("ann@acme.com")["gmail.users.messages.get"] == 37 + 27
    assert _stored(db) == sorted(m["id"] for m in sent) and count(db, Email) == 60


def test_a_wrong_batch_endpoint_fails_the_run_with_a_clear_error_and_stores_nothing(
    sb, make_account, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_SYNC_GOOGLE_GMAIL_BATCH_URL", f"{sb.base_url}/batch/x/v1")
    acc, _ = _mailbox(sb, make_account, 3)
    run = sync_account(acc.id)
    assert run.status == "failed" and "no batch endpoint" in run.error
    assert count(db, Email) == 0


@pytest.mark.parametrize(
    "throttled, times, stored_first",
    # A request (the batch as a whole) answered 429 without Retry-After is asked again with
    # backoff, so that throttle lasts through every try (CRM_SYNC_RETRY_ATTEMPTS, 3).
    [("gmail.users.messages.get", 1, 9), ("batch.gmail", 3, 0)],
    ids=["the batch's first call", "the batch as a whole"],
)
def test_a_throttle_in_a_batch_keeps_what_was_answered_and_the_next_run_takes_the_rest(
    sb, make_account, db, throttled, times, stored_first
):
    """Only the first call of the batch is throttled: the nine after it are stored. The
    whole batch is throttled: none is. Either way the next run asks for just the rest."""
    acc, sent = _mailbox(sb, make_account, 10)
    sb.faults.fail_next(times, 429, throttled)
    run = sync_account(acc.id)
    assert run.status == "throttled" and run.created == stored_first, run.error
    sb.clock.advance(61)
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 10 - stored_first, run.error
    assert sb.calls("ann@acme.com")["gmail.users.messages.get"] == 10 - stored_first
    assert _stored(db) == sorted(m["id"] for m in sent)


def test_a_batch_answered_503_as_a_whole_is_sent_again(sb, make_account, db):
    acc, sent = _mailbox(sb, make_account, 5)
    sb.faults.fail_next(1, 503, "batch.gmail")
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert sb.batches == [5, 5] and sb.calls("ann@acme.com")["gmail.users.messages.get"] == 5
    assert _stored(db) == sorted(m["id"] for m in sent)


def test_calls_refused_as_concurrent_are_asked_again_in_smaller_batches(sb, make_account, db):
    """Gmail takes 10 calls of a batch at once: the other 40 of the first batch go again ten
    to a request, and the rest of the run keeps to ten; nothing stops, nothing is lost."""
    acc, sent = _mailbox(sb, make_account, 60)
    sb.quota.gmail_concurrent = 10
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 60, run.error
    assert sb.batches == [50, 10, 10, 10, 10, 10]
    assert sb.calls("ann@acme.com")["gmail.users.messages.get"] == 100  # 40 refused, asked again
    assert _stored(db) == sorted(m["id"] for m in sent)


def test_calls_refused_as_concurrent_every_time_stop_the_page_like_a_throttle(sb, make_account, db):
    acc, sent = _mailbox(sb, make_account, 6)
    sb.quota.gmail_concurrent = 0  # nothing runs in a batch
    run = sync_account(acc.id)
    assert run.status == "throttled" and run.created == 0, run.error
    sb.quota.gmail_concurrent = None
    sb.clock.advance(61)
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 6, run.error
    assert _stored(db) == sorted(m["id"] for m in sent)
