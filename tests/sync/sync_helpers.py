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
