"""Several worker processes on one database: leases, SKIP LOCKED (kill -9 and resume: the
behaviour suite, tests/sync/behaviour)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sync_helpers import count, start_worker, timed, wait_all

from plugin.models import CalendarEvent, EventLink, LinkedAccount, SyncRun


@pytest.mark.slow
def test_three_workers_share_thirty_accounts_without_overlap(
    sb, make_account, db, app, database_url
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (SKIP LOCKED); SQLite runs one worker")
    accounts = [make_account(f"user{i:02d}@acme.com", sync_email=False) for i in range(30)]
    shared = timed("All hands", days=2, iCalUID="all-hands@acme.com")
    for acc in accounts:
        for j in range(3):
            sb.calendar.insert_event(acc.external_email, timed(f"{acc.external_email} {j}", days=j))
        sb.calendar.insert_event(acc.external_email, shared)
    sb.faults.latency = 0.02
    procs = [start_worker(app, database_url) for _ in range(3)]
    wait_all(procs)
    db.session.expire_all()
    runs = list(db.session.scalars(select(SyncRun).order_by(SyncRun.started_at)))
    by_account: dict[int, list[SyncRun]] = {}
    for run in runs:
        by_account.setdefault(run.linked_account_id, []).append(run)
    assert set(by_account) == {a.id for a in accounts}
    for account_runs in by_account.values():
        assert all(r.status == "ok" for r in account_runs), [r.error for r in account_runs]
        for before, after in zip(account_runs, account_runs[1:], strict=False):
            assert before.finished_at <= after.started_at  # never two workers at once
    assert count(db, CalendarEvent) == 30 * 3 + 1
    assert count(db, EventLink) == 30 * 4
    dupes = db.session.execute(
        select(CalendarEvent.ical_uid, CalendarEvent.instance_key, func.count())
        .group_by(CalendarEvent.ical_uid, CalendarEvent.instance_key)
        .having(func.count() > 1)
    ).all()
    assert dupes == []
    assert db.session.scalar(select(func.count()).where(LinkedAccount.lease_owner.isnot(None))) == 0


def test_cli_sync_status_and_resync(sb, make_account, runner, db):
    acc = make_account("ann@acme.com", sync_email=False)
    sb.calendar.insert_event("ann@acme.com", timed("One"))
    result = runner.invoke(args=["crm-sync", "sync", "ann@acme.com"])
    assert result.exit_code == 0, result.output
    assert "ok fetched=1 created=1" in result.output
    result = runner.invoke(args=["crm-sync", "status"])
    assert "ann@acme.com" in result.output and "Active" in result.output
    result = runner.invoke(args=["crm-sync", "resync", str(acc.id)])
    assert result.exit_code == 0 and "full resync ok (1 items)" in result.output
    assert count(db, CalendarEvent) == 1
    result = runner.invoke(args=["crm-sync", "sync", "nobody@x.com"])
    assert result.exit_code != 0 and "No linked account" in result.output
