"""events.list and events.instances: filters, paging, and sync tokens.

Page tokens and sync tokens are signed cursors. A page token is bound to the query that
produced it (a different query is 400); a sync token records the calendar's change position,
the ``singleEvents`` shape and the calendar's token epoch (bumped by the invalidation knob,
which turns every older token into 410 fullSyncRequired).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict

from .calendar_model import Calendar, StoredEvent, render, render_cancelled
from .errors import ApiError, invalid
from .event_model import instant, matches_text, parse_rfc3339, response_zone, rfc3339
from .tokens import fingerprint

if TYPE_CHECKING:
    from .calendar_store import CalendarStore

DEFAULT_PAGE = 250
MAX_PAGE = 2500
NOT_WITH_SYNC = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)


def full_sync_required() -> ApiError:
    """Google's 410 for an expired, invalidated, corrupted or unknown sync token."""
    msg = "Sync token is no longer valid, a full sync is required."
    return ApiError(
        410,
        msg,
        "fullSyncRequired",
        domain="calendar",
        location="syncToken",
        location_type="parameter",
    )


def updated_min_too_long_ago() -> ApiError:
    return ApiError(
        410,
        "The requested minimum modification time lies too far in the past.",
        "updatedMinTooLongAgo",
        domain="calendar",
        location="updatedMin",
        location_type="parameter",
    )


def flag(args: MultiDict, name: str, default: bool = False) -> bool:
    value = args.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise invalid(f"Invalid value for: {name}")
    return value.lower() == "true"


def page_size(args: MultiDict, default: int = DEFAULT_PAGE) -> int:
    raw = args.get("maxResults")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise invalid(f"Invalid value '{raw}' for maxResults") from exc
    if value < 1:
        raise invalid(f"Invalid value '{raw}'. Values must be within the range: [1, {MAX_PAGE}]")
    return min(value, MAX_PAGE)


def _prop_filters(args: MultiDict, name: str) -> list[tuple[str, str]]:
    out = []
    for raw in args.getlist(name):
        key, sep, value = raw.partition("=")
        if not sep:
            raise invalid(f"Invalid value for: {name}")
        out.append((key, value))
    return out


class EventQuery:
    """One events.list (or events.instances) request against one calendar."""

    def __init__(self, store: CalendarStore, cal: Calendar, args: MultiDict):
        self.store, self.cal, self.args = store, cal, args
        self.codec = store.codec
        self.single = flag(args, "singleEvents")
        self.show_deleted = flag(args, "showDeleted")
        self.order_by = args.get("orderBy")
        if self.order_by not in (None, "startTime", "updated"):
            raise invalid("Invalid value for: orderBy")
        if self.order_by == "startTime" and not self.single:
            raise invalid("The requested ordering is not available for the particular query.")
        self.time_min = parse_rfc3339(args["timeMin"]) if args.get("timeMin") else None
        self.time_max = parse_rfc3339(args["timeMax"]) if args.get("timeMax") else None
        if self.time_min and self.time_max and self.time_max <= self.time_min:
            raise ApiError(
                400,
                "The specified time range is empty.",
                "timeRangeEmpty",
                domain="calendar",
                location="timeMax",
                location_type="parameter",
            )
        self.updated_min = parse_rfc3339(args["updatedMin"]) if args.get("updatedMin") else None
        self.terms = (args.get("q") or "").split()
        self.ical_uid = args.get("iCalUID")
        self.private = _prop_filters(args, "privateExtendedProperty")
        self.shared = _prop_filters(args, "sharedExtendedProperty")
        self.max_results = page_size(args)
        self.tz = response_zone(args)
        self.max_attendees = int(args["maxAttendees"]) if args.get("maxAttendees") else None
        self.since: int | None = None
        if args.get("syncToken"):
            used = [k for k in NOT_WITH_SYNC if k in args]
            if used:
                raise invalid(f"The syncToken parameter cannot be combined with {used[0]}.")
            self.since = self._read_sync_token(args["syncToken"])
        oldest = store.updated_min_max_age
        age = store.clock.time() - self.updated_min.timestamp() if self.updated_min else 0
        if oldest is not None and age > oldest:
            raise updated_min_too_long_ago()

    # ----- tokens ----------------------------------------------------------------------
    def _read_sync_token(self, token: str) -> int:
        data = self.codec.decode(token)
        if not data or data.get("k") != "sync" or data.get("c") != self.cal.id:
            raise full_sync_required()  # Google: corrupted or unknown tokens are 410 too
        if data.get("se") != self.single:
            raise invalid("The syncToken was issued for a different value of singleEvents.")
        ttl = self.store.sync_token_ttl
        now = self.store.clock.time()
        if data.get("e") != self.cal.epoch or data["s"] > self.cal.seq:
            raise full_sync_required()
        if ttl is not None and now - data.get("t", now) > ttl:
            raise full_sync_required()
        return int(data["s"])

    def sync_token(self, position: int) -> str:
        return self.codec.encode(
            {
                "k": "sync",
                "c": self.cal.id,
                "s": position,
                "e": self.cal.epoch,
                "se": self.single,
                "t": int(self.store.clock.time()),
            }
        )

    def _shape(self) -> str:
        shape = {
            k: sorted(self.args.getlist(k))
            for k in self.args
            if k
            not in ("pageToken", "maxResults", "alt", "prettyPrint", "fields", "key", "quotaUser")
        }
        shape["_cal"] = [self.cal.id]
        return fingerprint(shape)

    # ----- filters ---------------------------------------------------------------------
    def _in_window(self, ev: StoredEvent) -> bool:
        if ev.is_master and not self.single:
            if not (self.time_min or self.time_max):
                return True
            return bool(self.store.occurrences(self.cal, ev, self.time_min, self.time_max))
        zone = self.cal.time_zone  # an all-day date covers that day in the calendar's zone
        start, end = instant(ev.body["start"], zone), instant(ev.body["end"], zone)
        if self.time_max and start >= self.time_max:
            return False
        return not (self.time_min and end <= self.time_min and start < self.time_min)

    def _matches(self, ev: StoredEvent) -> bool:
        if self.updated_min and ev.updated < self.updated_min.timestamp():
            return False
        if self.ical_uid and ev.ical_uid != self.ical_uid:
            return False
        props = ev.body.get("extendedProperties", {})
        for scope, wanted in (("private", self.private), ("shared", self.shared)):
            have = props.get(scope, {})
            if any(have.get(k) != v for k, v in wanted):
                return False
        if self.terms and not matches_text(ev.body, self.cal.owner, self.terms):
            return False
        return self._in_window(ev)

    def _visible_cancelled(self, ev: StoredEvent) -> bool:
        if self.show_deleted:
            return True
        if self.updated_min and ev.updated >= self.updated_min.timestamp():
            return True
        if ev.recurring_event_id and not self.single:
            master = self.cal.events.get(ev.recurring_event_id)
            return master is not None and not master.cancelled
        return False

    # ----- candidates ------------------------------------------------------------------
    def full_items(self) -> list[StoredEvent]:
        out: list[StoredEvent] = []
        for ev in self.cal.events.values():
            if self.single and ev.recurring_event_id:
                continue  # reached through its master's expansion
            if self.single and ev.is_master:
                if ev.cancelled:
                    continue
                for inst in self.store.instances(self.cal, ev, self.time_min, self.time_max):
                    if inst.cancelled and not self._visible_cancelled(inst):
                        continue
                    if self._matches(inst):
                        out.append(inst)
                continue
            if ev.cancelled and not self._visible_cancelled(ev):
                continue
            if self._matches(ev):
                out.append(ev)
        return out

    def changed_items(self, since: int) -> list[StoredEvent | dict]:
        out: dict[str, StoredEvent | dict] = {}
        for ev in self.cal.events.values():
            if self.single and ev.is_master:
                if ev.seq > since and ev.cancelled:
                    out[ev.id] = ev
                elif ev.seq > since:
                    for inst in self.store.instances(self.cal, ev, None, None):
                        if inst.id not in self.cal.events or inst.seq > since:
                            out[inst.id] = inst
                for inst_id, (seq, original) in ev.removed.items():
                    if seq > since and inst_id not in out:
                        out[inst_id] = {
                            "id": inst_id,
                            "recurringEventId": ev.id,
                            "originalStart": original,
                            "etag": ev.etag,
                        }
            elif ev.seq > since:
                out.setdefault(ev.id, ev)
        return list(out.values())

    # ----- answer ----------------------------------------------------------------------
    def _key(self, item: StoredEvent | dict) -> list[Any]:
        if isinstance(item, dict):
            return [
                instant(item["originalStart"], self.cal.time_zone).isoformat(),
                item["id"],
            ]
        if self.order_by == "updated":
            return [item.updated, item.id]
        start = item.body.get("start") or item.original_start or {}
        when = instant(start, self.cal.time_zone).isoformat() if start else ""
        return [when, item.id]

    def _render(self, item: StoredEvent | dict) -> dict:
        if isinstance(item, dict):
            tomb = StoredEvent(
                id=item["id"],
                body={},
                created=0,
                updated=0,
                ical_uid="",
                creator="",
                etag=item["etag"],
                status="cancelled",
                recurring_event_id=item["recurringEventId"],
                original_start=item["originalStart"],
            )
            return render_cancelled(tomb, self.cal, self.tz)
        if item.cancelled and item.recurring_event_id:
            return render_cancelled(item, self.cal, self.tz)  # a cancelled exception: ids
        # A deleted event on its organizer's calendar (the only kind here) keeps its fields.
        out = render(self.cal, item, self.store.names(), self.tz)
        if self.max_attendees and len(out.get("attendees", [])) > self.max_attendees:
            out["attendees"] = [a for a in out["attendees"] if a.get("self")]
            out["attendeesOmitted"] = True
        return out

    def run(self, items_fn=None, sync: bool = True) -> dict:
        """One page of results, with nextPageToken or (last page) nextSyncToken."""
        cursor = None
        after_empty = False
        snapshot = self.cal.seq
        since = self.since
        if self.args.get("pageToken"):
            data = self.codec.decode(self.args["pageToken"])
            if not data or data.get("k") != "page" or data.get("fp") != self._shape():
                raise invalid(
                    "Invalid page token value.", location="pageToken", location_type="parameter"
                )
            cursor, snapshot, since = data["after"], data["snap"], data.get("since")
            after_empty = bool(data.get("e"))
        if items_fn is not None:
            items = items_fn()
        elif since is not None:
            items = self.changed_items(since)
        else:
            items = self.full_items()
        keyed = sorted(((self._key(i), i) for i in items), key=lambda p: p[0])
        if cursor is not None:
            keyed = [p for p in keyed if p[0] > cursor]
        page = keyed[: self.store.short_pages.take(len(keyed), self.max_results, after_empty)]
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"p{self.cal.last_etag}"',
            "summary": self.cal.summary,
            "description": self.cal.description,
            "updated": rfc3339(self.cal.updated),
            "timeZone": self.cal.time_zone,  # the calendar's, whatever the request asked
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
        }
        if len(keyed) > len(page):
            body["nextPageToken"] = self.codec.encode(
                {
                    "k": "page",
                    "fp": self._shape(),
                    "after": page[-1][0] if page else cursor,
                    "snap": snapshot,
                    "since": since,
                    "e": not page,
                }
            )
        elif sync:
            body["nextSyncToken"] = self.sync_token(snapshot)
        body["items"] = [self._render(i) for _, i in page]
        return body


def instances_of(store: CalendarStore, cal: Calendar, event_id: str, args: MultiDict) -> dict:
    """events.instances: the expanded series, bounded like events.list."""
    master = cal.events.get(event_id)
    if master is None:
        from .errors import not_found

        raise not_found()
    if master.cancelled:
        raise ApiError(410, "Resource has been deleted", "deleted")
    query = EventQuery(
        store, cal, MultiDict([(k, v) for k, v in args.items(multi=True) if k != "syncToken"])
    )
    query.single = True

    def items() -> list[StoredEvent]:
        if not master.is_master:
            return [master]
        found = store.instances(cal, master, query.time_min, query.time_max)
        original = args.get("originalStart")
        if original:
            at = parse_rfc3339(original)
            found = [i for i in found if i.original_start and instant(i.original_start) == at]
        return [i for i in found if not i.cancelled or query.show_deleted]

    return query.run(items, sync=False)


def as_datetime(value: str) -> datetime:
    return parse_rfc3339(value)
