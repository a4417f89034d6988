"""Builders for Exchange stand-in items in the engine tests, relative to now (the stand-in's
clock is real time, frozen per test)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from exchangelib import DELEGATE, NTLM, Account, Configuration, Credentials
from exchangelib.protocol import FailFast


def day(days: int) -> date:
    return datetime.now(UTC).date() + timedelta(days=days)


def at(days: float = 1, hour: int = 10) -> datetime:
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def event(xsb, email: str, subject: str, days: float = 1, hours: float = 1, **kw) -> dict:
    start = at(days)
    return xsb.outlook.create_event(email, subject, start, start + timedelta(hours=hours), **kw)


def weekly(
    xsb, email: str, subject: str, count: int = 4, tz: str = "Europe/Berlin", attendees=()
) -> dict:
    """Weekly on the weekday 3 days from now, 09:00 local in `tz`, `count` times."""
    first = day(3)
    start = datetime.combine(first, time(9), ZoneInfo(tz))
    return xsb.outlook.create_event(
        email,
        subject,
        start,
        start + timedelta(hours=1),
        time_zone=tz,
        weekly=[first.strftime("%A")],
        count=count,
        attendees=list(attendees),
    )


def all_day(xsb, email: str, subject: str, on: date, tz: str) -> dict:
    """All day on `on` as a user in `tz` makes it: local midnight to local midnight."""
    zone = ZoneInfo(tz)
    start = datetime.combine(on, time(0), zone)
    end = datetime.combine(on + timedelta(days=1), time(0), zone)
    return xsb.outlook.create_event(email, subject, start, end, time_zone=tz, all_day=True)


def ews_account(xsb, email: str) -> Account:
    """exchangelib on the stand-in as a user's own client (for what Outlook helpers lack)."""
    config = Configuration(
        service_endpoint=xsb.ews_url,
        credentials=Credentials(email, "password"),
        auth_type=NTLM,
        retry_policy=FailFast(),
    )
    return Account(email, config=config, autodiscover=False, access_type=DELEGATE)


def occurrences(xsb, email: str, subject: str) -> list[dict]:
    return [i for i in xsb.outlook.items(email) if i["subject"] == subject]
