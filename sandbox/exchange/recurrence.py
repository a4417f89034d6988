"""Exchange's recurrence model: a master with a pattern and a range, expanded in the
series' own zone (wall clock kept over DST); occurrences are numbered from 1
(InstanceIndex) over the whole series, so deleting one never renumbers the others.
Modified occurrences (exceptions) and deleted ones are kept on the master."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule
from lxml import etree

from . import ids, timezones
from .errors import EwsError, schema_error
from .xml import el, format_dt, local, sub, t

DAYS = {
    "Monday": rrule.MO,
    "Tuesday": rrule.TU,
    "Wednesday": rrule.WE,
    "Thursday": rrule.TH,
    "Friday": rrule.FR,
    "Saturday": rrule.SA,
    "Sunday": rrule.SU,
}
WEEKDAY_GROUPS = {
    "Day": list(DAYS.values()),
    "Weekday": [rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR],
    "WeekendDay": [rrule.SA, rrule.SU],
}
INDEX = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
    )
}
MAX_OCCURRENCES = 5000


def _int(elem: etree._Element, name: str, lo: int, hi: int) -> int:
    text = elem.findtext(t(name))
    try:
        value = int(text or "")
    except ValueError as exc:
        raise schema_error(f"The element '{name}' has an invalid value '{text}'.") from exc
    if not lo <= value <= hi:
        raise schema_error(f"The value '{value}' of '{name}' is out of range.")
    return value


def _days(elem: etree._Element) -> list:
    names = (elem.findtext(t("DaysOfWeek")) or "").split()
    out = []
    for name in names:
        if name in DAYS:
            out.append(DAYS[name])
        elif name in WEEKDAY_GROUPS:
            out.extend(WEEKDAY_GROUPS[name])
        else:
            raise schema_error(f"The value '{name}' is invalid for DaysOfWeek.")
    if not out:
        raise schema_error("DaysOfWeek is required.")
    return out


def _date(text: str | None) -> date:
    value = (text or "").strip()[:10]
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise schema_error(
            f"The value '{text}' is invalid according to its datatype 'date'"
        ) from exc


def parse_recurrence(elem: etree._Element) -> dict:
    """Pattern and range of a t:Recurrence as rrule keywords; schema errors as Exchange."""
    if len(elem) != 2:
        raise schema_error("Recurrence needs one pattern and one range.")
    pattern, rng = elem[0], elem[1]
    kind = local(pattern)
    kw: dict = {}
    if kind == "DailyRecurrence":
        kw = {"freq": rrule.DAILY, "interval": _int(pattern, "Interval", 1, 999)}
    elif kind == "WeeklyRecurrence":
        kw = {
            "freq": rrule.WEEKLY,
            "interval": _int(pattern, "Interval", 1, 99),
            "byweekday": _days(pattern),
        }
        first = pattern.findtext(t("FirstDayOfWeek"))
        if first:
            if first not in DAYS:
                raise schema_error(f"The value '{first}' is invalid for FirstDayOfWeek.")
            kw["wkst"] = DAYS[first]
    elif kind == "AbsoluteMonthlyRecurrence":
        kw = {
            "freq": rrule.MONTHLY,
            "interval": _int(pattern, "Interval", 1, 99),
            "bymonthday": _int(pattern, "DayOfMonth", 1, 31),
        }
    elif kind == "RelativeMonthlyRecurrence":
        idx = pattern.findtext(t("DayOfWeekIndex"))
        if idx not in INDEX:
            raise schema_error(f"The value '{idx}' is invalid for DayOfWeekIndex.")
        kw = {
            "freq": rrule.MONTHLY,
            "interval": _int(pattern, "Interval", 1, 99),
            "byweekday": _days(pattern),
            "bysetpos": INDEX[idx],
        }
    elif kind in ("AbsoluteYearlyRecurrence", "RelativeYearlyRecurrence"):
        month = pattern.findtext(t("Month"))
        if month not in MONTHS:
            raise schema_error(f"The value '{month}' is invalid for Month.")
        kw = {"freq": rrule.YEARLY, "bymonth": MONTHS[month]}
        if kind == "AbsoluteYearlyRecurrence":
            kw["bymonthday"] = _int(pattern, "DayOfMonth", 1, 31)
        else:
            idx = pattern.findtext(t("DayOfWeekIndex"))
            if idx not in INDEX:
                raise schema_error(f"The value '{idx}' is invalid for DayOfWeekIndex.")
            kw["byweekday"], kw["bysetpos"] = _days(pattern), INDEX[idx]
    else:
        raise schema_error(f"The element '{kind}' is not a recurrence pattern.")
    range_kind = local(rng)
    start = _date(rng.findtext(t("StartDate")))
    out = {"rule": kw, "start_date": start}
    if range_kind == "EndDateRecurrence":
        end = _date(rng.findtext(t("EndDate")))
        if end < start:
            raise EwsError(
                "ErrorCalendarInvalidRecurrence",
                "The recurrence end date is before its start date.",
            )
        out["end_date"] = end
    elif range_kind == "NumberedRecurrence":
        out["count"] = _int(rng, "NumberOfOccurrences", 1, 999)
    elif range_kind != "NoEndRecurrence":
        raise schema_error(f"The element '{range_kind}' is not a recurrence range.")
    return out


def _zone(item) -> ZoneInfo:
    return timezones.zone(item.data.get("start_tz")) or ZoneInfo("UTC")


def series(item, until: datetime | None = None) -> list[tuple[int, datetime, datetime]]:
    """(InstanceIndex, start, end) of every occurrence as the pattern makes it (UTC),
    deleted ones included, up to ``until``."""
    rec = parse_recurrence(etree.fromstring(item.data["recurrence"]))
    zone = _zone(item)
    local_start = item.data["start"].astimezone(zone)
    duration = item.data["end"] - item.data["start"]
    dtstart = datetime.combine(rec["start_date"], local_start.time().replace(tzinfo=None))
    kw = dict(rec["rule"])
    if "count" in rec:
        kw["count"] = rec["count"]
    if "end_date" in rec:
        kw["until"] = datetime.combine(rec["end_date"], time(23, 59, 59))
    out = []
    for n, wall in enumerate(rrule.rrule(dtstart=dtstart, **kw), start=1):
        start = wall.replace(tzinfo=zone).astimezone(UTC)
        if (until is not None and start >= until) or n > MAX_OCCURRENCES:
            break
        out.append((n, start, start + duration))
    return out


def occurrence(item, index: int) -> dict | None:
    """One occurrence (or exception) by InstanceIndex; None when deleted or out of range."""
    if index in item.data.get("deleted", set()):
        return None
    exc = item.data.get("exceptions", {}).get(index)
    for n, start, end in series(item, None if not _no_end(item) else _horizon(item, index)):
        if n == index:
            return _occ(n, start, end, exc)
    return None


def check_span(item) -> None:
    """Exchange refuses a series whose occurrences are longer than the shortest gap between
    two of its occurrence starts (the pattern's period): ErrorOccurrenceTimeSpanTooBig."""
    starts = [start for _, start, _ in series(item)[:60]]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    if gaps and item.data["end"] - item.data["start"] > min(gaps):
        raise EwsError(
            "ErrorOccurrenceTimeSpanTooBig",
            "The duration of an occurrence is longer than the recurrence pattern allows.",
        )


def check_move(item, index: int, start: datetime, end: datetime) -> None:
    """A modified occurrence must stay between its neighbours (the previous and next
    occurrences still in the series, moved ones where they were moved to): its local date
    strictly after the previous one's and before the next one's, without overlapping either.
    Otherwise Exchange answers ErrorOccurrenceCrossingBoundary."""
    deleted = item.data.get("deleted", set())
    exceptions = item.data.get("exceptions", {})
    horizon = max(end, item.data["start"]) + timedelta(days=800)
    others = [
        _occ(n, s, e, exceptions.get(n))
        for n, s, e in series(item, horizon)
        if n != index and n not in deleted
    ]
    before = [o for o in others if o["index"] < index]
    after = [o for o in others if o["index"] > index]
    zone = _zone(item)
    day = start.astimezone(zone).date()
    crossing = False
    if before:
        prev = before[-1]
        crossing |= prev["start"].astimezone(zone).date() >= day or prev["end"] > start
    if after:
        nxt = after[0]
        crossing |= nxt["start"].astimezone(zone).date() <= day or nxt["start"] < end
    if crossing:
        raise EwsError(
            "ErrorOccurrenceCrossingBoundary",
            "Modified occurrence is crossing or overlapping adjacent occurrence.",
        )


def _no_end(item) -> bool:
    rec = parse_recurrence(etree.fromstring(item.data["recurrence"]))
    return "count" not in rec and "end_date" not in rec


def _horizon(item, index: int) -> datetime:
    # No-end series: index n lies at most n pattern periods (<= 1 year each) ahead.
    return item.data["start"] + timedelta(days=366 * (index + 1))


def _occ(n: int, start: datetime, end: datetime, exc: dict | None) -> dict:
    occ = {"index": n, "start": start, "end": end, "original_start": start}
    if exc:
        occ.update(
            {
                "start": exc["start"],
                "end": exc["end"],
                "exception": True,
                "fields": exc.get("fields", {}),
                "change_key": exc.get("change_key"),
            }
        )
    return occ


def expand(item, window_start: datetime, window_end: datetime) -> list[dict]:
    """Occurrences and exceptions overlapping the window, deleted ones left out."""
    deleted = item.data.get("deleted", set())
    exceptions = item.data.get("exceptions", {})
    horizon = window_end + timedelta(days=1)
    for exc in exceptions.values():
        horizon = max(horizon, exc["start"] + timedelta(days=1))
    out = []
    for n, start, end in series(item, horizon + timedelta(days=400)):
        if n in deleted:
            continue
        occ = _occ(n, start, end, exceptions.get(n))
        if occ["start"] < window_end and occ["end"] > window_start:
            out.append(occ)
    return sorted(out, key=lambda o: o["start"])


def master_values(ctx, item) -> dict:
    """Recurrence, First/LastOccurrence, Modified/DeletedOccurrences of a master."""
    box = ctx.mailbox
    v = {"Recurrence": etree.fromstring(item.data["recurrence"])}
    all_occ = series(item, None if not _no_end(item) else item.data["start"] + timedelta(days=3650))
    deleted = item.data.get("deleted", set())
    exceptions = item.data.get("exceptions", {})
    live = [o for o in all_occ if o[0] not in deleted]

    def occ_el(tag: str, n: int, start: datetime, end: datetime, original: datetime):
        e = el(t(tag))
        sub(
            e,
            t("ItemId"),
            None,
            {
                "Id": ids.encode(ids.OCCURRENCE, box.number, item.key, n),
                "ChangeKey": item.change_key,
            },
        )
        sub(e, t("Start"), format_dt(start))
        sub(e, t("End"), format_dt(end))
        sub(e, t("OriginalStart"), format_dt(original))
        return e

    if live:
        first, last = live[0], live[-1]
        f_exc, l_exc = exceptions.get(first[0]), exceptions.get(last[0])
        v["FirstOccurrence"] = occ_el(
            "FirstOccurrence",
            first[0],
            (f_exc or {}).get("start", first[1]),
            (f_exc or {}).get("end", first[2]),
            first[1],
        )
        if not _no_end(item):
            v["LastOccurrence"] = occ_el(
                "LastOccurrence",
                last[0],
                (l_exc or {}).get("start", last[1]),
                (l_exc or {}).get("end", last[2]),
                last[1],
            )
    originals = {n: (s, e) for n, s, e in all_occ}
    if exceptions:
        mod = el(t("ModifiedOccurrences"))
        for n in sorted(exceptions):
            exc = exceptions[n]
            mod.append(occ_el("Occurrence", n, exc["start"], exc["end"], originals[n][0]))
        v["ModifiedOccurrences"] = mod
    if deleted:
        dele = el(t("DeletedOccurrences"))
        for n in sorted(deleted):
            if n in originals:
                d = sub(dele, t("DeletedOccurrence"))
                sub(d, t("Start"), format_dt(originals[n][0]))
        v["DeletedOccurrences"] = dele
    return v
