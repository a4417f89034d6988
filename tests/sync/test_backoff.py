"""Backoff follows progress: a run that committed pages and then met a transient error comes
back soon; only runs that moved nothing grow the backoff or count towards "Error"."""

from __future__ import annotations

from sqlalchemy import select
from sync_helpers import customer_mail, timed

from plugin.models import LinkedAccount, SyncCursor, utcnow
from plugin.sync.engine import sync_account


def test_a_first_sync_through_a_flaky_provider_keeps_its_waits_short(
    sb, make_account, db, app, monkeypatch
):
    """20% of provider calls answer 503 (the probe that found 15 ... 360-minute waits)."""
    for key, value in {
        "CRM_SYNC_CALENDAR_PAGE_SIZE": 10,
        "CRM_SYNC_MAIL_PAGE_SIZE": 20,
        "CRM_SYNC_MAIL_BATCH_SIZE": 10,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    acc = make_account("ann@acme.com")
    for i in range(60):
        sb.calendar.insert_event("ann@acme.com", timed(f"E{i}", days=1 + i / 4))
    customer_mail(sb, 400)
    sb.faults.error_rate = 0.2
    interval = 15 * 60
    runs = []
    for _ in range(80):
        run = sync_account(acc.id)
        account = db.session.get(LinkedAccount, acc.id)
        wait = round((account.next_sync_at - utcnow()).total_seconds())
        runs.append((run.status, run.pages, wait, account.status))
        if run.status == "ok":
            break
        account.next_sync_at = utcnow()  # time passes: the run is due
        db.session.commit()
    print(f"\n{sb.faults.injected} faults injected; (status, pages, wait s, account) per run:")
    print(runs)
    waits = [wait for status, _, wait, _ in runs if status == "failed"]
    print(f"waits after failed runs (s): {waits}")
    assert runs[-1][0] == "ok", "the first sync never finished"
    assert all(account == "active" for *_, account in runs)  # never "Error"
    # A run that moved its feed forward is back within a minute; one that moved nothing
    # (say, the mail's first call failed after an empty calendar page) at the interval.
    assert max(waits, default=0) <= interval  # never beyond the normal interval
    assert sum(waits) < interval * 2


def test_runs_that_move_nothing_still_back_off_and_reach_error(sb, make_account, db):
    acc = make_account("ann@acme.com", sync_email=False)
    sb.faults.fail_next(100, status=503, method="calendar.events.list")
    waits = []
    for _ in range(3):
        run = sync_account(acc.id)
        assert run.status == "failed" and run.pages == 0
        account = db.session.get(LinkedAccount, acc.id)
        waits.append(account.next_sync_at - utcnow())
        account.next_sync_at = utcnow()
        db.session.commit()
    assert waits[0] < waits[1] < waits[2]
    assert account.failure_count == 3 and account.status == "error"


def test_a_run_that_made_progress_lifts_error_and_resets_the_count(
    sb, make_account, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_SYNC_CALENDAR_PAGE_SIZE", 2)
    acc = make_account("ann@acme.com", sync_email=False)
    for i in range(6):
        sb.calendar.insert_event("ann@acme.com", timed(f"E{i}", days=1 + i))
    acc.status, acc.failure_count = "error", 3
    db.session.commit()
    import plugin.sync.engine.feed as feed
    from plugin.sync.errors import TransientError

    # the second page fails after its retries ran out: one page came in first

    real_page, calls = feed.Feed.page, []

    def second_page_down(self, ctx, cursor, page_token, window):
        calls.append(page_token)
        if len(calls) == 2:
            raise TransientError("Google answered 503 three times")
        return real_page(self, ctx, cursor, page_token, window)

    monkeypatch.setattr(feed.Feed, "page", second_page_down)
    run = sync_account(acc.id)
    assert run.status == "failed" and run.pages == 1
    account = db.session.get(LinkedAccount, acc.id)
    assert account.failure_count == 0 and account.status == "active"
    assert (account.next_sync_at - utcnow()).total_seconds() <= 61
    assert db.session.scalar(select(SyncCursor.page_token))  # resumes from page two


def test_a_push_that_settled_edits_before_a_transient_error_comes_back_soon(
    sb, make_account, db, monkeypatch
):
    """Pushing is a stage of its own: edits it committed before a 5xx are progress too."""
    from outbound_helpers import create, edit

    from plugin.sync.errors import TransientError
    from plugin.sync.providers.google import GoogleProvider

    acc = make_account("ann@acme.com", sync_email=False)
    events = [create(db, acc, f"Meeting {n}", days=n + 1) for n in range(3)]
    assert sync_account(acc.id).status == "ok"
    for event in events:
        edit(db, event, location="Room 2")
    acc = db.session.get(LinkedAccount, acc.id)
    acc.status, acc.failure_count = "error", 2
    db.session.commit()

    real_patch, calls = GoogleProvider.patch_event, []

    def third_patch_down(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise TransientError("Google answered 503 three times")
        return real_patch(self, *args, **kwargs)

    monkeypatch.setattr(GoogleProvider, "patch_event", third_patch_down)
    run = sync_account(acc.id)
    assert run.status == "failed" and run.pushed == 2
    account = db.session.get(LinkedAccount, acc.id)
    assert account.failure_count == 0 and account.status == "active"
    assert (account.next_sync_at - utcnow()).total_seconds() <= 61
