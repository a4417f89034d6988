"""Leases: a worker syncs only an account whose lease it holds at that moment, re-checked
before each run and renewed with every page; nobody else's live run is ever closed."""

from __future__ import annotations

import subprocess
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sync_helpers import count, overlapping_runs, start_worker, timed

from plugin.models import CalendarEvent, EventLink, LinkedAccount, SyncCursor, SyncRun, utcnow
from plugin.sync.engine import sync_account
from plugin.sync.scheduler import claim_due, run_claimed


def _expire_lease(db, account_id: int) -> None:
    db.session.execute(
        update(LinkedAccount)
        .where(LinkedAccount.id == account_id)
        .values(lease_expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_a_worker_skips_an_account_it_lost_and_leaves_the_new_owners_run_alone(
    sb, make_account, db, app, monkeypatch
):
    """Replay: A claims two accounts; while it syncs the first, its lease on the second runs
    out and B claims it. A must not sync it, and must not close B's live run."""
    import plugin.sync.engine.runner as runner

    ann = make_account("ann@acme.com", sync_email=False)
    bob = make_account("bob@acme.com", sync_email=False)
    for who in ("ann@acme.com", "bob@acme.com"):
        sb.calendar.insert_event(who, timed(f"{who} meeting"))
    ann_id, bob_id = ann.id, bob.id
    assert sorted(claim_due("A", 2, 60)) == sorted([ann_id, bob_id])
    _expire_lease(db, bob_id)  # A spent longer on ann than its lease on bob lasted
    assert claim_due("B", 5, 60) == [bob_id]
    seen = {}
    real_push = runner.push_changes

    def a_catches_up_while_b_runs(ctx):
        if ctx.worker == "B":

            def worker_a():  # A's dispatch, in its own thread and session
                with app.app_context():
                    from plugin.state import session

                    seen["a_ran"] = run_claimed([ann_id, bob_id], "A")
                    seen["b_run"] = session().scalar(
                        select(SyncRun.status).where(SyncRun.worker == "B")
                    )
                    session().remove()

            thread = threading.Thread(target=worker_a)
            thread.start()
            thread.join()
        real_push(ctx)

    monkeypatch.setattr(runner, "push_changes", a_catches_up_while_b_runs)
    assert run_claimed([bob_id], "B") == 1  # B's dispatch
    assert seen == {"a_ran": 1, "b_run": "running"}  # A synced ann only; B's run lived on
    db.session.expire_all()
    runs = list(db.session.scalars(select(SyncRun)))
    assert sorted((r.linked_account_id, r.worker, r.status) for r in runs) == sorted(
        [(ann_id, "A", "ok"), (bob_id, "B", "ok")]
    )
    assert overlapping_runs(runs) == []
    assert count(db, EventLink, EventLink.linked_account_id == bob_id) == 1
    leases = db.session.scalars(select(LinkedAccount.lease_owner)).all()
    assert leases == [None, None]


def test_a_run_stops_when_its_lease_ran_out_even_if_nobody_took_it_yet(
    sb, make_account, db, app, monkeypatch
):
    """Holding means unexpired: a run whose page outlived its lease stops, and its record
    ends when the lease did (nothing after that was committed)."""
    import time

    import plugin.sync.engine.runner as runner

    monkeypatch.setitem(app.config, "CRM_SYNC_LEASE_SECONDS", 1)
    acc = make_account("ann@acme.com", sync_email=False)
    sb.calendar.insert_event("ann@acme.com", timed("One"))
    real_push, seen = runner.push_changes, {}

    def stalled(ctx):
        seen["until"] = ctx.session.scalar(
            select(LinkedAccount.lease_expires_at).where(LinkedAccount.id == acc.id)
        )
        time.sleep(1.2)
        real_push(ctx)

    monkeypatch.setattr(runner, "push_changes", stalled)
    run = sync_account(acc.id, worker="w1")
    assert run.status == "lease_lost"
    assert run.finished_at <= seen["until"] < utcnow()
    db.session.expire_all()
    account = db.session.get(LinkedAccount, acc.id)
    assert account.failure_count == 0 and account.last_sync_at is None
    assert account.lease_owner is None


def test_a_direct_sync_refuses_an_account_another_worker_holds(sb, make_account, db):
    from plugin.sync.errors import LeaseHeld

    acc = make_account("ann@acme.com", sync_email=False)
    assert claim_due("w9", 5, 60) == [acc.id]
    with pytest.raises(LeaseHeld, match="w9"):
        sync_account(acc.id, worker="w1")
    assert count(db, SyncRun) == 0


def test_cli_sync_takes_the_lease_like_a_worker_or_names_its_holder(
    sb, make_account, runner, db, monkeypatch
):
    import plugin.sync.engine.runner as engine_runner

    acc = make_account("ann@acme.com", sync_email=False)
    sb.calendar.insert_event("ann@acme.com", timed("One"))
    assert claim_due("worker-7:4242", 5, 60) == [acc.id]
    result = runner.invoke(args=["crm-sync", "sync", "ann@acme.com"])
    assert result.exit_code != 0
    assert "worker-7:4242" in result.output and "Traceback" not in result.output
    assert count(db, SyncRun) == 0
    # nor does resync drop the cursors under the worker's run
    db.session.add(SyncCursor(linked_account_id=acc.id, feed="calendar", cursor="tok"))
    db.session.commit()
    result = runner.invoke(args=["crm-sync", "resync", "ann@acme.com"])
    assert result.exit_code != 0 and "worker-7:4242" in result.output
    assert db.session.scalar(select(SyncCursor.cursor)) == "tok"
    db.session.execute(delete(SyncCursor))

    db.session.execute(update(LinkedAccount).values(lease_owner=None, lease_expires_at=None))
    db.session.commit()
    held, real_push = [], engine_runner.push_changes

    def watch(ctx):
        held.append(
            ctx.session.scalar(
                select(LinkedAccount.lease_owner).where(LinkedAccount.id == ctx.account.id)
            )
        )
        real_push(ctx)

    monkeypatch.setattr(engine_runner, "push_changes", watch)
    result = runner.invoke(args=["crm-sync", "sync", "ann@acme.com"])
    assert result.exit_code == 0, result.output
    run = db.session.scalar(select(SyncRun))
    assert held == [run.worker] and run.worker.startswith("cli:")
    db.session.expire_all()
    assert db.session.get(LinkedAccount, acc.id).lease_owner is None


def test_a_database_error_reaches_the_user_as_a_sentence_not_sql(sb, make_account, db, monkeypatch):
    import plugin.sync.engine.runner as runner

    acc = make_account("ann@acme.com", sync_email=False)
    sb.calendar.insert_event("ann@acme.com", timed("One"))

    def clash(ctx, page):
        raise IntegrityError(
            "INSERT INTO crm_sync_cursors (linked_account_id, feed) VALUES (%s, %s)",
            {"linked_account_id": acc.id},
            Exception('UniqueViolation: duplicate key value violates "uq_crm_sync_cursors"'),
        )

    monkeypatch.setattr(runner, "apply_events", clash)
    run = sync_account(acc.id)
    assert run.status == "failed"
    account = db.session.get(LinkedAccount, acc.id)
    for shown in (run.error, account.last_error):
        assert "database" in shown.lower()
        for raw in ("INSERT", "UniqueViolation", "crm_sync_cursors", "autoflush", "%s"):
            assert raw not in shown


@pytest.mark.slow
def test_three_workers_on_a_one_second_lease_never_sync_one_account_twice_at_once(
    sb, make_account, db, app, database_url
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (SKIP LOCKED); SQLite runs one worker")
    accounts = [make_account(f"u{i:02d}@acme.com", sync_email=False) for i in range(18)]
    sizes = {}
    for i, acc in enumerate(accounts):
        # The three longest due are big: claimed first, together, by one worker, which spends
        # longer on the first than the others' leases last, so they go to other workers.
        sizes[acc.id] = 14 if i < 3 else 2
        acc.next_sync_at = utcnow() - timedelta(hours=1 if i < 3 else 0)
        for j in range(sizes[acc.id]):
            sb.calendar.insert_event(acc.external_email, timed(f"{acc.external_email} {j}", j))
    db.session.commit()
    sb.faults.latency = 0.05
    extra = {
        "CRM_SYNC_LEASE_SECONDS": 1,
        "CRM_SYNC_MAX_ACCOUNTS_PER_DISPATCH": 3,
        "CRM_SYNC_CALENDAR_PAGE_SIZE": 2,
        "CRM_SYNC_DISPATCH_SECONDS": 0.05,
    }
    procs = [start_worker(app, database_url, stderr=subprocess.PIPE, **extra) for _ in range(3)]
    logs = []
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        logs.append(err.decode())
        assert proc.returncode == 0, err.decode()[-2000:]
    db.session.expire_all()
    runs = list(db.session.scalars(select(SyncRun)))
    overlaps = overlapping_runs(runs)
    skipped = sum(log.count("lease taken by another worker; skipped") for log in logs)
    lost = sum(r.status == "lease_lost" for r in runs)
    took = sorted(r.duration_ms for r in runs if r.duration_ms is not None)
    print(
        f"\n{len(runs)} runs, {len(overlaps)} overlapping, {skipped} skipped (lease lost before"
        f" the run), {lost} lease_lost mid-run; run ms median {took[len(took) // 2]}"
    )
    assert overlaps == []
    assert {r.linked_account_id for r in runs if r.status == "ok"} == {a.id for a in accounts}
    assert all(r.status in ("ok", "lease_lost") for r in runs), [r.error for r in runs]
    total = sum(sizes.values())
    assert count(db, CalendarEvent) == total and count(db, EventLink) == total
    assert (
        db.session.scalar(select(LinkedAccount.id).where(LinkedAccount.lease_owner.isnot(None)))
        is None
    )
