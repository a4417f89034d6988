"""Outbound: push the CRM's appointment changes to the owner's linked calendar, after the
feeds have brought the provider's changes in.

What a link's columns mean here: `synced_version < event.version` is a CRM edit not yet
pushed; `etag` is what we last saw of the provider's copy (None: never confirmed there);
`rejected_version == event.version` is a push the provider refused, left until the next edit;
`seen_at` None on a pushed copy is a create no listing has shown back yet (see _confirm_pushed).
Creates use a client-chosen id derived from the meeting's iCalUID, so a retry after a crash
finds its first try (409) and adopts it instead of making a second event. Conflicts are last
writer wins between the provider's `updated` and the CRM row's `updated_at` (or deleted_at),
judged only when both sides changed since the link was last in step; the losing side is
written to the run's log.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from ...models import CalendarEvent, EventLink, SyncProblem, normalize_email, utcnow
from ...settings import get_settings
from .. import grants
from ..errors import EditConflict, ItemGone, ItemRejected, ScopeMissing
from ..providers.base import CalendarWriter, ChangeSet, EventDraft, Person, RemoteEvent
from .apply_util import naive_utc
from .conflicts import note_lost, pending_edit
from .context import SyncContext
from .events import apply_events, drop_links
from .feed import scope_missing
from .series_push import is_series_change, write_series

ORGANIZER_ROLES = ("organizer", "from")
CREATE_BATCH = 50


def push_changes(ctx: SyncContext) -> None:
    """Push every pending create, edit and deletion of this account. Edits and deletions
    commit one by one (a repeated patch would meet its own etag change as a conflict);
    creates commit in batches, since a repeated insert finds its copy by id and adopts it."""
    if not isinstance(ctx.provider, CalendarWriter) or not grants.feed_on(ctx.account, "calendar"):
        return
    try:
        _push(ctx)
    except ScopeMissing as exc:
        # The grant reads the calendar but may not write it: the calendar feed needs
        # permission (plugin.sync.grants); what was pushed before stays committed.
        ctx.session.rollback()
        scope_missing(ctx, "calendar", exc)


def _push(ctx: SyncContext) -> None:
    policy = get_settings().send_invitations
    _confirm_pushed(ctx)
    committed = ctx.run.pushed or 0
    for n, event in enumerate(_pending_creates(ctx), 1):
        _create(ctx, event, policy)
        if n % CREATE_BATCH == 0:
            committed = _commit_pushed(ctx, committed)
    series_done: set[str] = set()
    for link in _pending_links(ctx):
        if is_series_change(link):
            _series(ctx, link, policy, series_done)
        elif link.event.deleted_at is not None:
            _delete(ctx, link, policy)
        elif link.etag is None:
            _create(ctx, link.event, policy, link)
        else:
            _patch(ctx, link, policy)
        committed = _commit_pushed(ctx, committed)
    _drop_tombstones(ctx)
    _commit_pushed(ctx, committed)


def _commit_pushed(ctx: SyncContext, committed: int) -> int:
    """Commit what was pushed so far. A commit that settled pushes is progress, so a push
    stopped by a transient error after it comes back soon (engine.backoff)."""
    ctx.checkpoint()
    pushed = ctx.run.pushed or 0
    if pushed > committed:
        ctx.progress += 1
    return pushed


def _confirm_pushed(ctx: SyncContext) -> None:
    """Creates pushed by an earlier run that this run's listing did not show back: ask the
    provider for each, once, and apply what it says through the inbound path.

    A run lists before it pushes, so its saved cursor predates its own creates. The next
    listing shows each of them back (which marks it seen, at no extra cost), except one the
    user deleted in between: Google reports it cancelled, but EWS SyncFolderItems and Graph
    delta fold a create and a delete after the cursor into nothing. Only the writer's read
    can tell that copy from one outside the listing (a calendarView delta's window), so the
    reads are bounded to unseen pushes and each copy is asked about once."""
    unseen = ctx.session.scalars(
        select(EventLink)
        .where(
            EventLink.linked_account_id == ctx.account.id,
            EventLink.etag.is_not(None),
            EventLink.seen_at.is_(None),
        )
        .order_by(EventLink.id)
    ).all()
    for link in unseen:
        remote = ctx.provider.get_event(link.external_id)
        if remote is None or remote.cancelled:
            if pending_edit(link) and link.event.deleted_at is None:
                note_lost(
                    ctx, link.event, link, "deleted in the calendar; the CRM's edit was dropped"
                )
            ctx.run.deleted += drop_links(ctx, [link.external_id])
        else:
            apply_events(ctx, ChangeSet(items=(remote,)))
            if link in ctx.session and link.seen_at is None:
                link.seen_at = utcnow()  # there, though not stored (a problem says why)
        ctx.checkpoint()


# ----- what is due ------------------------------------------------------------------------
def _home_calendar(ctx: SyncContext) -> bool:
    """New CRM appointments go to one calendar per user: their first linked calendar."""
    return (
        next(iter(grants.push_calendars(ctx.session, ctx.account.user_id)), None) == ctx.account.id
    )


def _pending_creates(ctx: SyncContext) -> list[CalendarEvent]:
    if not _home_calendar(ctx):
        return []
    since = utcnow() - timedelta(days=ctx.past_days)
    linked = exists().where(
        EventLink.event_id == CalendarEvent.id, EventLink.linked_account_id == ctx.account.id
    )
    return list(
        ctx.session.scalars(
            select(CalendarEvent)
            .where(
                CalendarEvent.owner_user_id == ctx.account.user_id,
                CalendarEvent.origin == "crm",
                CalendarEvent.deleted_at.is_(None),
                CalendarEvent.status != "cancelled",
                CalendarEvent.end_at >= since,
                ~linked,
            )
            .options(selectinload(CalendarEvent.participants))
            .order_by(CalendarEvent.id)
        )
    )


def _pending_links(ctx: SyncContext) -> list[EventLink]:
    """This account's copies with a CRM edit or deletion not yet pushed (nor refused)."""
    return list(
        ctx.session.scalars(
            select(EventLink)
            .join(CalendarEvent)
            .where(
                EventLink.linked_account_id == ctx.account.id,
                or_(
                    CalendarEvent.deleted_at.is_not(None),
                    and_(
                        EventLink.synced_version < CalendarEvent.version,
                        or_(
                            EventLink.rejected_version.is_(None),
                            EventLink.rejected_version < CalendarEvent.version,
                        ),
                    ),
                ),
            )
            .order_by(EventLink.id)
        )
    )


# ----- drafts and invitations ---------------------------------------------------------------
def draft_of(ctx: SyncContext, event: CalendarEvent) -> EventDraft:
    """The meeting as the provider should hold it; the calendar's owner is not a guest."""
    owners = set(ctx.owner_emails)
    attendees = tuple(
        Person(p.email, p.name, p.response_status)
        for p in sorted(event.participants, key=lambda p: p.id or 0)
        if p.role not in ORGANIZER_ROLES and normalize_email(p.email) not in owners
    )
    all_day = bool(event.all_day and event.start_date)
    return EventDraft(
        crm_id=str(event.id),
        title=event.title or "",
        start=event.start_date if all_day else event.start_at,
        end=(event.end_date or event.start_date + timedelta(days=1)) if all_day else event.end_at,
        all_day=all_day,
        description=event.description,
        location=event.location,
        timezone=event.timezone,
        attendees=attendees,
    )


def notify(ctx: SyncContext, event: CalendarEvent, policy: str, action: str) -> bool:
    """Invitations per the setting (never / new: on create / always); never for a backfill
    (a meeting older than the link), during a full (re)sync, or when the meeting's own
    send_invitations box is off."""
    if policy == "never" or (policy == "new" and action != "create"):
        return False
    if not event.send_invitations or ctx.run.full_sync:
        return False
    return event.created_at >= ctx.account.created_at


# ----- the three writes -------------------------------------------------------------------
def _create(ctx: SyncContext, event: CalendarEvent, policy: str, link=None) -> None:
    provider = ctx.provider
    ext_id = link.external_id if link is not None else provider.event_id_for(event.ical_uid)
    if link is None:
        link = EventLink(event=event, linked_account_id=ctx.account.id, external_id=ext_id)
        ctx.session.add(link)
    draft = draft_of(ctx, event)
    try:
        pushed = provider.insert_event(ext_id, draft, notify(ctx, event, policy, "create"))
        remote = pushed.remote
        if remote.cancelled:
            # Our earlier try got through and was deleted there since: the deletion stands.
            note_lost(ctx, event, link, "deleted in the calendar before the CRM stored its copy")
            _remove(ctx, link)
            return
        if pushed.adopted and not _same(remote, draft):
            # The provider's id of the adopted copy (EWS assigns its own; Google's is ext_id).
            remote = provider.patch_event(remote.external_id, draft, remote.etag, False)
    except ItemRejected as exc:
        _rejected(ctx, event, link, exc)
        return
    _in_step(ctx, link, remote)
    if remote.ical_uid and remote.ical_uid != event.ical_uid and not _uid_taken(ctx, remote):
        # The provider names the meeting by its own iCalUID in every guest's calendar.
        event.ical_uid = remote.ical_uid
    ctx.run.pushed += 1


def _patch(ctx: SyncContext, link: EventLink, policy: str, retry: bool = True) -> None:
    event = link.event
    try:
        remote = ctx.provider.patch_event(
            link.external_id, draft_of(ctx, event), link.etag, notify(ctx, event, policy, "update")
        )
    except EditConflict:
        if _refetch_and_judge(ctx, link) and retry:
            _patch(ctx, link, policy, retry=False)
        return
    except ItemGone:
        note_lost(ctx, event, link, "deleted in the calendar; the CRM's edit was dropped")
        _remove(ctx, link)
        return
    except ItemRejected as exc:
        _rejected(ctx, event, link, exc)
        return
    _in_step(ctx, link, remote)
    ctx.run.pushed += 1


def _delete(ctx: SyncContext, link: EventLink, policy: str, retry: bool = True) -> None:
    event = link.event
    if link.etag is not None:
        try:
            ctx.provider.delete_event(
                link.external_id, link.etag, notify(ctx, event, policy, "delete")
            )
        except EditConflict:
            if _refetch_and_judge(ctx, link) and retry:
                _delete(ctx, link, policy, retry=False)
            return
        except ItemRejected as exc:
            _rejected(ctx, event, link, exc)
            return
        ctx.run.pushed += 1
    _remove(ctx, link)


def _series(ctx: SyncContext, link: EventLink, policy: str, done: set[str]) -> None:
    """ "All events in the series": the series written once, then this copy settled."""
    event = link.event
    deleting = event.deleted_at is not None
    draft = None if deleting else draft_of(ctx, event)
    action = "delete" if deleting else "update"
    try:
        gone = write_series(ctx, link, draft, notify(ctx, event, policy, action), done)
    except ItemRejected as exc:
        _rejected(ctx, event, link, exc)
        return
    if gone:
        _remove(ctx, link)
    else:
        link.synced_version = event.version
        link.rejected_version = None


def _refetch_and_judge(ctx: SyncContext, link: EventLink) -> bool:
    """After a 412: bring the provider's copy in through the inbound path, which judges the
    conflict. True when the CRM's side won and should be pushed again (with the new etag)."""
    remote = ctx.provider.get_event(link.external_id)
    if remote is None or remote.cancelled:
        note_lost(ctx, link.event, link, "deleted in the calendar; the CRM's change was dropped")
        ctx.run.deleted += drop_links(ctx, [link.external_id])
        return False
    apply_events(ctx, ChangeSet(items=(remote,)))
    ctx.session.flush()
    return link in ctx.session and link.event is not None and pending_edit(link)


# ----- bookkeeping --------------------------------------------------------------------------
def _in_step(ctx: SyncContext, link: EventLink, remote: RemoteEvent) -> None:
    link.external_id = remote.external_id
    link.calendar_id = remote.calendar_id
    link.etag = remote.etag
    link.remote_updated_at = naive_utc(remote.updated) if remote.updated else None
    link.series_external_id = remote.recurring_event_id
    link.synced_version = link.event.version
    link.rejected_version = None
    # seen_at stays: a push is not a listing (a new copy's None asks _confirm_pushed).


def _rejected(ctx: SyncContext, event: CalendarEvent, link: EventLink, exc: ItemRejected) -> None:
    link.rejected_version = event.version
    ctx.session.add(
        SyncProblem(
            linked_account_id=ctx.account.id,
            run_id=ctx.run.id,
            direction="outbound",
            item_kind="event",
            external_id=link.external_id,
            event_id=event.id,
            message=str(exc)[:2000],
            detail=exc.detail,
        )
    )
    ctx.run.problems += 1


def _remove(ctx: SyncContext, link: EventLink) -> None:
    """Drop this copy; a meeting the CRM deleted goes once no calendar holds it."""
    event = link.event
    event.links.remove(link)
    ctx.session.delete(link)
    if not event.links:
        ctx.session.delete(event)
        ctx.run.deleted += 1
    ctx.session.flush()


def _drop_tombstones(ctx: SyncContext) -> None:
    """Meetings the CRM deleted that no calendar holds any more (never pushed, or pushed
    and deleted from every calendar)."""
    linked = exists().where(EventLink.event_id == CalendarEvent.id)
    for event in ctx.session.scalars(
        select(CalendarEvent).where(
            CalendarEvent.owner_user_id == ctx.account.user_id,
            CalendarEvent.deleted_at.is_not(None),
            ~linked,
        )
    ):
        ctx.session.delete(event)


def _uid_taken(ctx: SyncContext, remote: RemoteEvent) -> bool:
    with ctx.session.no_autoflush:
        return (
            ctx.session.scalar(
                select(CalendarEvent.id).where(
                    CalendarEvent.ical_uid == remote.ical_uid, CalendarEvent.instance_key == ""
                )
            )
            is not None
        )


def _same(remote: RemoteEvent, draft: EventDraft) -> bool:
    """Does an adopted copy already say what the draft says (then no patch is needed)?"""
    if (remote.title or "", remote.description or "", remote.location or "") != (
        draft.title,
        draft.description or "",
        draft.location or "",
    ):
        return False
    if remote.all_day != draft.all_day:
        return False
    if draft.all_day:
        times_match = (remote.start, remote.end) == (draft.start, draft.end)
    else:
        times_match = (naive_utc(remote.start), naive_utc(remote.end)) == (
            naive_utc(draft.start),
            naive_utc(draft.end),
        )
    guests = sorted(normalize_email(p.email) for p in remote.attendees)
    return times_match and guests == sorted(normalize_email(p.email) for p in draft.attendees)
