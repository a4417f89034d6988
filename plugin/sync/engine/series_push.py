"""Outbound for "All events in the series": a CRM change the person made to a whole series
(CalendarEvent.series_version == version) is one write to the series master, not a patch of
each occurrence, which would make every one an exception and leave the series itself as it
was. The other occurrences' copies are in step once the master is written; the next
listing brings each occurrence as the provider now holds it (new etags, same times).
"""

from __future__ import annotations

from ...models import EventLink
from ..errors import ItemGone
from ..providers.base import EventDraft
from .context import SyncContext


def is_series_change(link: EventLink) -> bool:
    event = link.event
    return bool(
        link.series_external_id
        and event.series_version is not None
        and event.series_version == event.version
    )


def write_series(
    ctx: SyncContext, link: EventLink, draft: EventDraft | None, notify: bool, done: set[str]
) -> bool:
    """Write this occurrence's series once per run (`done` holds the series written): the
    draft to the master, or the series' deletion when `draft` is None. True when the series
    is gone there (deleted now or before).

    :raises ItemRejected: the provider refused the change.
    """
    series_id = link.series_external_id
    if series_id in done:
        return draft is None
    try:
        if draft is None:
            ctx.provider.delete_series(series_id, notify)
        else:
            ctx.provider.patch_series(series_id, link.external_id, draft, notify)
    except ItemGone:
        done.add(series_id)
        return True
    done.add(series_id)
    ctx.run.pushed += 1
    return draft is None
