"""What every provider's refusals do to a run: throttled then resumed from the saved page,
a revoked grant, a worker killed mid-page then resumed. Once per provider (conftest.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select
from sync_helpers import WORKER, count, wait_all

from plugin.models import CalendarEvent, EventLink, LinkedAccount, SyncCursor, SyncRun, utcnow
from plugin.sync.engine import sync_account
from plugin.sync.scheduler import claim_due

ANN = "ann@acme.com"


def test_throttled_run_stops_and_continues_later_from_the_saved_page(driver, db, app, monkeypatch):
    monkeypatch.setitem(app.config, driver.page_size_key, 2)
    acc = driver.link(ANN, sync_email=False)
    for i in range(6):
        driver.event(ANN, f"E{i}", days=1 + i)
    driver.throttle_after_pages(ANN, 2)
    run = sync_account(acc.id)
    assert run.status == "throttled" and run.error
    assert count(db, CalendarEvent) == 4
    cursor = db.session.scalar(select(SyncCursor))
    assert cursor.page_token and cursor.cursor is None
    account = db.session.get(LinkedAccount, acc.id)
    wait = (account.next_sync_at - utcnow()).total_seconds()
    assert 30 < wait <= 61  # the provider's back-off honoured, not the 15-minute interval
    assert account.failure_count == 0 and account.status == "active"

    driver.advance(61)
    driver.unthrottle()
    driver.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert driver.list_calls(ANN) == 1  # only the missing page
    assert count(db, CalendarEvent) == 6
    assert len(set(db.session.scalars(select(CalendarEvent.title)))) == 6


def test_revoked_grant_needs_relink_and_is_not_dispatched(driver, db):
    acc = driver.link(ANN)
    driver.revoke(acc)
    run = sync_account(acc.id)
    assert run.status == "failed"
    account = db.session.get(LinkedAccount, acc.id)
    assert account.status == "needs_relink" and "re-link" in account.last_error
    account.next_sync_at = utcnow()
    db.session.commit()
    assert claim_due("w", 10, 60) == []


def _worker(driver, app, database_url, **extra) -> subprocess.Popen:
    """A worker process (tests/sync/worker_main.py) on the test database and stand-in."""
    config = driver.worker_config(app)
    config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        CRM_SYNC_DISPATCH_SECONDS=0.2,
        CRM_SYNC_MAX_ACCOUNTS_PER_DISPATCH=2,
    )
    config.update(extra)
    env = {**os.environ, "CRM_SYNC_WORKER_CONFIG": json.dumps(config)}
    return subprocess.Popen([sys.executable, str(WORKER)], env=env)


@pytest.mark.slow
def test_worker_killed_mid_sync_resumes_without_loss_or_duplicates(driver, db, app, database_url):
    driver.link(ANN, sync_email=False)
    driver.full_pages()  # the resume is proven by counting pages below
    for i in range(40):
        driver.event(ANN, f"E{i:02d}", days=1 + i / 10)
    driver.set_latency(0.15)
    # A lease short enough to run out soon after the kill, long enough that a loaded machine
    # does not lose it between two pages (which would add a lease_lost run).
    extra = {driver.page_size_key: 4, "CRM_SYNC_LEASE_SECONDS": 5}
    victim = _worker(driver, app, database_url, **extra)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        db.session.expire_all()
        if count(db, CalendarEvent) >= 8:
            break
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    db.session.expire_all()
    landed = count(db, CalendarEvent)
    assert 8 <= landed < 40, "the kill must land mid-sync"
    cursor = db.session.scalar(select(SyncCursor))
    assert cursor.page_token and cursor.cursor is None

    time.sleep(5.1)  # the dead worker's lease runs out
    driver.set_latency(0)
    driver.reset_calls()
    # The resumer holds a longer lease still: it has no one to make way for.
    wait_all([_worker(driver, app, database_url, **{**extra, "CRM_SYNC_LEASE_SECONDS": 30})])
    db.session.expire_all()
    assert count(db, CalendarEvent) == 40 and count(db, EventLink) == 40
    assert len(set(db.session.scalars(select(CalendarEvent.title)))) == 40
    # resumed from the saved page, not from the start
    assert driver.list_calls(ANN) <= 10 - landed // 4 + 1
    statuses = sorted(db.session.scalars(select(SyncRun.status)))
    assert statuses == ["abandoned", "ok"]
