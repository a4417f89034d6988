"""The last-writer-wins judgement of a meeting both sides changed, which the inbound path
(a page of changes, `events.py`) and the outbound path (a 412 on a push, `outbound.py`) both
make; and the run-log entries that record the losing side.
"""

from __future__ import annotations

from ...models import CalendarEvent, EventLink, utcnow
from ..providers.base import RemoteEvent
from .apply_util import naive_utc
from .context import SyncContext


def pending_edit(link: EventLink) -> bool:
    """The CRM changed the meeting (or deleted it) since this copy was last in step."""
    event = link.event
    if event.deleted_at is not None:
        return True
    return event.version > (link.synced_version or 0) and link.rejected_version != event.version


def judge_inbound(ctx: SyncContext, event: CalendarEvent, link: EventLink, remote) -> bool:
    """An incoming change to a copy the CRM also changed since the last push: last writer
    wins. True when the CRM's side wins (keep it, push it over the remote's new etag);
    False when the remote's side should be applied. The loser goes to the run's log."""
    if link.etag is None or not pending_edit(link):
        return False
    crm_time = event.deleted_at or event.updated_at
    remote_time = naive_utc(remote.updated) if remote.updated else None
    crm_wins = remote_time is None or crm_time >= remote_time
    deleted = event.deleted_at is not None
    log_entry(
        ctx,
        {
            "conflict": "event",
            "event_id": event.id,
            "external_id": link.external_id,
            "winner": "crm" if crm_wins else ctx.provider.name,
            "lost": _remote_summary(remote) if crm_wins else _crm_summary(event),
            "crm_change": "deleted" if deleted else "edited",
            "crm_at": crm_time.isoformat(),
            "remote_at": remote_time.isoformat() if remote_time else None,
        },
    )
    if crm_wins:
        link.etag = remote.etag
        link.remote_updated_at = remote_time
        link.seen_at = utcnow()
    else:
        event.deleted_at = None
        link.synced_version = event.version
    return crm_wins


def _crm_summary(event: CalendarEvent) -> dict:
    return {
        "side": "crm",
        "version": event.version,
        "title": event.title,
        "start": event.start_at.isoformat() if event.start_at else None,
        "end": event.end_at.isoformat() if event.end_at else None,
        "location": event.location,
        "deleted": event.deleted_at is not None,
    }


def _remote_summary(remote: RemoteEvent) -> dict:
    return {
        "side": "remote",
        "etag": remote.etag,
        "title": remote.title,
        "start": naive_utc(remote.start).isoformat() if remote.start else None,
        "end": naive_utc(remote.end).isoformat() if remote.end else None,
        "location": remote.location,
    }


def note_lost(ctx: SyncContext, event: CalendarEvent, link: EventLink, what: str) -> None:
    """The provider's side won without a contest (say, the copy was deleted there): the
    CRM's change is logged as lost, with ``what`` happened."""
    log_entry(
        ctx,
        {
            "conflict": "event",
            "event_id": event.id,
            "external_id": link.external_id,
            "winner": ctx.provider.name,
            "lost": _crm_summary(event),
            "note": what,
        },
    )


def log_entry(ctx: SyncContext, entry: dict) -> None:
    """Append one entry to the run's log (a new list, so the JSON column sees the change)."""
    ctx.run.log = (ctx.run.log or []) + [entry]
