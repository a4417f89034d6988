"""The floors bench_sync.py compares the engine with: the same pages parsed into the same
value objects, and the same rows bulk-inserted with Core, with no matching, no ORM and no
decisions. The rows are the engine's own, read back beforehand (every column: meetings and
emails, their links, participants and interactions) and inserted as they are, so the floor
writes exactly what the engine wrote."""

from __future__ import annotations

import time

from sqlalchemy import delete, insert, select

from plugin.models import CalendarEvent, Email, EmailLink, EventLink, Interaction, Participant
from plugin.sync.engine.events import instance_key


def _read(conn, table, where) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(select(table).where(where))]


def _derived(db, owner_column, ids) -> tuple[list[dict], list[dict]]:
    """The participant and interaction rows the engine stored for these meetings / emails."""
    with db.engine.connect() as conn:
        people = _read(conn, Participant.__table__, owner_column(Participant).in_(ids))
        interactions = _read(conn, Interaction.__table__, owner_column(Interaction).in_(ids))
    return people, interactions


def _clear(db, owner: str, ids: list[int]) -> None:
    """Delete these meetings (owner "event_id") or emails ("email_id") with their links,
    participants and interactions, and nothing else: the tables keep the other calendars'
    and mailboxes' rows, as they held them while the engine ran."""
    parent, link = (CalendarEvent, EventLink) if owner == "event_id" else (Email, EmailLink)
    with db.engine.begin() as conn:
        for lo in range(0, len(ids), 500):
            part = ids[lo : lo + 500]
            for model in (Interaction, Participant, link):
                conn.execute(delete(model).where(getattr(model, owner).in_(part)))
            conn.execute(delete(parent).where(parent.id.in_(part)))


def calendar_floor(db, pages: list[list], parse, account_id: int, repeat: int = 3):
    """(meetings, rows, best seconds of `repeat`): parse(raw) -> RemoteEvent for every raw
    event of the pages (as the provider's client decoded them), then insert the stored
    meeting and link row of each parsed event, and the stored participants and interactions.
    Replaces the account's synced meetings."""
    ids = select(EventLink.event_id).where(EventLink.linked_account_id == account_id)
    with db.engine.connect() as conn:
        events = _read(conn, CalendarEvent.__table__, CalendarEvent.id.in_(ids))
        links = _read(conn, EventLink.__table__, EventLink.linked_account_id == account_id)
    people, interactions = _derived(db, lambda m: m.event_id, [e["id"] for e in events])
    by_key = {(e["ical_uid"], e["instance_key"]): e for e in events}
    link_of = {link["event_id"]: link for link in links}
    rows = by_key, link_of, people, interactions
    return best(repeat, lambda: _calendar_once(db, pages, parse, *rows))


def _calendar_once(db, pages, parse, by_key, link_of, people, interactions):
    _clear(db, "event_id", sorted(link_of))
    t0 = time.perf_counter()
    n = 0
    with db.engine.begin() as conn:
        for page in pages:
            rows = []
            for raw in page:
                r = parse(raw)
                rows.append(by_key[(r.ical_uid, instance_key(r))])
            conn.execute(insert(CalendarEvent), rows)
            conn.execute(insert(EventLink), [link_of[row["id"]] for row in rows])
            n += len(rows)
        conn.execute(insert(Participant), people)
        conn.execute(insert(Interaction), interactions)
    return n, 2 * n + len(people) + len(interactions), time.perf_counter() - t0


def mail_floor(db, resources: list, parse, account_id: int, repeat: int = 3):
    """(messages, rows, best seconds of `repeat`): parse(raw) -> RemoteMessage for every
    message as the provider's client decoded it, insert the stored emails, their links and
    their participants and interactions."""
    ids = select(EmailLink.email_id).where(EmailLink.linked_account_id == account_id)
    with db.engine.connect() as conn:
        emails = _read(conn, Email.__table__, Email.id.in_(ids))
        links = _read(conn, EmailLink.__table__, EmailLink.linked_account_id == account_id)
    people, interactions = _derived(db, lambda m: m.email_id, [e["id"] for e in emails])
    rows = emails, links, people, interactions
    return best(repeat, lambda: _mail_once(db, resources, parse, *rows))


def _mail_once(db, resources, parse, emails, links, people, interactions):
    _clear(db, "email_id", [e["id"] for e in emails])
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        parsed = [parse(raw) for raw in resources]
        conn.execute(insert(Email), emails)
        conn.execute(insert(EmailLink), links)
        conn.execute(insert(Participant), people)
        conn.execute(insert(Interaction), interactions)
    rows = len(emails) + len(links) + len(people) + len(interactions)
    return len(parsed), rows, time.perf_counter() - t0


def best(repeat: int, run) -> tuple:
    """The fastest of `repeat` runs of run() -> (..., seconds)."""
    return min((run() for _ in range(repeat)), key=lambda r: r[-1])
