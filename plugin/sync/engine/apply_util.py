"""Helpers the event and email appliers share: chunked IN lookups, per-item isolation."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from .. import value_lists
from .context import SyncContext

log = logging.getLogger(__name__)

CHUNK = 500


def chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def naive_utc(value: datetime | date) -> datetime:
    """Naive UTC for the datetime columns; a date is its own UTC midnight (all-day)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)


def isolated(
    ctx: SyncContext,
    kind: str,
    pairs: list,
    apply: Callable[[list], None],
    external_id: Callable[[object], str],
) -> None:
    """Apply a page in one savepoint; if the database refuses it, apply item by item so one
    bad item becomes a SyncProblem and the rest land. A unique clash with another worker
    storing the same meeting at the same moment is retried once (the row is there then)."""
    s = ctx.session
    try:
        with s.begin_nested():
            apply(pairs)
        return
    except DBAPIError:
        pass
    for pair in pairs:
        for attempt in (1, 2):
            try:
                with s.begin_nested():
                    apply([pair])
                break
            except IntegrityError as exc:
                if attempt == 2:
                    _refused(ctx, kind, external_id(pair), exc, "it clashes with a stored row")
            except DBAPIError as exc:
                _refused(ctx, kind, external_id(pair), exc, "a value does not fit its column")
                break


def _refused(ctx: SyncContext, kind: str, ext_id: str, exc: DBAPIError, why: str) -> None:
    """Record a refused item in words; the driver's own text (SQL, values) goes to the log
    only, since problems are shown on screens."""
    log.warning("%s %s refused by the database: %s", kind, ext_id, exc.orig)
    ctx.problem(kind, ext_id, "The database refused it", f"Not stored: {why}.")


def apply_page(
    ctx: SyncContext,
    kind: str,
    page,
    to_item: Callable,
    drop: Callable,
    store: Callable,
) -> None:
    """The shape every feed's page takes: deletions first, then one matching batch for the
    page's items, stored together (one bad item becomes a problem, not a failed page)."""
    if page.deleted_ids:
        ctx.run.deleted += drop(ctx, page.deleted_ids)
    if not page.items:
        return
    results = ctx.matcher().match_many([to_item(ctx, item) for item in page.items])
    pairs = list(zip(page.items, results, strict=True))
    isolated(ctx, kind, pairs, lambda batch: store(ctx, batch), lambda p: p[0].external_id)


def drop_copies(session, links: list, parent: str) -> int:
    """Remove these copies (EventLink / EmailLink); a meeting or email that no other calendar
    or mailbox holds, and no user kept at an unlink, goes with them. Returns how many went."""
    removed = 0
    for link in links:
        owner = getattr(link, parent)
        owner.links.remove(link)
        session.delete(link)
        if not owner.links and not owner.kept_by:
            session.delete(owner)
            removed += 1
    session.flush()
    return removed


def insert_keyed(session, table: Table, rows: list[dict], key: tuple[str, ...]) -> dict:
    """Insert rows (new natural keys, unique in `table`) and return {key values: id}.

    SQLite batches INSERT ... RETURNING cheaply. psycopg parses a many-row RETURNING
    statement afresh for every batch (too long for its query cache), which made it the
    slowest step of a page on PostgreSQL; there a plain executemany (pipelined) and one
    indexed select of the ids by key is a quarter of the time. Either way the ids come back
    by key, not by parameter order. The insert succeeded, so every row with these keys is
    one of ours."""
    columns = [table.c[name] for name in key]
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        made = session.execute(insert(table).returning(table.c.id, *columns), rows)
        return {tuple(values): id_ for id_, *values in made}
    session.execute(insert(table), rows)
    # Every key column restricted (iCalUID alone would read every stored occurrence of a
    # series); the cross product of the columns' values may name a few rows not inserted
    # here, which the check against `wanted` leaves out.
    statement = select(table.c.id, *columns)
    for i, column in enumerate(columns):
        statement = value_lists.restrict(statement, column, dialect, f"k{i}")
    native = value_lists.supports(dialect)
    wanted = sorted({tuple(row[name] for name in key) for row in rows})
    size = value_lists.CHUNK if native else value_lists.IN_CHUNK
    found: dict = {}
    for part in chunks(wanted, size):
        params = {}
        for i in range(len(columns)):
            values = sorted({k[i] for k in part})
            params[f"k{i}"] = value_lists.bind(dialect, values) if native else values
        chosen = set(part)
        for id_, *values in session.execute(statement, params):
            if tuple(values) in chosen:
                found[tuple(values)] = id_
    return found
