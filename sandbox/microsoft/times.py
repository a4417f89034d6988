"""Graph's dateTimeTimeZone: a local dateTime with seven fractional digits plus a separate
timeZone (Windows or IANA name), and the ``Z`` timestamps of created/lastModified."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

from .errors import GraphError


def zone(name: str | None) -> ZoneInfo:
    """A Windows ("Pacific Standard Time") or IANA ("Europe/Paris") zone; UTC when empty."""
    if not name or name.upper() in ("UTC", "Z", "GMT"):
        return ZoneInfo("UTC")
    iana = MS_TIMEZONE_TO_IANA_MAP.get(name, name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        raise GraphError(
            400,
            f"A valid TimeZone value must be specified. The following TimeZone value is "
            f"not supported: '{name}'.",
            "TimeZoneNotSupportedException",
        ) from None


def parse_dtz(value: dict | None, field: str) -> datetime:
    """``{"dateTime", "timeZone"}`` -> an aware UTC datetime."""
    if not isinstance(value, dict) or not value.get("dateTime"):
        raise GraphError(400, f"{field}: dateTime is required.", "ErrorInvalidRequest")
    if not value.get("timeZone"):  # Graph never assumes UTC for a dateTimeTimeZone
        raise GraphError(
            400,
            "A valid TimeZone value must be specified. The following TimeZone value is "
            "not supported: ''.",
            "TimeZoneNotSupportedException",
        )
    text = value["dateTime"].rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise GraphError(
            400,
            f"Cannot convert the literal '{value['dateTime']}' to the "
            "expected type 'Edm.DateTime'.",
            "BadRequest",
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(value.get("timeZone")))
    return local.astimezone(UTC)


def parse_instant(text: str, field: str) -> datetime:
    """A query parameter like startDateTime=2026-12-01T00:00:00Z (no zone = UTC)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise GraphError(
            400, f"The value '{text}' of parameter '{field}' is invalid.", "ErrorInvalidParameter"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def dtz(value: datetime, tz_name: str | None) -> dict:
    """An aware datetime as Graph writes it, in the Prefer: outlook.timezone zone."""
    local = value.astimezone(zone(tz_name)).replace(tzinfo=None)
    return {
        "dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}0",
        "timeZone": tz_name or "UTC",
    }


def stamp(ts: float) -> str:
    """created/lastModifiedDateTime: UTC with seven fractional digits and Z."""
    value = datetime.fromtimestamp(ts, UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond:06d}0Z"
