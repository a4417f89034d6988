"""Graph calendarView delta paging, series masters filled in once per run, and the mapping of
a Graph event to a RemoteEvent.

https://learn.microsoft.com/graph/api/event-delta and .../delta-query-events: the first
request names the window (startDateTime, endDateTime); every @odata.nextLink is a page,
the @odata.deltaLink ends the round and starts the next one; `@removed` entries are
deletions; 410 (syncStateNotFound, resyncRequired) means start over. Occurrences of a
series come *bare* (id, type, seriesMasterId, start, end): their subject, attendees and
iCalUId are the series master's, fetched once per series per run (`masters`).

Cursor and page token are our JSON around Graph's link: {"link", "start", "end"}, the window
the round was started with. Graph freezes that window into the token, so it never moves by
itself. The rule (DESIGN.md section 8) that moves it: an incremental run starts a bounded
full round in the current window (WindowMoved, which the engine handles as an expired
cursor, purging what the round did not see) when the window has moved forward by a quarter
of its future span since the token's round began (every window_future_days / 4 days), or
when the current window starts before the token's (a widened setting): so what lies ahead
is always covered at least three quarters of the future span out.

Times: Prefer outlook.timezone="UTC", so start/end come in UTC; another zone in the answer's
timeZone field is honoured all the same. All-day events keep their dates in the event's own
zone (originalStartTimeZone), whether Graph answers local midnight or the UTC instant.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ...errors import ItemGone, ItemRejected, SyncError, SyncTokenInvalid, WindowMoved
from ..base import ChangeSet, Person, Rejected, RemoteEvent, Window
from ..tagging import CRM_ID_PROPERTY
from ..zones import iana_zone
from .guests import GUESTS_PROPERTY_ID, merged, withheld
from .http import MicrosoftHttp

CALENDAR_ID = "calendar"
# The CRM id as a named string property in PS_PUBLIC_STRINGS: the property EWS writes as
# PublicStrings/crmSyncId (exchange/fields.py), so both adapters see one tag in one mailbox.
CRM_PROPERTY_ID = "String {00020329-0000-0000-C000-000000000046} Name " + CRM_ID_PROPERTY
# The CRM's two properties, as an event is read in full: its id and the guests it withheld.
EXPAND_TAGS = (
    "singleValueExtendedProperties($filter="
    f"id eq '{CRM_PROPERTY_ID}' or id eq '{GUESTS_PROPERTY_ID}')"
)
# What a create's transactionId is made of (calendar_write): "crmsync-" + the CRM id. The
# delta answers transactionId but no extended properties, so the echo of our own create is
# known by it there.
TRANSACTION_PREFIX = "crmsync-"
RESPONSES = {
    "accepted": "accepted",
    "organizer": "accepted",
    "declined": "declined",
    "tentativelyAccepted": "tentative",
    "none": "needsAction",
    "notResponded": "needsAction",
}
DELTA = "/me/calendarView/delta"


def transaction_id_for(crm_id: str) -> str:
    """The transactionId a create of the CRM event `crm_id` carries (stable across retries,
    so Graph answers the first copy instead of making a second)."""
    return TRANSACTION_PREFIX + crm_id


def prefer(http: MicrosoftHttp) -> dict:
    return {"Prefer": f'outlook.timezone="UTC", odata.maxpagesize={http.config.page_size}'}


def list_events(
    http: MicrosoftHttp,
    cursor: str | None,
    page_token: str | None,
    window: Window,
    masters: MutableMapping[str, dict | None],
    now: datetime | None = None,
) -> ChangeSet[RemoteEvent]:
    """One calendarView delta page: the first of a round in `window` when there is neither
    cursor nor page token. `masters` caches series masters by id for the run (None: gone).

    :raises WindowMoved: the cursor's window is due to move (see the module docstring).
    """
    if page_token:
        state = json.loads(page_token)
    elif cursor:
        state = json.loads(cursor)
        if window_due(state, window, now or datetime.now(UTC).replace(tzinfo=None)):
            raise WindowMoved("The calendar window moved forward: a full round follows")
    else:
        state = {"start": _stamp(window.start), "end": _stamp(window.end)}
    try:
        body = _page(http, state)
    except SyncTokenInvalid:
        if cursor or not page_token:
            raise
        # A full round's page link expired: start the round over (what came stays; the
        # round's end purges only what it did not see again).
        state = {"start": _stamp(window.start), "end": _stamp(window.end)}
        body = _page(http, {**state})
    items, deleted, rejected = _changes(http, body.get("value") or [], masters)
    window_of = {"start": state["start"], "end": state["end"]}
    nxt, delta = body.get("@odata.nextLink"), body.get("@odata.deltaLink")
    if not nxt and not delta:
        raise SyncError("Microsoft Graph ended a delta page without a next or delta link")
    return ChangeSet(
        items=tuple(items),
        deleted_ids=tuple(deleted),
        next_page_token=json.dumps({"link": nxt, **window_of}) if nxt else None,
        next_cursor=None if nxt else json.dumps({"link": delta, **window_of}),
        rejected=tuple(rejected),
    )


def window_due(state: dict, window: Window, now: datetime) -> bool:
    """Whether the round frozen in `state` must give way to a full round in `window`."""
    start, end = _parse_stamp(state["start"]), _parse_stamp(state["end"])
    future = max(window.end - now, timedelta(days=1))
    return window.end - end >= future / 4 or window.start < start


def _page(http: MicrosoftHttp, state: dict) -> dict:
    if state.get("link"):
        return http.get(state["link"], headers=prefer(http), sync_cursor=True)
    params = {"startDateTime": state["start"], "endDateTime": state["end"]}
    return http.get(DELTA, params, headers=prefer(http))


def _changes(http: MicrosoftHttp, values: list, masters: MutableMapping[str, dict | None]):
    items: list[RemoteEvent] = []
    deleted: list[str] = []
    rejected: list[Rejected] = []
    wanted = {
        v["seriesMasterId"]
        for v in values
        if v.get("seriesMasterId") and "@removed" not in v and v["seriesMasterId"] not in masters
    }
    fetch_masters(http, sorted(wanted), masters)
    values = read_withheld(http, values)
    for raw in values:
        ext_id = raw.get("id")
        if "@removed" in raw:
            if ext_id:
                deleted.append(ext_id)  # an event, an occurrence, or a whole series
            continue
        if raw.get("type") == "seriesMaster":
            masters[ext_id] = raw if "subject" in raw else masters.get(ext_id)
            continue  # calendarView lists occurrences; a master is only their details
        master = masters.get(raw["seriesMasterId"]) if raw.get("seriesMasterId") else None
        if raw.get("seriesMasterId") and master is None:
            deleted.append(ext_id)  # its series went between the listing and the fetch
            continue
        try:
            event = parse_event(raw, master)
        except ItemRejected as exc:
            rejected.append(Rejected(exc.external_id or ext_id, str(exc), exc.detail))
            continue
        if event.cancelled:
            deleted.append(event.external_id)
        else:
            items.append(event)
    return items, deleted, rejected


def fetch_masters(http: MicrosoftHttp, ids: list[str], masters: MutableMapping) -> None:
    """GET these series masters (with the CRM id property) into `masters`, in $batch
    requests; a master that is gone is cached as None. Throttled or failing, it raises: the
    page is asked again, whole, next time."""
    paths = [f"/me/events/{i}?$expand={EXPAND_TAGS}" for i in ids]
    for master_id, answer in zip(ids, http.batch_get(paths, prefer(http)), strict=True):
        if isinstance(answer, ItemGone):
            masters[master_id] = None
        elif isinstance(answer, SyncError):
            raise answer
        else:
            masters[master_id] = answer


def read_withheld(http: MicrosoftHttp, values: list) -> list:
    """The page with each event that may hold guests the CRM withheld (guests.py: made by
    the CRM, known by its transactionId; not an occurrence, whose master is read in full)
    read in full with its properties, in $batch requests; one gone since is left as listed
    (the next page or round says so)."""
    ids = [
        v["id"]
        for v in values
        if "@removed" not in v
        and v.get("id")
        and not v.get("seriesMasterId")
        and "subject" in v
        and "singleValueExtendedProperties" not in v
        and crm_id_of(v)
    ]
    if not ids:
        return values
    paths = [f"/me/events/{i}?$expand={EXPAND_TAGS}" for i in ids]
    full = {}
    for ext_id, answer in zip(ids, http.batch_get(paths, prefer(http)), strict=True):
        if isinstance(answer, SyncError) and not isinstance(answer, ItemGone):
            raise answer
        if isinstance(answer, dict):
            full[ext_id] = answer
    return [full.get(v.get("id"), v) if "@removed" not in v else v for v in values]


def parse_event(raw: dict, master: dict | None = None, calendar_id: str = CALENDAR_ID):
    """Map a Graph event (single, exception or occurrence, bare or full; `master` is its
    series master) to a RemoteEvent; anything unreadable raises ItemRejected for it only."""
    ext_id = raw.get("id")
    if not ext_id:
        raise ItemRejected("Event without an id")
    details = raw if "subject" in raw else (master or {})
    series = master or {}
    notes: list[str] = []
    zone_name = details.get("originalStartTimeZone") or series.get("originalStartTimeZone")
    zone = _zone(zone_name, ext_id, notes)
    all_day = bool(details.get("isAllDay", series.get("isAllDay", False)))
    try:
        start = _when(raw.get("start"))
        end = _when(raw.get("end"))
        original = instant(raw["originalStart"]) if raw.get("originalStart") else None
        modified = details.get("lastModifiedDateTime")
        updated = instant(modified) if modified else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ItemRejected(f"Unreadable event times: {exc}", ext_id) from exc
    if end < start:
        raise ItemRejected("Event ends before it starts", ext_id)
    recurring = raw.get("seriesMasterId")
    if recurring and original is None:
        original = start  # a bare occurrence sits at its original start
    if all_day:
        start, end = _day(start, zone), _day(end, zone)
        end = max(end, start + timedelta(days=1))
        original = _day(original, zone) if original is not None else None
    uid_source = series if recurring and series else details
    return RemoteEvent(
        external_id=ext_id,
        calendar_id=calendar_id,
        cancelled=bool(details.get("isCancelled")),
        ical_uid=uid_source.get("uid") or uid_source.get("iCalUId") or ext_id,
        etag=raw.get("@odata.etag") or raw.get("changeKey"),
        updated=updated,
        status="cancelled" if details.get("isCancelled") else "confirmed",
        title=details.get("subject") or "",
        description=(details.get("body") or {}).get("content") or None,
        location=((details.get("location") or {}).get("displayName") or None),
        start=start,
        end=end,
        all_day=all_day,
        timezone=zone,
        organizer=_person(details.get("organizer") or series.get("organizer") or {}),
        attendees=merged(
            tuple(
                p
                for p in (
                    _person(a, (a.get("status") or {}).get("response"))
                    for a in details.get("attendees") or []
                    if a.get("type") != "resource"
                )
                if p is not None
            ),
            withheld(details) or (withheld(series) if recurring else ()),
        ),
        recurring_event_id=recurring,
        original_start=original,
        crm_id=crm_id_of(details) or (crm_id_of(series) if recurring else None),
        notes=tuple(notes),
    )


def crm_id_of(raw: dict) -> str | None:
    """The CRM id tagged on an event: its extended property (when expanded), else the
    transactionId of a create the CRM made."""
    for prop in raw.get("singleValueExtendedProperties") or []:
        if str(prop.get("id", "")).lower() == CRM_PROPERTY_ID.lower() and prop.get("value"):
            return str(prop["value"])
    tx = raw.get("transactionId") or ""
    if tx.startswith(TRANSACTION_PREFIX) and len(tx) > len(TRANSACTION_PREFIX):
        return tx[len(TRANSACTION_PREFIX) :]
    return None


def _person(entry: dict, response: str | None = None) -> Person | None:
    addr = entry.get("emailAddress") or {}
    email = (addr.get("address") or "").strip()
    if not email:
        return None
    return Person(email, addr.get("name") or None, RESPONSES.get(response) if response else None)


def _zone(name: str | None, ext_id: str, notes: list[str]) -> str | None:
    """The event's IANA zone; a zone no table knows (a custom one) is noted, not fatal: the
    times themselves come as instants."""
    try:
        return iana_zone(name, ext_id)
    except ItemRejected:
        notes.append(f"Unknown time zone {name!r}; times kept in UTC")
        return None


def _when(value: dict | None) -> datetime:
    """Graph's dateTimeTimeZone (seven fractional digits, zone apart) as an aware datetime."""
    if not value or not value.get("dateTime"):
        raise ValueError("missing start or end")
    text = value["dateTime"].rstrip("Z")
    head, dot, frac = text.partition(".")
    local = datetime.fromisoformat(head + (dot + frac[:6] if dot else ""))
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(iana_zone(value.get("timeZone")) or "UTC"))
    return local


def _day(value: datetime, zone: str | None) -> date:
    """An all-day bound's date: local midnight as answered, else the instant in the event's
    zone (Graph answers the UTC instant of the zone's midnight under outlook.timezone)."""
    if value.time() == datetime.min.time():
        return value.date()
    return value.astimezone(ZoneInfo(zone or "UTC")).date()


def instant(text: str) -> datetime:
    """A Graph timestamp (Z or naive UTC, up to seven fractional digits), aware."""
    head, dot, frac = text.rstrip("Z").partition(".")
    value = datetime.fromisoformat(head + (dot + frac[:6] if dot else ""))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _stamp(naive_utc: datetime) -> str:
    return naive_utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
