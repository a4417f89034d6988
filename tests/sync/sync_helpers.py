"""Small builders for sandbox events and messages, relative to now (the sandbox clock is
real time, frozen per test)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
