"""Windows time zone ids (what EWS and Graph speak) -> IANA names, with the CLDR windowsZones
table as tzlocal maintains it. Shared by the Exchange and Microsoft 365 adapters."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

from ..errors import ItemRejected

UTC_IDS = {"UTC", "Coordinated Universal Time", "tzone://Microsoft/Utc"}


def iana_zone(windows_id: str | None, external_id: str | None = None) -> str | None:
    """The IANA zone of a Windows zone id (None when the item names none).

    :raises ItemRejected: an id no table knows; that item cannot be placed on its dates.
    """
    if not windows_id:
        return None
    if windows_id in UTC_IDS:
        return "UTC"
    iana = win_tz.get(windows_id)
    if iana is None and "/" in windows_id:  # some servers answer an IANA name already
        try:
            ZoneInfo(windows_id)
            iana = windows_id
        except (ZoneInfoNotFoundError, ValueError):
            iana = None
    if iana is None:
        raise ItemRejected(f"Unknown time zone {windows_id!r}", external_id)
    return iana
