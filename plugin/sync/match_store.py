"""Write a MatchResult onto a stored meeting or email, and match stored items again.

What an admin set by hand (CalendarEvent.client_manual, Participant.manual) is never
overwritten: those rows are kept and take part in the item's interactions as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import CalendarEvent, Email, Interaction, Participant, normalize_domain
from ..models import normalize_email as _norm
from ..models.events import SOURCES
from .matching import Item, Matcher, MatchResult, ParticipantMatch, Person
from .matching.rules import build_interactions

EMAIL_SOURCES = {"google": "Gmail", "microsoft": "Outlook 365", "exchange": "Exchange"}
ORGANIZER_ROLES = ("organizer", "from")


def store_match(session: Session, row: CalendarEvent | Email, result: MatchResult) -> None:
    """Apply `result` to `row`: client, booked-by, event manager, participants, interactions.

    The event manager is only filled in when empty, since people reassign it in the CRM.
    The caller commits.
    """
    if isinstance(row, CalendarEvent):
        if not row.client_manual:
            row.client_account_id = result.client_account_id
            row.client_contact_id = result.client_contact_id
            row.client_method = result.client_method
        row.booked_by_user_id = result.booked_by_user_id
        if row.event_manager_id is None:
            row.event_manager_id = result.event_manager_id
    merged = _store_participants(session, row, result.participants)
    manual = any(p.method == "manual" for p in merged)
    item = result.item or item_from_row(row)
    drafts = build_interactions(item, merged) if (result.syncs or manual) else ()
    _store_interactions(session, row, drafts)


def insert_new_matches(
    session: Session, owner: str, entries: Sequence[tuple[int, MatchResult, object]]
) -> None:
    """store_match for rows just inserted in bulk, which have no participants or interactions
    yet: the same rows, in one INSERT per table instead of the ORM's one per row.

    `owner` is "event_id" or "email_id"; each entry is (row id, result, the date its
    interactions fall on instead of their own: thread start, all-day date, or None)."""
    kind = "email" if owner == "email_id" else "meeting"
    people, interactions = [], []
    for row_id, result, on in entries:
        for m in result.participants:
            people.append(
                {
                    owner: row_id,
                    "email": m.email,
                    "name": m.name,
                    "role": m.role,
                    "user_id": m.user_id,
                    "contact_id": m.contact_id,
                    "account_id": m.account_id,
                    "method": m.method,
                    "candidates": list(m.candidates) if m.candidates else None,
                }
            )
        for d in result.interactions:  # empty unless the item syncs
            interactions.append(
                {
                    owner: row_id,
                    "account_id": d.account_id,
                    "kind": kind,
                    "occurred_on": on or d.occurred_on,
                    "start_at": d.start_at,
                    "duration_minutes": d.duration_minutes,
                    "source": d.source,
                    # Shared between the item's drafts, but only read: serialised right here.
                    "participants": d.participants,
                }
            )
    if people:
        session.execute(insert(Participant.__table__), people)
    if interactions:
        session.execute(insert(Interaction.__table__), interactions)


def _store_participants(session, row, matches: Sequence[ParticipantMatch]):
    """Update rows in place (no delete-then-insert on the same unique key), keep manual ones,
    and return the participants as the interactions should see them."""
    existing = {p.email: p for p in row.participants}
    merged: list[ParticipantMatch] = []
    for m in matches:
        p = existing.pop(m.email, None)
        if p is not None and p.manual:
            merged.append(_as_match(p))
            continue
        if p is None:
            p = Participant(email=m.email)
            row.participants.append(p)
        p.name = m.name
        p.role = m.role
        p.user_id = m.user_id
        p.contact_id = m.contact_id
        p.account_id = m.account_id
        p.method = m.method
        p.candidates = list(m.candidates) if m.candidates else None
        merged.append(m)
    for p in existing.values():
        if p.manual:
            merged.append(_as_match(p))
        else:
            row.participants.remove(p)
            session.delete(p)
    return merged


def _as_match(p: Participant) -> ParticipantMatch:
    return ParticipantMatch(
        email=p.email,
        name=p.name,
        role=p.role,
        user_id=p.user_id,
        contact_id=p.contact_id,
        account_id=p.account_id,
        method=p.method,
        candidates=tuple(p.candidates) if p.candidates else None,
    )


def _store_interactions(session, row, drafts) -> None:
    existing = {i.account_id: i for i in row.interactions}
    kind = "email" if isinstance(row, Email) else "meeting"
    for d in drafts:
        i = existing.pop(d.account_id, None)
        if i is None:
            i = Interaction(account_id=d.account_id, kind=kind)
            row.interactions.append(i)
        # Navusoft: an email shows on the date its thread started.
        # All-day events keep their calendar date whatever the time zone.
        i.occurred_on = (
            getattr(row, "thread_started_on", None)
            or (getattr(row, "start_date", None) if getattr(row, "all_day", False) else None)
            or d.occurred_on
        )
        i.start_at = d.start_at
        i.duration_minutes = d.duration_minutes
        i.source = d.source
        i.participants = [dict(p) for p in d.participants]
    for i in existing.values():
        row.interactions.remove(i)
        session.delete(i)


def refresh_interactions(session: Session, row: CalendarEvent | Email) -> None:
    """Rebuild an item's interactions from its stored participants (after an admin's pick)."""
    merged = [_as_match(p) for p in row.participants]
    _store_interactions(session, row, build_interactions(item_from_row(row), merged))


def _owner_emails(row) -> tuple[str, ...]:
    emails = {_norm(link.linked_account.external_email) for link in row.links}
    owners = [link.linked_account.user for link in row.links]
    if isinstance(row, CalendarEvent) and row.owner is not None:
        owners.append(row.owner)
    for user in owners:
        if user is not None:
            emails.update(_norm(e.email) for e in user.emails)
    return tuple(sorted(e for e in emails if e))


def item_from_row(row: CalendarEvent | Email) -> Item:
    """The Item a stored meeting or email was matched from, rebuilt for re-matching."""
    people = sorted(row.participants, key=lambda p: p.id or 0)
    others = tuple(Person(p.email, p.name) for p in people if p.role not in ORGANIZER_ROLES)
    stored_source = next((i.source for i in row.interactions), None)
    if isinstance(row, Email):
        organizer = Person(row.from_email, row.from_name) if row.from_email else None
        return Item(
            kind="email",
            organizer=organizer,
            participants=others,
            start=row.sent_at,
            end=row.sent_at,
            source=stored_source or EMAIL_SOURCES.get(row.source, row.source),
            owner_emails=_owner_emails(row),
        )
    organizer = Person(row.organizer_email, row.organizer_name) if row.organizer_email else None
    return Item(
        kind="meeting",
        organizer=organizer,
        participants=others,
        start=row.start_at,
        end=row.end_at,
        all_day=bool(row.all_day),
        source=stored_source or SOURCES.get(row.origin, "CRM"),
        owner_emails=_owner_emails(row),
    )


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def rematch(
    session: Session,
    emails: Iterable[str] = (),
    domains: Iterable[str] = (),
    matcher: Matcher | None = None,
    chunk: int = 500,
) -> int:
    """Match again every stored meeting and email with a participant having one of `emails`
    or an address at one of `domains`. Returns how many items were re-matched; the caller
    commits."""
    emails = sorted({_norm(e) for e in emails if _norm(e)})
    domains = sorted({normalize_domain(d) for d in domains if normalize_domain(d)})
    if not emails and not domains:
        return 0
    conditions = []
    for i in range(0, len(emails), chunk):
        conditions.append(Participant.email.in_(emails[i : i + chunk]))
    for d in domains:
        conditions.append(Participant.email.like("%@" + _escape_like(d), escape="\\"))
    event_ids, email_ids = set(), set()
    rows = session.execute(
        select(Participant.event_id, Participant.email_id).where(or_(*conditions)).distinct()
    )
    for event_id, email_id in rows:
        if event_id is not None:
            event_ids.add(event_id)
        if email_id is not None:
            email_ids.add(email_id)
    if not event_ids and not email_ids:
        return 0
    matcher = matcher or Matcher()
    done = 0
    for model, ids in ((CalendarEvent, event_ids), (Email, email_ids)):
        ids = sorted(ids)
        for i in range(0, len(ids), chunk):
            batch = session.scalars(
                select(model)
                .where(model.id.in_(ids[i : i + chunk]))
                .options(
                    selectinload(model.participants),
                    selectinload(model.interactions),
                    selectinload(model.links),
                )
            ).all()
            results = matcher.match_many([item_from_row(r) for r in batch])
            for row, result in zip(batch, results, strict=True):
                store_match(session, row, result)
            done += len(batch)
    return done
