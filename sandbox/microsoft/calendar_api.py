"""Calendar: ``/me/events`` (create with transactionId, get, instances, update with
If-Match, delete) and ``/me/calendarView/delta`` with its tokens."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from werkzeug.wrappers import Response

from .errors import GraphError
from .mailbox import Event, new_id, occurrence_id
from .routes import READ_CAL, WRITE_CAL, Ctx, route
from .subscriptions import notify
from .times import dtz, parse_dtz, parse_instant, stamp

EVENTS = r"/me(?:/calendar)?/events"
DELTA_PAGE = 10
DELTA_TOKEN_DAYS = 30  # a deltaLink unused this long answers 410 resyncRequired
FIELDS = (
    "subject",
    "body",
    "location",
    "locations",
    "attendees",
    "showAs",
    "importance",
    "sensitivity",
    "categories",
    "isReminderOn",
    "reminderMinutesBeforeStart",
    "responseRequested",
    "isOnlineMeeting",
    "allowNewTimeProposals",
    "hideAttendees",
)
READ_ONLY = (
    "id",
    "changeKey",
    "createdDateTime",
    "lastModifiedDateTime",
    "iCalUId",
    "seriesMasterId",
    "type",
    "organizer",
    "webLink",
    "@odata.etag",
)


def etag(key: str) -> str:
    return f'W/"{key}"'


# ----- serialization ---------------------------------------------------------------------
def event_json(ctx: Ctx, event: Event, desc: dict | None = None, expand: str | None = None):
    """The full event; an exception or occurrence of a series when ``desc`` says so."""
    tz = ctx.time_zone
    user = ctx.sb.state.users.get(ctx.mailbox.email)
    data = dict(event.data)
    kind, start, end, ident, key = event.kind, event.start, event.end, event.id, event.change_key
    master_id = None
    if desc and desc["kind"] in ("exception", "occurrence"):
        original = desc["original"]
        okey = original.isoformat()
        changes = event.exceptions.get(okey, {})
        data.update({k: v for k, v in changes.items() if not k.startswith("_")})
        kind, start, end = desc["kind"], desc["start"], desc["end"]
        ident, master_id = occurrence_id(event.id, original), event.id
        key = event.exception_keys.get(okey, event.change_key)
    body = data.get("body") or {"contentType": "text", "content": ""}
    # Graph's originalStart: when an occurrence or exception was first scheduled (UTC);
    # not returned for single instances and series masters.
    original_start = (
        desc["original"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if desc and desc["kind"] in ("exception", "occurrence")
        else None
    )
    out = {
        "@odata.etag": etag(key),
        "id": ident,
        "createdDateTime": stamp(event.created),
        "lastModifiedDateTime": stamp(event.modified),
        "changeKey": key,
        "categories": data.get("categories", []),
        "transactionId": event.transaction_id if kind != "occurrence" else None,
        "originalStartTimeZone": data.get("_start_tz", "UTC"),
        **({"originalStart": original_start} if original_start else {}),
        "originalEndTimeZone": data.get("_end_tz", "UTC"),
        "iCalUId": event.ical_uid,
        "uid": event.ical_uid,
        "reminderMinutesBeforeStart": data.get("reminderMinutesBeforeStart", 15),
        "isReminderOn": data.get("isReminderOn", True),
        "hasAttachments": False,
        "subject": data.get("subject", ""),
        "bodyPreview": re.sub(r"<[^>]+>", "", body.get("content", ""))[:255],
        "importance": data.get("importance", "normal"),
        "sensitivity": data.get("sensitivity", "normal"),
        "isAllDay": bool(data.get("isAllDay", False)),
        "isCancelled": False,
        "isOrganizer": True,
        "responseRequested": data.get("responseRequested", True),
        "seriesMasterId": master_id,
        "showAs": data.get("showAs", "busy"),
        "type": kind,
        "webLink": f"https://outlook.office365.com/owa/?itemid={ident}&exvsurl=1&path=/calendar/item",
        "isOnlineMeeting": data.get("isOnlineMeeting", False),
        "onlineMeetingUrl": None,
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "body": body,
        "start": dtz(start, tz),
        "end": dtz(end, tz),
        "location": data.get("location")
        or {
            "displayName": "",
            "locationType": "default",
            "uniqueIdType": "unknown",
            "address": {},
            "coordinates": {},
        },
        "locations": data.get("locations", []),
        "recurrence": event.recurrence if kind == "seriesMaster" else None,
        "attendees": [
            {
                "type": a.get("type", "required"),
                "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                "emailAddress": a.get("emailAddress", {}),
            }
            for a in data.get("attendees", [])
        ],
        "organizer": {
            "emailAddress": {"name": user.name if user else ctx.email, "address": ctx.mailbox.email}
        },
    }
    if expand:
        m = re.search(
            r"singleValueExtendedProperties(?:\(\$filter=([^)]*)\))?", expand, re.IGNORECASE
        )
        if m:
            # $filter=id eq 'a' or id eq 'b': the properties named; no filter: all of them.
            wanted = {w.lower() for w in re.findall(r"id eq '([^']+)'", m.group(1) or "")}
            out["singleValueExtendedProperties"] = [
                {"id": k, "value": v}
                for k, v in event.extended.items()
                if m.group(1) is None or k.lower() in wanted
            ]
    return out


def bare_occurrence(ctx: Ctx, event: Event, desc: dict) -> dict:
    """An occurrence as calendarView delta delivers it: only what places it."""
    return {
        "@odata.type": "#microsoft.graph.event",
        "id": occurrence_id(event.id, desc["original"]),
        "type": "occurrence",
        "seriesMasterId": event.id,
        "start": dtz(desc["start"], ctx.time_zone),
        "end": dtz(desc["end"], ctx.time_zone),
    }


# ----- writing ----------------------------------------------------------------------------
def apply_fields(event_data: dict, body: dict) -> None:
    for name in FIELDS + ("isAllDay",):
        if name in body:
            event_data[name] = body[name]


# Event properties of Graph's schema that are accepted and ignored (not modelled).
IGNORED = (
    "bodyPreview",
    "hasAttachments",
    "isCancelled",
    "isDraft",
    "isOrganizer",
    "onlineMeeting",
    "onlineMeetingProvider",
    "onlineMeetingUrl",
    "originalStart",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "responseStatus",
    "attachments",
    "calendar",
    "extensions",
    "multiValueExtendedProperties",
    "@odata.type",
    "@odata.context",
)
WRITABLE = FIELDS + (
    "isAllDay",
    "start",
    "end",
    "recurrence",
    "transactionId",
    "singleValueExtendedProperties",
)


def check_writable(body: dict) -> None:
    for name in body:
        if name not in WRITABLE + READ_ONLY + IGNORED:
            raise GraphError(
                400,
                f"The property '{name}' does not exist on type 'microsoft.graph.event'. "
                "Make sure to only use property names that are defined by the type or mark "
                "the type as open type.",
                "RequestBodyRead",
            )
        if name in READ_ONLY and name not in ("@odata.etag", "changeKey"):
            raise GraphError(
                400,
                f"The property '{name}' is read-only and cannot be set.",
                "ErrorInvalidPropertyUpdateSentToServer"
                if name != "id"
                else "ErrorInvalidIdMalformed",
            )


def extended_properties(body: dict) -> dict[str, str]:
    out = {}
    for prop in body.get("singleValueExtendedProperties") or []:
        if not isinstance(prop, dict) or "id" not in prop or "value" not in prop:
            raise GraphError(400, "Invalid extended property.", "ErrorInvalidExtendedProperty")
        out[str(prop["id"])] = str(prop["value"])
    return out


def guests(ctx: Ctx, data: dict) -> list[str]:
    """The attendees' addresses (the organizer, when listed, is sent nothing)."""
    out = []
    for a in data.get("attendees", []):
        address = (a.get("emailAddress") or {}).get("address", "").lower()
        if address and address != ctx.mailbox.email and address not in out:
            out.append(address)
    return out


def invite(ctx: Ctx, event: Event, action: str, recipients: list[str], data: dict) -> None:
    """Record one message Graph sends by itself (a request, an update, a cancellation)."""
    if not recipients:
        return
    ctx.sb.state.invitations.append(
        {
            "organizer": ctx.mailbox.email,
            "event_id": event.id,
            "iCalUId": event.ical_uid,
            "action": action,
            "recipients": recipients,
            "subject": data.get("subject", ""),
            "at": ctx.sb.clock.now().isoformat(),
        }
    )


def invite_changes(ctx: Ctx, event: Event, before: dict, after: dict, body: dict) -> None:
    """What Graph sends for an organizer's PATCH (event-update, "attendees property and
    meeting updates"): added attendees get the request and removed ones a cancellation; a
    body with only `attendees` sends nothing more, any other change an update to every
    attendee kept. There is no switch to send nothing."""
    old, new = guests(ctx, before), guests(ctx, after)
    invite(ctx, event, "created", [a for a in new if a not in old], after)
    invite(ctx, event, "cancelled", [a for a in old if a not in new], before)
    if {k for k in body if not k.startswith("@odata.")} - {"attendees"}:
        invite(ctx, event, "updated", [a for a in new if a in old], after)


def _local_midnight(value: dict) -> bool:
    text = str(value.get("dateTime", ""))[:19]
    try:
        return datetime.fromisoformat(text).time() == datetime.min.time()
    except ValueError:
        return False


def create_event(ctx: Ctx, body: dict) -> tuple[Event, bool]:
    check_writable(body)
    box = ctx.mailbox
    tx = body.get("transactionId")
    if tx and tx in box.by_transaction and box.by_transaction[tx] in box.events:
        return box.events[box.by_transaction[tx]], False
    if "start" not in body or "end" not in body:
        raise GraphError(
            400,
            "Your request can't be completed. An event must have a start and an end.",
            "ErrorInvalidRequest",
        )
    start, end = parse_dtz(body["start"], "start"), parse_dtz(body["end"], "end")
    if end < start:
        raise GraphError(400, "The Event end must be after the start.", "ErrorInvalidRequest")
    # Midnight in the event's own zone (Graph: start and end at midnight, in one time zone).
    if body.get("isAllDay") and not (
        _local_midnight(body["start"]) and _local_midnight(body["end"])
    ):
        raise GraphError(
            400,
            "Your request can't be completed. An all-day event must start and end at midnight.",
            "ErrorInvalidRequest",
        )
    now = ctx.now
    event = Event(new_id(), {}, start, end, now, now, transaction_id=tx)
    apply_fields(event.data, body)
    event.data["_start_tz"] = body["start"]["timeZone"]
    event.data["_end_tz"] = body["end"]["timeZone"]
    if body.get("recurrence"):
        event.recurrence = normalize_recurrence(body["recurrence"], start)
    event.extended = extended_properties(body)
    box.events[event.id] = event
    box.deleted_events.discard(event.id)
    if tx:
        box.by_transaction[tx] = event.id
    invite(ctx, event, "created", guests(ctx, event.data), event.data)
    notify(ctx.sb, box.email, "event", "created", event.id)
    return event, True


def normalize_recurrence(rec: dict, start: datetime) -> dict:
    if not isinstance(rec, dict) or "pattern" not in rec or "range" not in rec:
        raise GraphError(400, "Recurrence needs a pattern and a range.", "ErrorInvalidRecurrence")
    rng = dict(rec["range"])
    rng.setdefault("startDate", start.date().isoformat())
    rng.setdefault("recurrenceTimeZone", "UTC")
    pattern = {
        "type": "daily",
        "interval": 1,
        "month": 0,
        "dayOfMonth": 0,
        "firstDayOfWeek": "sunday",
        "index": "first",
        "daysOfWeek": [],
    }
    pattern.update(rec["pattern"])
    out = {
        "pattern": pattern,
        "range": {"type": "noEnd", "numberOfOccurrences": 0, "endDate": "0001-01-01", **rng},
    }
    if pattern["type"] == "weekly" and not pattern["daysOfWeek"]:
        raise GraphError(400, "A weekly recurrence needs daysOfWeek.", "ErrorInvalidRecurrence")
    return out


@route(EVENTS, ("POST",), "events.create", WRITE_CAL)
def post_event(ctx: Ctx):
    event, _ = create_event(ctx, ctx.body())
    return 201, event_json(ctx, event)


EXT_FILTER = re.compile(
    r"singleValueExtendedProperties/any\((\w+):\s*\1/id eq '([^']+)' and \1/value eq '([^']*)'\)",
    re.IGNORECASE,
)


def query_int(args, name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise GraphError(400, f"Invalid value '{raw}' for query option '{name}'.", "BadRequest")
    return int(raw)


@route(EVENTS, ("GET",), "events.list", READ_CAL)
def list_events(ctx: Ctx):
    box, args = ctx.mailbox, ctx.request.args
    events = sorted(box.events.values(), key=lambda e: (e.start, e.id))
    flt = args.get("$filter")
    if flt:
        m = EXT_FILTER.fullmatch(flt.strip())
        if not m:
            raise GraphError(400, f"Invalid filter clause: {flt}", "BadRequest")
        pid, value = m.group(2).lower(), m.group(3)
        events = [
            e for e in events if any(k.lower() == pid and v == value for k, v in e.extended.items())
        ]
    top = query_int(args, "$top", ctx.page_size(10))
    skip = query_int(args, "$skip", 0)
    page = events[skip : skip + top]
    out = {
        "@odata.context": f"{ctx.sb.base_url}/v1.0/$metadata#users('{ctx.email}')/events",
        "value": [event_json(ctx, e, expand=args.get("$expand")) for e in page],
    }
    if skip + top < len(events):
        query = ctx.request.args.copy()
        query["$skip"] = str(skip + top)
        out["@odata.nextLink"] = ctx.link(
            f"{ctx.path}?" + "&".join(f"{k}={v}" for k, v in query.items(multi=True))
        )
    return out


@route(EVENTS + r"/(?P<event_id>[^/]+)", ("GET",), "events.get", READ_CAL)
def get_event(ctx: Ctx, event_id: str):
    event, original = ctx.mailbox.resolve(event_id)
    desc = describe(event, original)
    return event_json(ctx, event, desc, ctx.request.args.get("$expand"))


def describe(event: Event, original: datetime | None) -> dict | None:
    if original is None:
        return None
    key = original.isoformat()
    changes = event.exceptions.get(key)
    length = event.end - event.start
    return {
        "event": event,
        "kind": "exception" if changes is not None else "occurrence",
        "original": original,
        "start": (changes or {}).get("_start", original),
        "end": (changes or {}).get("_end", original + length),
    }


def check_if_match(ctx: Ctx, current: str) -> None:
    """If-Match with an older etag: 412. A changeKey in the body that is not the current
    one: 409, the conflict Graph reports for a write based on an older version."""
    sent = ctx.body().get("changeKey") if ctx.request.method == "PATCH" else None
    if sent is not None and sent != current:
        raise GraphError(
            409,
            "The send or update operation could not be performed because the "
            "change key passed in the request does not match the current change "
            "key for the item.",
            "ErrorIrresolvableConflict",
        )
    wanted = ctx.request.headers.get("If-Match")
    if (
        wanted
        and wanted.strip() != "*"
        and wanted.strip() not in (etag(current), current, f'"{current}"')
    ):
        raise GraphError(
            412,
            "The send or update operation could not be performed because the "
            "change key passed in the request does not match the current change "
            "key for the item.",
            "ErrorIrresolvableConflict",
        )


@route(EVENTS + r"/(?P<event_id>[^/]+)", ("PATCH",), "events.update", WRITE_CAL)
def patch_event(ctx: Ctx, event_id: str):
    body = ctx.body()
    check_writable(body)
    event, original = ctx.mailbox.resolve(event_id)
    now = ctx.now
    if original is None:
        check_if_match(ctx, event.change_key)
        before = dict(event.data)
        if "start" in body:
            event.start = parse_dtz(body["start"], "start")
            event.data["_start_tz"] = body["start"]["timeZone"]
        if "end" in body:
            event.end = parse_dtz(body["end"], "end")
            event.data["_end_tz"] = body["end"]["timeZone"]
        if event.end < event.start:
            raise GraphError(400, "The Event end must be after the start.", "ErrorInvalidRequest")
        apply_fields(event.data, body)
        if "recurrence" in body and event.recurrence:
            event.recurrence = normalize_recurrence(body["recurrence"], event.start)
        event.extended.update(extended_properties(body))
        event.touch(now)
        invite_changes(ctx, event, before, event.data, body)
        notify(ctx.sb, ctx.mailbox.email, "event", "updated", event.id)
        return event_json(ctx, event)
    key = original.isoformat()
    check_if_match(ctx, event.exception_keys.get(key, event.change_key))
    changes = event.exceptions.setdefault(key, {})
    before = {**event.data, **changes}
    for name in FIELDS:
        if name in body:
            changes[name] = body[name]
    if "start" in body:
        changes["_start"] = parse_dtz(body["start"], "start")
    if "end" in body:
        changes["_end"] = parse_dtz(body["end"], "end")
    event.exception_keys[key] = secrets.token_urlsafe(12)
    event.touch_instance(
        now
    )  # the exception is stored on the master (MS-OXOCAL 2.2.10): it changed
    invite_changes(ctx, event, before, {**event.data, **changes}, body)
    notify(ctx.sb, ctx.mailbox.email, "event", "updated", occurrence_id(event.id, original))
    return event_json(ctx, event, describe(event, original))


@route(EVENTS + r"/(?P<event_id>[^/]+)", ("DELETE",), "events.delete", WRITE_CAL)
def delete_event(ctx: Ctx, event_id: str):
    box = ctx.mailbox
    event, original = box.resolve(event_id)
    if original is None:
        check_if_match(ctx, event.change_key)
        del box.events[event.id]
        box.deleted_events.add(event.id)
        invite(ctx, event, "cancelled", guests(ctx, event.data), event.data)
        notify(ctx.sb, box.email, "event", "deleted", event.id)
    else:
        key = original.isoformat()
        check_if_match(ctx, event.exception_keys.get(key, event.change_key))
        data = {**event.data, **event.exceptions.get(key, {})}
        event.cancelled.add(key)
        event.exceptions.pop(key, None)
        event.touch_instance(ctx.now)  # the master's recurrence now lists the deleted instance
        invite(ctx, event, "cancelled", guests(ctx, data), data)
        notify(ctx.sb, box.email, "event", "deleted", event_id)
    return Response(status=204)


def window(ctx: Ctx) -> tuple[datetime, datetime]:
    args = ctx.request.args
    lower = {k.lower(): v for k, v in args.items()}
    if "startdatetime" not in lower or "enddatetime" not in lower:
        raise GraphError(
            400,
            "This request requires a time window specified by the query "
            "string parameters StartDateTime and EndDateTime.",
            "ErrorInvalidParameter",
        )
    start = parse_instant(lower["startdatetime"], "startDateTime")
    end = parse_instant(lower["enddatetime"], "endDateTime")
    if end <= start:
        raise GraphError(
            400, "The end of the time window must be after its start.", "ErrorInvalidParameter"
        )
    return start, end


@route(EVENTS + r"/(?P<event_id>[^/]+)/instances", ("GET",), "events.instances", READ_CAL)
def instances(ctx: Ctx, event_id: str):
    box = ctx.mailbox
    event = box.event(event_id)
    start, end = window(ctx)
    items = [(i, d) for i, _, d in box.instances(start, end) if d["event"] is event]
    if not event.recurrence:
        items = [(event.id, None)] if items else []
    return {
        "@odata.context": f"{ctx.sb.base_url}/v1.0/$metadata#Collection(event)",
        "value": [event_json(ctx, event, d) for _, d in items],
    }


@route(r"/me(?:/calendar)?/calendarView", ("GET",), "calendarView.list", READ_CAL)
def calendar_view(ctx: Ctx):
    start, end = window(ctx)
    return {
        "value": [
            event_json(ctx, d["event"], d if d["kind"] != "single" else None)
            for _, _, d in ctx.mailbox.instances(start, end)
        ]
    }


# ----- calendarView delta -------------------------------------------------------------------
UNSUPPORTED = ("$select", "$filter", "$orderby", "$search", "$expand", "$top")


@route(
    r"/me(?:/calendar)?/calendarView/delta(?:\(\))?",
    ("GET",),
    "calendarView.delta",
    READ_CAL,
    saves=True,
)
def delta(ctx: Ctx):
    sb, args = ctx.sb, ctx.request.args
    refused = [k for k in args if k.lower() in UNSUPPORTED]
    if refused:
        raise GraphError(
            400,
            "The following parameters are not supported with change "
            f"tracking over the 'CalendarView' resource: '{', '.join(refused)}'.",
            "ErrorInvalidUrlQuery",
        )
    store = sb.state.delta_tokens
    skip, dtok = args.get("$skiptoken"), args.get("$deltatoken")
    if skip or dtok:
        token = store.get(skip or dtok)
        if (
            token is None
            or token["email"] != ctx.email
            or token.get("resource") != "calendarView"
            or token["kind"] != ("page" if skip else "delta")
        ):
            raise GraphError(
                410,
                "The sync state generation was not found, or the sync state is invalid.",
                "syncStateNotFound",
            )
        if token["epoch"] != sb.state.epoch:
            raise GraphError(
                410,
                "The sync state generation was not found, or the sync state is invalid.",
                "syncStateNotFound",
            )
        if dtok and token["created"] + DELTA_TOKEN_DAYS * 86400 < ctx.now:
            raise GraphError(
                410,
                "Resync required. Replace any local cached data with a full sync.",
                "resyncRequired",
            )
    else:
        start, end = window(ctx)
        token = {
            "kind": "delta",
            "resource": "calendarView",
            "email": ctx.email,
            "start": start,
            "end": end,
            "seen": {},
            "removed_seen": set(),
            "epoch": sb.state.epoch,
            "created": ctx.now,
        }
    if token["kind"] == "delta":
        token = round_from(ctx, token)
    return page(ctx, token, store)


def round_from(ctx: Ctx, token: dict) -> dict:
    """The changes since ``token`` as a list of pages' items (a page token). As Graph does,
    events outside the window that were added, updated or deleted since the last round
    come as ``@removed`` too (never on a first round, which has no last one)."""
    now_items = ctx.mailbox.instances(token["start"], token["end"])
    seen = token["seen"]
    changed = [(i, d) for i, v, d in now_items if seen.get(i) != v]
    current = {i for i, _, _ in now_items}
    removed = [i for i in seen if i not in current]
    inside = {d["event"].id for _, _, d in now_items}
    outside = {e.id: e.change_key for e in ctx.mailbox.events.values() if e.id not in inside}
    before = token.get("outside")
    if before is not None:
        reported = current | set(removed)
        removed += [i for i, v in outside.items() if before.get(i) != v and i not in reported]
        removed += [i for i in before if i not in outside and i not in inside | reported]
    return {
        "kind": "page",
        "resource": "calendarView",
        "email": ctx.email,
        "start": token["start"],
        "end": token["end"],
        "items": changed + [(i, None) for i in removed],
        "offset": 0,
        "seen": {i: v for i, v, _ in now_items},
        "outside": outside,
        "epoch": token["epoch"],
        "created": ctx.now,
    }


def page(ctx: Ctx, token: dict, store: dict):
    size = ctx.page_size(DELTA_PAGE)
    items = token["items"][token["offset"] : token["offset"] + size]
    values = []
    for ident, desc in items:
        if desc is None:
            values.append(
                {
                    "@odata.type": "#microsoft.graph.event",
                    "id": ident,
                    "@removed": {"reason": "deleted"},
                }
            )
        elif desc["kind"] == "occurrence":
            values.append(bare_occurrence(ctx, desc["event"], desc))
        else:
            values.append(
                {
                    "@odata.type": "#microsoft.graph.event",
                    **event_json(ctx, desc["event"], desc if desc["kind"] != "single" else None),
                }
            )
    out: dict = {"@odata.context": f"{ctx.sb.base_url}/v1.0/$metadata#Collection(event)"}
    offset = token["offset"] + size
    key = secrets.token_urlsafe(24)
    if offset < len(token["items"]):
        store[key] = {**token, "offset": offset}
        out["@odata.nextLink"] = ctx.link(f"/me/calendarView/delta?$skiptoken={key}")
    else:
        store[key] = {
            "kind": "delta",
            "resource": "calendarView",
            "email": ctx.email,
            "start": token["start"],
            "end": token["end"],
            "seen": token["seen"],
            "outside": token.get("outside"),
            "epoch": token["epoch"],
            "created": ctx.now,
        }
        out["@odata.deltaLink"] = ctx.link(f"/me/calendarView/delta?$deltatoken={key}")
    out["value"] = values
    return out
