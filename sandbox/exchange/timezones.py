"""Windows time zone ids <-> IANA zones, from the stand-in's own copy of the zones Exchange
lists (windows_zones), neither exchangelib's table nor tzlocal's CLDR one the CRM adapter
uses: a stand-in sharing its client's mapping could not catch that mapping's errors."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from .errors import EwsError
from .windows_zones import ZONES

ALIASES = {"Coordinated Universal Time": "UTC"}
_BY_IANA = {iana: win for win, (_, iana) in ZONES.items()} | {"Etc/UTC": "UTC"}


def zone(windows_id: str | None) -> ZoneInfo | None:
    """The zone of a Windows id; Exchange refuses an id it does not list."""
    if not windows_id:
        return None
    entry = ZONES.get(ALIASES.get(windows_id, windows_id))
    if entry is None:
        raise EwsError("ErrorCalendarInvalidTimeZone", f"The time zone {windows_id!r} is invalid.")
    return ZoneInfo(entry[1])


@cache
def windows_id(iana: str) -> str:
    """The Windows zone Outlook would pick for a clock set to ``iana``: the listed zone, or
    the first with the same offsets through two years.

    :raises ValueError: no listed Windows zone keeps that clock.
    """
    if iana in _BY_IANA:
        return _BY_IANA[iana]
    wanted = _offsets(iana)
    for win, (_, other) in ZONES.items():
        if _offsets(other) == wanted:
            return win
    raise ValueError(f"No Windows time zone keeps the clock of {iana!r}")


@cache
def _offsets(iana: str) -> tuple:
    tz = ZoneInfo(iana)
    year = datetime.now().year
    days = [
        datetime(y, m, d, 12, tzinfo=tz)
        for y in (year, year + 1)
        for m in range(1, 13)
        for d in (1, 15)
    ]
    return tuple(day.utcoffset() for day in days)
