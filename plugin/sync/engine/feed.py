"""The paging loop every feed shares: full or incremental, resumable, 410-safe.

Each page's changes and the page token (or, on the last page, the new cursor) are committed
together, so a crash resumes from the last committed page with nothing lost or doubled.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select

from ...models import SyncCursor, utcnow
from .. import grants
from ..errors import ScopeMissing, SyncError, SyncTokenInvalid, WindowMoved
from ..providers.base import ChangeSet, Window
from .context import SyncContext


@dataclass(frozen=True)
class Feed:
    """One stream of changes: how to fetch a page, apply it, and drop what a full sync missed.

    `known`, when set, tells the provider what this account holds already (its fetch then
    takes known=): for mail, which listed ids, so an adapter that downloads items one by one
    can skip them; for the calendar, which occurrences of a series (base.KnownOccurrences)."""

    name: str
    kind: str  # SyncProblem.item_kind
    fetch: Callable[..., ChangeSet]
    apply: Callable[[SyncContext, ChangeSet], None]
    purge_unseen: Callable[[SyncContext, object, Window], int]
    known: Callable[[SyncContext, Sequence[str]], Collection[str]] | None = None

    def page(self, ctx: SyncContext, cursor, page_token, window: Window) -> ChangeSet:
        if self.known is None:
            return self.fetch(cursor, page_token, window)
        return self.fetch(cursor, page_token, window, known=partial(self.known, ctx))


def cursor_row(ctx: SyncContext, feed: str) -> SyncCursor:
    s = ctx.session
    row = s.scalar(
        select(SyncCursor).where(
            SyncCursor.linked_account_id == ctx.account.id, SyncCursor.feed == feed
        )
    )
    if row is None:
        row = SyncCursor(linked_account_id=ctx.account.id, feed=feed)
        s.add(row)
    return row


def run_feed(ctx: SyncContext, feed: Feed) -> None:
    """Page through one feed until the provider hands out a new cursor."""
    cur = cursor_row(ctx, feed.name)
    resynced = False
    ctx.progress = 0
    while True:
        full = cur.cursor is None
        if full and cur.full_sync_started_at is None:
            cur.full_sync_started_at = utcnow()
            cur.page_token = None
        if full:
            ctx.run.full_sync = True
        window = ctx.window(cur.full_sync_started_at or utcnow())
        try:
            page = feed.page(ctx, cur.cursor, cur.page_token, window)
        except SyncTokenInvalid as exc:
            if resynced or full:
                raise SyncError(f"{feed.name}: the provider refused a full listing") from exc
            # Bounded full resync: start over in the window; unseen rows go at the end.
            resynced = True
            note = "window moved" if isinstance(exc, WindowMoved) else "cursor expired"
            ctx.run.log = (ctx.run.log or []) + [{"feed": feed.name, "note": note}]
            cur.cursor = None
            cur.page_token = None
            cur.full_sync_started_at = None
            continue
        except ScopeMissing as exc:
            scope_missing(ctx, feed.name, exc)
            return
        # Listed but not downloaded (unchanged_ids) is not fetched.
        ctx.run.fetched += len(page.items) + len(page.deleted_ids) + len(page.rejected)
        for rejected in page.rejected:
            ctx.problem(feed.kind, rejected.external_id, rejected.message, rejected.detail)
        ctx.listing_since = cur.full_sync_started_at if full else None
        feed.apply(ctx, page)
        # A full listing's page moves it forward; an incremental one, when it brought changes.
        moved = full or bool(page.items or page.deleted_ids or page.rejected)
        if page.stopped is not None:
            # Throttled part-way: keep what came, come back to this page (cursor unchanged).
            cur.page_token = page.next_page_token
            _commit_page(ctx, moved)
            raise page.stopped
        if page.next_page_token:
            cur.page_token = page.next_page_token
            _commit_page(ctx, moved)
            continue
        if full:
            ctx.run.deleted += feed.purge_unseen(ctx, cur.full_sync_started_at, window)
        cur.cursor = page.next_cursor
        cur.page_token = None
        cur.full_sync_started_at = None
        _commit_page(ctx, moved)
        return


def scope_missing(ctx: SyncContext, feed: str, exc: ScopeMissing) -> None:
    """The grant lacks this feed's scope: mark the feed as needing permission (it is skipped
    from now on, until a re-link grants it), note it on the run, and let the run go on with
    the other feeds."""
    grants.scope_refused(ctx.account, feed)
    label = grants.FEED_LABELS.get(feed, feed)
    ctx.run.log = (ctx.run.log or []) + [{"feed": feed, "note": f"{label} needs permission: {exc}"}]
    ctx.checkpoint()


def _commit_page(ctx: SyncContext, moved: bool) -> None:
    """Commit a page with its cursor or page token, counted on the run."""
    ctx.run.pages = (ctx.run.pages or 0) + 1
    ctx.checkpoint()
    if moved:
        ctx.progress += 1
