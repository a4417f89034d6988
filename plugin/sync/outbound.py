"""CRM-side changes to appointments, for the calendar screens and the admin: they write rows
and mark them for the engine's outbound step (engine/outbound.py), never call a provider.

A change bumps CalendarEvent.version (each link remembers the version it pushed); a deletion
sets deleted_at and leaves the row as a tombstone until every calendar copy is gone. After
the caller commits, `request_push` makes the owner's linked calendars due now.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..models import CalendarEvent, User, normalize_email, utcnow
from . import grants
from .matching import Item, Matcher, Person


@dataclass(frozen=True)
class AppointmentFields:
    """What a person can set on an appointment (naive UTC times, or dates when all_day)."""

    title: str
    start_at: datetime
    end_at: datetime
    all_day: bool = False
    start_date: date | None = None
    end_date: date | None = None  # exclusive
    location: str | None = None
    description: str | None = None
    timezone: str | None = None
    attendees: tuple[Person, ...] = ()
    send_invitations: bool = True
    # The person picked the client account (None: match it from the booker and guests);
    # without choose_client the client is left as matching or an admin set it.
    choose_client: bool = False
    client_account_id: int | None = None


def appointment_changes(event: CalendarEvent, fields: AppointmentFields) -> list[str]:
    """The names of what `fields` would change on `event`; empty means Save changes nothing,
    so no new version is made and nothing is pushed."""
    if fields.all_day:
        when = (True, fields.start_date, fields.end_date)
        was = (bool(event.all_day), event.start_date, event.end_date)
    else:
        when = (False, fields.start_at, fields.end_at)
        was = (bool(event.all_day), event.start_at, event.end_at)
    guests = {normalize_email(p.email) for p in fields.attendees}
    had = {
        normalize_email(p.email) for p in event.participants if p.role not in ("organizer", "from")
    }
    pairs = {
        "time": (when, was),
        "title": (fields.title.strip(), event.title or ""),
        "location": (fields.location or None, event.location or None),
        "description": (fields.description or None, event.description or None),
        "attendees": (guests, had),
        "send_invitations": (fields.send_invitations, bool(event.send_invitations)),
    }
    if fields.choose_client:
        pairs["client"] = (
            (fields.client_account_id is not None, fields.client_account_id),
            (bool(event.client_manual), event.client_account_id),
        )
    return [name for name, (new, old) in pairs.items() if new != old]


def new_appointment(session, owner: User, fields: AppointmentFields) -> CalendarEvent:
    """A meeting created in the CRM, owned by `owner`, to be pushed to their calendar."""
    event = CalendarEvent(
        ical_uid=f"{uuid.uuid4().hex}@crm-sync",
        instance_key="",
        origin="crm",
        owner_user_id=owner.id,
        organizer_email=_primary_email(owner),
        organizer_name=owner.name,
        status="confirmed",
        version=1,
    )
    session.add(event)
    _apply(session, event, owner, fields)
    return event


def edit_appointment(session, event: CalendarEvent, fields: AppointmentFields) -> None:
    """Change a meeting (whatever its origin) and mark it for pushing to every copy."""
    owner = event.owner or session.get(User, event.owner_user_id)
    _apply(session, event, owner, fields)
    mark_changed(event)


def mark_changed(event: CalendarEvent) -> None:
    """A CRM edit: a new version for the engine, and the time last-writer-wins compares."""
    event.version = (event.version or 1) + 1
    event.updated_at = utcnow()


def delete_appointment(session, event: CalendarEvent) -> None:
    """Delete in the CRM: a tombstone while a calendar may hold a copy, else the row goes."""
    if event.links or linked_calendars(session, event.owner_user_id):
        event.deleted_at = utcnow()
        mark_changed(event)
    else:
        session.delete(event)


def linked_calendars(session, user_id: int | None) -> list[int]:
    """The user's linked accounts that sync a calendar (the ones a push may go to)."""
    return grants.push_calendars(session, user_id)


def accounts_to_push(session, event_ids: Iterable[int], owner_ids: Iterable[int]) -> set[int]:
    """Collect before commit: the calendars that hold a copy of these meetings, or will."""
    from ..models import EventLink

    ids = set()
    event_ids = [i for i in event_ids if i]
    if event_ids:
        ids.update(
            session.scalars(
                select(EventLink.linked_account_id).where(EventLink.event_id.in_(event_ids))
            )
        )
    for owner_id in set(owner_ids):
        ids.update(linked_calendars(session, owner_id))
    return ids


def request_push(account_ids: Iterable[int]) -> None:
    """After commit: make these linked accounts due now, so the engine pushes at once."""
    from .triggers import request_sync

    for account_id in sorted(set(account_ids)):
        request_sync(account_id, "push")


def _apply(session, event: CalendarEvent, owner: User | None, fields: AppointmentFields) -> None:
    from .match_store import store_match

    event.title = fields.title.strip()
    event.description = fields.description or None
    event.location = fields.location or None
    event.all_day = fields.all_day
    event.start_at, event.end_at = fields.start_at, fields.end_at
    event.start_date = fields.start_date if fields.all_day else None
    event.end_date = fields.end_date if fields.all_day else None
    event.timezone = fields.timezone
    event.send_invitations = fields.send_invitations
    owner_emails = tuple(sorted(normalize_email(e.email) for e in owner.emails)) if owner else ()
    organizer = (
        Person(event.organizer_email, event.organizer_name) if event.organizer_email else None
    )
    item = Item(
        kind="meeting",
        organizer=organizer,
        participants=tuple(fields.attendees),
        start=fields.start_at,
        end=fields.end_at,
        all_day=fields.all_day,
        source="CRM",
        owner_emails=owner_emails,
    )
    _choose_client(session, event, fields)
    session.flush()
    store_match(session, event, Matcher().match(item))


def _choose_client(session, event: CalendarEvent, fields: AppointmentFields) -> None:
    """A picked client is kept as chosen by hand (re-matching leaves it); clearing the pick
    lets matching decide again."""
    from ..models import Contact

    if not fields.choose_client:
        return
    event.client_manual = fields.client_account_id is not None
    if not event.client_manual:
        return
    contact = session.get(Contact, event.client_contact_id) if event.client_contact_id else None
    if contact is None or contact.account_id != fields.client_account_id:
        event.client_contact_id = None
    event.client_account_id = fields.client_account_id
    event.client_method = "form"


def _primary_email(user: User) -> str | None:
    emails = sorted(user.emails, key=lambda e: (not e.is_primary, e.id or 0))
    return emails[0].email if emails else None


# ----- "All events in the series" ---------------------------------------------------------
def series_occurrences(session, event: CalendarEvent) -> list[CalendarEvent]:
    """The stored occurrences of `event`'s series (itself included; a single meeting alone)."""
    if not event.instance_key:
        return [event]
    return list(
        session.scalars(
            select(CalendarEvent)
            .where(
                CalendarEvent.ical_uid == event.ical_uid,
                CalendarEvent.instance_key != "",
                CalendarEvent.deleted_at.is_(None),
            )
            .order_by(CalendarEvent.start_at)
        )
    )


def edit_series(session, event: CalendarEvent, fields: AppointmentFields) -> None:
    """ "All events": every stored occurrence takes the fields and moves as `event` moves
    (wall-clock, in the series' zone), each marked as a series change, so the engine writes
    the series master once instead of making each occurrence an exception."""
    from dataclasses import replace

    from .providers.base import EventDraft
    from .providers.series import moved_draft

    zone = event.timezone or fields.timezone
    was = event.start_date if event.all_day and event.start_date else event.start_at
    wanted = EventDraft(
        crm_id="",
        title=fields.title,
        start=fields.start_date if fields.all_day else fields.start_at,
        end=fields.end_date if fields.all_day else fields.end_at,
        all_day=fields.all_day,
    )
    for occurrence in series_occurrences(session, event):
        own = (
            occurrence.start_date
            if occurrence.all_day and occurrence.start_date
            else occurrence.start_at
        )
        moved = moved_draft(own, was, wanted, zone)
        if fields.all_day:
            times = dict(
                start_at=datetime.combine(moved.start, datetime.min.time()),
                end_at=datetime.combine(moved.end, datetime.min.time()),
                start_date=moved.start,
                end_date=moved.end,
            )
        else:
            times = dict(start_at=moved.start, end_at=moved.end)
        edit_appointment(session, occurrence, replace(fields, timezone=zone, **times))
        occurrence.series_version = occurrence.version


def delete_series(session, event: CalendarEvent) -> None:
    """ "All events": every stored occurrence deleted, as one series deletion to push."""
    for occurrence in series_occurrences(session, event):
        delete_appointment(session, occurrence)
        occurrence.series_version = occurrence.version
