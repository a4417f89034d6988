"""Builders for CRM-side appointment changes in the outbound tests (as the views make them)."""

from __future__ import annotations

from datetime import timedelta

from sync_helpers import at

from plugin.models import CalendarEvent, EventLink
from plugin.sync.matching import Person
from plugin.sync.outbound import (
    AppointmentFields,
    delete_appointment,
    edit_appointment,
    new_appointment,
)

OWNER = "ann@acme.com"


def fields(title: str, days: float = 1, hours: float = 1, attendees=(), **extra):
    start = at(days).replace(tzinfo=None)
    return AppointmentFields(
        title=title,
        start_at=start,
        end_at=start + timedelta(hours=hours),
        attendees=tuple(Person(a) for a in attendees),
        **extra,
    )


def create(db, account, title: str, **kw) -> CalendarEvent:
    event = new_appointment(db.session, account.user, fields(title, **kw))
    db.session.commit()
    return event


def edit(db, event: CalendarEvent, **changes) -> None:
    current = {
        "title": event.title,
        "start_at": event.start_at,
        "end_at": event.end_at,
        "location": event.location,
        "description": event.description,
        "timezone": event.timezone,
        "attendees": tuple(
            Person(p.email, p.name) for p in event.participants if p.role != "organizer"
        ),
        "send_invitations": event.send_invitations,
    }
    current.update(changes)
    edit_appointment(db.session, event, AppointmentFields(**current))
    db.session.commit()


def delete(db, event: CalendarEvent) -> None:
    delete_appointment(db.session, event)
    db.session.commit()


def remote_events(sb, email: str = OWNER) -> list[dict]:
    """What the user's Google calendar holds (live events only)."""
    return [e for e in sb.calendar.events(email, include_cancelled=False)]


def writes(sb, email: str = OWNER) -> int:
    calls = sb.calls(email)
    return sum(n for m, n in calls.items() if m.split(".")[-1] in {"insert", "patch", "delete"})


def link_of(db, event: CalendarEvent) -> EventLink | None:
    db.session.expire_all()
    return db.session.get(CalendarEvent, event.id).links[0] if event.links else None
