"""Small builders for sandbox events and messages, relative to now (the sandbox clock is
real time, frozen per test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select


def at(days: float = 1, hour: int = 10) -> datetime:
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def timed(summary: str, days: float = 1, hours: float = 1, attendees=(), tz="UTC", **extra):
    start = at(days)
    end = start + timedelta(hours=hours)
    body = {
        "summary": summary,
        "start": {"dateTime": start.isoformat(), "timeZone": tz},
        "end": {"dateTime": end.isoformat(), "timeZone": tz},
        "attendees": [{"email": a} for a in attendees],
    }
    body.update(extra)
    return body


def customer_mail(sb, n: int, mailbox: str = "ann@acme.com", per_day: int = 24) -> list[dict]:
    """n messages from customers c0..c{n-1}@customer.com, newest first, `per_day` a day."""
    return [
        sb.gmail.add_message(
            mailbox,
            from_=f"c{i}@customer.com",
            to=[mailbox],
            subject=f"M{i}",
            body_text="x",
            date=at(days=-1 - i / per_day),
        )
        for i in range(n)
    ]


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


SCOPES = [
    "openid",
    "email",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/gmail.readonly",
]


def point_at_sandbox(config, base_url: str) -> dict:
    """The config keys that send every Google call to the sandbox."""
    keys = {
        "CRM_SYNC_GOOGLE_BASE_URL": base_url,
        "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-test",
        "CRM_SYNC_GOOGLE_CLIENT_SECRET": "crm-secret",
        "CRM_SYNC_GOOGLE_TOKEN_URL": f"{base_url}/token",
        "CRM_SYNC_GOOGLE_REVOKE_URL": f"{base_url}/revoke",
        "CRM_SYNC_GOOGLE_CALENDAR_URL": f"{base_url}/calendar/v3",
        "CRM_SYNC_GOOGLE_GMAIL_URL": f"{base_url}/gmail/v1",
        "CRM_SYNC_RETRY_BASE_SECONDS": 0.01,
    }
    return keys


WORKER = Path(__file__).with_name("worker_main.py")


def start_worker(app, database_url, stderr=None, **extra) -> subprocess.Popen:
    """A worker process (tests/sync/worker_main.py) on the test database and sandbox."""
    config = point_at_sandbox(app.config, app.config["CRM_SYNC_GOOGLE_BASE_URL"])
    config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        CRM_SYNC_DISPATCH_SECONDS=0.2,
        CRM_SYNC_MAX_ACCOUNTS_PER_DISPATCH=2,
    )
    config.update(extra)
    env = {**os.environ, "CRM_SYNC_WORKER_CONFIG": json.dumps(config)}
    return subprocess.Popen([sys.executable, str(WORKER)], env=env, stderr=stderr)


def wait_all(procs, timeout=240) -> None:
    for p in procs:
        assert p.wait(timeout=timeout) == 0


def overlapping_runs(runs) -> list[tuple]:
    """Pairs of one account's runs whose spans intersect (a run still going spans to now)."""
    far = datetime.max
    by_account: dict = {}
    for run in runs:
        by_account.setdefault(run.linked_account_id, []).append(run)
    pairs = []
    for account_runs in by_account.values():
        account_runs.sort(key=lambda r: r.started_at)
        for i, before in enumerate(account_runs):
            for after in account_runs[i + 1 :]:
                if after.started_at < (before.finished_at or far):
                    pairs.append((before.id, before.worker, after.id, after.worker))
    return pairs


MS_CLIENT, MS_SECRET = "crm-test", "crm-secret"
MS_SCOPES = [
    "openid",
    "email",
    "offline_access",
    "User.Read",
    "Calendars.ReadWrite",
    "Mail.Read",
]


def point_at_microsoft(base_url: str) -> dict:
    """The config keys that send every identity platform and Graph call to the stand-in."""
    return {
        "CRM_SYNC_MICROSOFT_CLIENT_ID": MS_CLIENT,
        "CRM_SYNC_MICROSOFT_CLIENT_SECRET": MS_SECRET,
        "CRM_SYNC_MICROSOFT_LOGIN_URL": base_url,
        "CRM_SYNC_MICROSOFT_GRAPH_URL": f"{base_url}/v1.0",
        "CRM_SYNC_RETRY_BASE_SECONDS": 0.01,
    }
