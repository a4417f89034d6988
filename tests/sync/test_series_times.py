"""Where "All events" puts a series master: the wall-clock shift of the edited occurrence,
in the series' own zone, so a move made in summer keeps the winter master at the same local
hour (Berlin, across daylight saving), and an all-day series moves by whole days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from plugin.sync.providers.base import EventDraft
from plugin.sync.providers.series import moved_draft, moved_master

BERLIN = "Europe/Berlin"


def test_a_summer_move_keeps_the_winter_master_at_the_same_local_hour():
    master = datetime(2026, 1, 6, 8, tzinfo=UTC)  # 09:00 Berlin (CET)
    occurrence = datetime(2026, 7, 7, 7, tzinfo=UTC)  # 09:00 Berlin (CEST)
    # moved to 10:00-11:30 Berlin, as naive UTC
    draft = EventDraft("1", "x", datetime(2026, 7, 7, 8), datetime(2026, 7, 7, 9, 30))
    start, end = moved_master(master, occurrence, draft, BERLIN)
    assert (start, end) == (datetime(2026, 1, 6, 10), datetime(2026, 1, 6, 11, 30))
    moved = moved_draft(master, occurrence, draft, BERLIN)
    assert (moved.start, moved.timezone) == (datetime(2026, 1, 6, 9), BERLIN)


def test_an_all_day_series_moves_by_whole_days():
    draft = EventDraft("1", "x", date(2026, 3, 12), date(2026, 3, 14), all_day=True)
    start, end = moved_master(date(2026, 3, 3), date(2026, 3, 10), draft, BERLIN)
    assert (start, end) == (date(2026, 3, 5), date(2026, 3, 7))
