"""Demo data for ``--seed-demo``: two users with meetings and mail involving customers."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .sandbox import GoogleSandbox

DEMO_USERS = [("ann@acme.com", "Ann Lee"), ("bob@acme.com", "Bob Stone")]


def seed_demo(sb: GoogleSandbox) -> None:
    """Idempotent: does nothing if the users already exist (e.g. loaded from a state file)."""
    if all(email in sb.state.users for email, _ in DEMO_USERS):
        return
    for email, name in DEMO_USERS:
        sb.add_user(email, name=name, time_zone="Europe/Berlin")
    now = sb.clock.now().replace(minute=0, second=0, microsecond=0)
    day = now.date()

    def at(days: int, hour: int, minute: int = 0) -> str:
        return (now.replace(hour=hour, minute=minute) + timedelta(days=days)).isoformat()

    sb.calendar.insert_event(
        "ann@acme.com",
        {
            "summary": "Quarterly review with Globex",
            "location": "Globex HQ",
            "start": {"dateTime": at(1, 9), "timeZone": "Europe/Berlin"},
            "end": {"dateTime": at(1, 10), "timeZone": "Europe/Berlin"},
            "attendees": [
                {"email": "hank@globex.com", "displayName": "Hank Scorpio"},
                {"email": "bob@acme.com"},
            ],
        },
    )
    sb.calendar.insert_event(
        "ann@acme.com",
        {
            "summary": "Weekly sync with Initech",
            "start": {"dateTime": at(-14, 14), "timeZone": "Europe/Berlin"},
            "end": {"dateTime": at(-14, 15), "timeZone": "Europe/Berlin"},
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=12"],
            "attendees": [{"email": "peter@initech.com", "displayName": "Peter Gibbons"}],
        },
    )
    sb.calendar.insert_event(
        "ann@acme.com",
        {
            "summary": "Trade fair",
            "start": {"date": (day + timedelta(days=7)).isoformat()},
            "end": {"date": (day + timedelta(days=9)).isoformat()},
        },
    )
    sb.calendar.insert_event(
        "bob@acme.com",
        {
            "summary": "Call with Hank (Globex)",
            "start": {"dateTime": at(2, 11), "timeZone": "Europe/Berlin"},
            "end": {"dateTime": at(2, 11, 30), "timeZone": "Europe/Berlin"},
            "attendees": [{"email": "hank@globex.com"}],
        },
    )
    first = sb.gmail.add_message(
        "ann@acme.com",
        from_="Hank Scorpio <hank@globex.com>",
        to=["ann@acme.com"],
        subject="Renewal terms",
        body_text="Hi Ann,\n\ncan we talk about the renewal?\n\nHank",
        body_html="<p>Hi Ann,</p><p>can we talk about the renewal?</p><p>Hank</p>",
        date=now - timedelta(days=2),
    )
    sb.gmail.add_message(
        "ann@acme.com",
        from_="Ann Lee <ann@acme.com>",
        to=["hank@globex.com"],
        subject="Re: Renewal terms",
        body_text="Sure, see the invite for Thursday.",
        date=now - timedelta(days=1),
        thread_of=first["id"],
    )
    sb.gmail.add_message(
        "bob@acme.com",
        from_="Peter Gibbons <peter@initech.com>",
        to=["bob@acme.com"],
        subject="TPS reports",
        body_text="Did you get the memo?",
        date=now - timedelta(hours=5),
    )
