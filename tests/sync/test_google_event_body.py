"""The event body the Google adapter writes stays inside Google's documented limits, so
nothing the plugin relies on is silently dropped or truncated (issue 19.7, 19.8)."""

from __future__ import annotations

from datetime import date, datetime

from plugin.sync.providers.base import EventDraft, Person
from plugin.sync.providers.google.calendar_write import event_body

# https://developers.google.com/calendar/api/guides/extended-properties (keys over 44
# characters are dropped, values over 1,024 characters truncated, silently)
KEY_MAX, VALUE_MAX = 44, 1024


def _draft(**kw) -> EventDraft:
    base = dict(
        crm_id="9" * 40,
        title="Demo",
        start=datetime(2024, 5, 1, 10),
        end=datetime(2024, 5, 1, 11),
        attendees=(Person("joe@globex.com"),),
    )
    return EventDraft(**{**base, **kw})


def test_extended_properties_fit_googles_limits():
    for draft in (_draft(), _draft(all_day=True, start=date(2024, 5, 1), end=date(2024, 5, 2))):
        props = event_body(draft)["extendedProperties"]
        for scope in props.values():
            for key, value in scope.items():
                assert len(key) <= KEY_MAX and len(value) <= VALUE_MAX
