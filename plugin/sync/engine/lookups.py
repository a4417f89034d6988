"""The appliers' per-page lookups by key, each a (query, key column) pair that value_lists
runs as one index probe per key. tests/sync/test_lookup_plans.py checks the plan of each."""

from __future__ import annotations

from sqlalchemy import func, select

from ...models import CalendarEvent, Email


def account_links(model, account_id: int, *columns):
    """An account's copies (EventLink / EmailLink), or these columns of them, by provider id."""
    query = select(*columns) if columns else select(model)
    return query.where(model.linked_account_id == account_id), model.external_id


def meetings_by_uid(*options):
    """Meetings by iCalUID (every occurrence of a series shares it)."""
    return select(CalendarEvent).options(*options), CalendarEvent.ical_uid


def emails_by_message_id():
    return select(Email), Email.message_id


def thread_starts():
    """The first date of each thread."""
    query = select(Email.thread_key, func.min(Email.sent_at)).group_by(Email.thread_key)
    return query, Email.thread_key
