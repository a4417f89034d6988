"""Apply a page of calendar changes: one CRM meeting per iCalUID + original start, one
EventLink per calendar holding it; occurrences of a series are separate meetings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import selectinload

from ...models import CalendarEvent, EventLink, utcnow
from ..match_store import insert_new_matches
from ..matching import Item
from ..providers.base import ChangeSet, RemoteEvent, Window
from ..value_lists import rows_in, scalars_in
from .apply_util import apply_page, chunks, drop_copies, insert_keyed, naive_utc
from .conflicts import judge_inbound
from .context import SyncContext
from .fields import clean_event, cleaned
from .lookups import account_links, meetings_by_uid


def instance_key(remote: RemoteEvent) -> str:
    """ "" for a single event; the original start (UTC, or the date) for an occurrence."""
    original = remote.original_start
    if not remote.recurring_event_id or original is None:
        return ""
    if isinstance(original, datetime):
        return naive_utc(original).strftime("%Y%m%dT%H%M%SZ")
    return original.isoformat()


def to_item(ctx: SyncContext, remote: RemoteEvent) -> Item:
    return Item(
        kind="meeting",
        organizer=remote.organizer,
        participants=remote.attendees,
        start=naive_utc(remote.start),
        end=naive_utc(remote.end),
        all_day=remote.all_day,
        source=ctx.provider.calendar_source,
        owner_emails=ctx.owner_emails,
    )


def apply_events(ctx: SyncContext, page: ChangeSet) -> None:
    page = cleaned(ctx, "event", page, clean_event)
    apply_page(ctx, "event", page, to_item, drop_links, _store)


def _store(ctx: SyncContext, pairs: list) -> None:
    from ..match_store import store_match

    s, account, now = ctx.session, ctx.account, utcnow()
    links, events = _known(s, account.id, pairs)
    pairs = _insert_new(ctx, pairs, links, events, now)
    if not pairs:
        return
    links, events = _known(s, account.id, pairs, eager=True)
    for remote, result in pairs:
        link = links.get(remote.external_id)
        if not result.syncs and not remote.crm_id:  # the CRM's own meetings always sync
            if link is not None:
                ctx.run.deleted += _drop(s, [link])
            ctx.run.skipped += 1
            continue
        key = (remote.ical_uid, instance_key(remote))
        event = link.event if link is not None else events.get(key)
        if event is None and remote.crm_id and remote.crm_id.isdigit():
            event = s.get(CalendarEvent, int(remote.crm_id))  # our own push coming back
        if link is None and event is not None:
            link = next((x for x in event.links if x.linked_account_id == account.id), None)
        if link is not None and link.etag == remote.etag and link.etag:
            link.seen_at = now  # unchanged since we last saw it
            continue
        if link is not None and judge_inbound(ctx, event, link, remote):
            continue  # both sides changed; the CRM's later edit wins and is pushed
        if event is None:
            event = CalendarEvent(
                ical_uid=remote.ical_uid,
                instance_key=key[1],
                origin=ctx.provider.name,
                owner_user_id=account.user_id,
            )
            s.add(event)
            events[key] = event
            ctx.run.created += 1
        else:
            ctx.run.updated += 1
        _fill(event, remote)
        if link is None:
            link = EventLink(event=event, linked_account_id=account.id)
            s.add(link)
        link.external_id = remote.external_id
        link.calendar_id = remote.calendar_id
        link.etag = remote.etag
        link.remote_updated_at = naive_utc(remote.updated) if remote.updated else None
        link.series_external_id = remote.recurring_event_id
        link.seen_at = now
        # The copy and the CRM say the same now (a new row's version default comes at flush).
        link.synced_version = event.version or 1
        store_match(s, event, result)
    s.flush()


def _known(s, account_id: int, pairs: list, eager: bool = False):
    """This account's links to the page's items, and the meetings with their iCalUIDs.

    `eager` loads each meeting's links, participants and interactions up front (a few
    queries for the page) instead of lazily per item."""
    ids = [r.external_id for r, _ in pairs]
    links = {
        link.external_id: link for link in scalars_in(s, *account_links(EventLink, account_id), ids)
    }
    options = ()
    if eager:
        options = (
            selectinload(CalendarEvent.links),
            selectinload(CalendarEvent.participants),
            selectinload(CalendarEvent.interactions),
        )
    uids = [r.ical_uid for r, _ in pairs]
    found = scalars_in(s, *meetings_by_uid(*options), uids)
    return links, {(ev.ical_uid, ev.instance_key): ev for ev in found}


def _insert_new(ctx: SyncContext, pairs: list, links: dict, events: dict, now) -> list:
    """Insert the page's brand-new meetings (no copy, no meeting with their key, not a CRM
    push coming back) in bulk, and return the other pairs for the item-by-item path.

    A second item with the key or id of an earlier one in the page goes the slow way, after
    the first is in, so it sees it exactly as if the page were applied one item at a time."""
    account, fresh, rest = ctx.account, [], []
    keys, ids = set(), set()
    for remote, result in pairs:
        key = (remote.ical_uid, instance_key(remote))
        new = (
            (result.syncs or remote.crm_id)
            and result.item is not None
            and not (remote.crm_id and remote.crm_id.isdigit())
            and remote.external_id not in links
            and key not in events
            and key not in keys
            and remote.external_id not in ids
        )
        keys.add(key)
        ids.add(remote.external_id)
        (fresh if new else rest).append((remote, result, key))
    if not fresh:
        return pairs
    rows = [_row(ctx, remote, result, key, now) for remote, result, key in fresh]
    # Keys are unique among `fresh`, and none is stored yet.
    by_key = insert_keyed(ctx.session, CalendarEvent.__table__, rows, ("ical_uid", "instance_key"))
    new_ids = [by_key[key] for _, _, key in fresh]
    ctx.session.execute(
        insert(EventLink.__table__),
        [
            {
                "event_id": event_id,
                "linked_account_id": account.id,
                "external_id": remote.external_id,
                "calendar_id": remote.calendar_id,
                "etag": remote.etag,
                "remote_updated_at": naive_utc(remote.updated) if remote.updated else None,
                "series_external_id": remote.recurring_event_id,
                "seen_at": now,
                "synced_version": 1,
            }
            for event_id, (remote, _, _) in zip(new_ids, fresh, strict=True)
        ],
    )
    insert_new_matches(
        ctx.session,
        "event_id",
        [
            (event_id, result, row["start_date"] if row["all_day"] else None)
            for event_id, (_, result, _), row in zip(new_ids, fresh, rows, strict=True)
        ],
    )
    ctx.run.created += len(fresh)
    return [(remote, result) for remote, result, _ in rest]


def _row(ctx: SyncContext, remote: RemoteEvent, result, key, now) -> dict:
    """The crm_events row _fill and store_match would make of a new meeting."""
    start, end = naive_utc(remote.start), naive_utc(remote.end)
    dated = remote.all_day and isinstance(remote.start, date)
    return {
        "ical_uid": remote.ical_uid,
        "instance_key": key[1],
        "origin": ctx.provider.name,
        "owner_user_id": ctx.account.user_id,
        "title": remote.title,
        "description": remote.description,
        "location": remote.location,
        "all_day": remote.all_day,
        "start_at": start,
        "end_at": end,
        "start_date": remote.start if dated else None,
        "end_date": remote.end if dated else None,
        "timezone": remote.timezone,
        "status": remote.status,
        "series_uid": remote.ical_uid if remote.recurring_event_id else None,
        "organizer_email": remote.organizer.email if remote.organizer else None,
        "organizer_name": remote.organizer.name if remote.organizer else None,
        "deleted_at": None,
        "client_account_id": result.client_account_id,
        "client_contact_id": result.client_contact_id,
        "client_method": result.client_method,
        "client_manual": False,
        "booked_by_user_id": result.booked_by_user_id,
        "event_manager_id": result.event_manager_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _fill(event: CalendarEvent, remote: RemoteEvent) -> None:
    event.title = remote.title
    event.description = remote.description
    event.location = remote.location
    event.all_day = remote.all_day
    event.start_at, event.end_at = naive_utc(remote.start), naive_utc(remote.end)
    if remote.all_day and isinstance(remote.start, date):
        event.start_date, event.end_date = remote.start, remote.end
    else:
        event.start_date = event.end_date = None
    event.timezone = remote.timezone
    event.status = remote.status
    event.series_uid = remote.ical_uid if remote.recurring_event_id else None
    event.organizer_email = remote.organizer.email if remote.organizer else None
    event.organizer_name = remote.organizer.name if remote.organizer else None
    event.deleted_at = None


def known_occurrences(ctx: SyncContext, series_ids, window: Window) -> dict[str, set[str]]:
    """Feed.known of the calendar: for these provider series ids, this account's copies of
    their occurrences that overlap the window, by series."""
    query = (
        select(EventLink.series_external_id, EventLink.external_id)
        .join(CalendarEvent)
        .where(
            EventLink.linked_account_id == ctx.account.id,
            # overlapping as a CalendarView counts it: ending at the window's start is out
            CalendarEvent.end_at > window.start,
            CalendarEvent.start_at < window.end,
        )
    )
    held: dict[str, set[str]] = {}
    for series_id, external_id in rows_in(
        ctx.session, query, EventLink.series_external_id, series_ids
    ):
        held.setdefault(series_id, set()).add(external_id)
    return held


def drop_links(ctx: SyncContext, external_ids) -> int:
    """Remove this account's copies of the named items (or series); meetings nobody else
    holds go with their interactions."""
    s, found = ctx.session, []
    for part in chunks(list(external_ids)):
        found.extend(
            s.scalars(
                select(EventLink).where(
                    EventLink.linked_account_id == ctx.account.id,
                    or_(EventLink.external_id.in_(part), EventLink.series_external_id.in_(part)),
                )
            )
        )
    return _drop(s, found)


def _drop(s, links: list[EventLink]) -> int:
    return drop_copies(s, links, "event")


def purge_unseen_events(ctx: SyncContext, since: datetime, window: Window) -> int:
    """After a full listing: this account's copies inside the window it did not return."""
    stale = list(
        ctx.session.scalars(
            select(EventLink)
            .join(CalendarEvent)
            .where(
                EventLink.linked_account_id == ctx.account.id,
                EventLink.etag.is_not(None),  # a push the provider refused is not stale
                or_(EventLink.seen_at.is_(None), EventLink.seen_at < since),
                CalendarEvent.end_at >= window.start,
                CalendarEvent.start_at < window.end,
            )
        )
    )
    return _drop(ctx.session, stale)
