"""Windows time zone ids <-> IANA zones, from the CLDR windowsZones table as tzlocal ships
and maintains it (not exchangelib's own copy: a stand-in checked with its client's mapping
could not catch that mapping's errors)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tzlocal.windows_tz import tz_win, win_tz

from .errors import EwsError


def zone(windows_id: str | None) -> ZoneInfo | None:
    if not windows_id:
        return None
    if windows_id in ("UTC", "Coordinated Universal Time"):
        return ZoneInfo("UTC")
    iana = win_tz.get(windows_id)
    if iana is None:
        raise EwsError("ErrorCalendarInvalidTimeZone", f"The time zone {windows_id!r} is invalid.")
    return ZoneInfo(iana)


def windows_id(iana: str) -> str:
    if iana in ("UTC", "Etc/UTC"):
        return "UTC"
    return tz_win.get(iana, "UTC")
