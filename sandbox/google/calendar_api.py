"""Calendar API v3 over HTTP: paths and parameters as in the discovery document."""

from __future__ import annotations

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .api_gate import Ctx, api_method, read_json
from .calendar_model import etag, render
from .calendar_query import EventQuery, instances_of
from .calendar_store import SEND_UPDATES
from .context import Google
from .errors import ApiError, invalid, not_found
from .event_model import response_zone

BASE = "/calendar/v3"


def send_updates(request: Request) -> str:
    mode = request.args.get("sendUpdates")
    if mode is None:
        legacy = request.args.get("sendNotifications", "").lower()
        return "all" if legacy == "true" else "none"
    if mode not in SEND_UPDATES:
        raise invalid("Invalid value for: sendUpdates")
    return mode


def _list_entry(sb: Google, cal) -> dict:
    return {
        "kind": "calendar#calendarListEntry",
        "etag": etag(int(cal.updated * 1000)),
        "id": cal.id,
        "summary": cal.summary,
        "description": cal.description,
        "timeZone": cal.time_zone,
        "colorId": "14",
        "backgroundColor": "#9fe1e7",
        "foregroundColor": "#000000",
        "selected": True,
        "accessRole": "owner",
        "defaultReminders": [{"method": "popup", "minutes": 10}],
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
        **({"primary": True} if cal.primary else {}),
    }


@api_method("calendar.calendarList.list")
def calendar_list(sb: Google, ctx: Ctx, request: Request) -> dict:
    with sb.state.lock:
        sb.calendar_store.ensure_primary(ctx.email)
        cals = [c for c in sb.state.calendars.values() if c.owner == ctx.email]
        items = [_list_entry(sb, c) for c in sorted(cals, key=lambda c: (not c.primary, c.id))]
    return {
        "kind": "calendar#calendarList",
        "etag": f'"p{len(items)}"',
        "nextSyncToken": sb.codec.encode({"k": "cl", "u": ctx.email}),
        "items": items,
    }


@api_method("calendar.calendarList.get")
def calendar_list_get(sb: Google, ctx: Ctx, request: Request, calendar_id: str) -> dict:
    with sb.state.lock:
        return _list_entry(sb, sb.calendar_store.resolve(ctx.email, calendar_id))


@api_method("calendar.calendars.get")
def calendars_get(sb: Google, ctx: Ctx, request: Request, calendar_id: str) -> dict:
    with sb.state.lock:
        cal = sb.calendar_store.resolve(ctx.email, calendar_id)
        return {
            "kind": "calendar#calendar",
            "etag": etag(int(cal.updated * 1000)),
            "id": cal.id,
            "summary": cal.summary,
            "timeZone": cal.time_zone,
            "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
        }


@api_method("calendar.events.list")
def events_list(sb: Google, ctx: Ctx, request: Request, calendar_id: str) -> dict:
    with sb.state.lock:
        cal = sb.calendar_store.resolve(ctx.email, calendar_id)
        return EventQuery(sb.calendar_store, cal, request.args).run()


@api_method("calendar.events.instances")
def events_instances(
    sb: Google, ctx: Ctx, request: Request, calendar_id: str, event_id: str
) -> dict:
    with sb.state.lock:
        cal = sb.calendar_store.resolve(ctx.email, calendar_id)
        return instances_of(sb.calendar_store, cal, event_id, request.args)


@api_method("calendar.events.get")
def events_get(
    sb: Google, ctx: Ctx, request: Request, calendar_id: str, event_id: str
) -> dict | Response:
    with sb.state.lock:
        store = sb.calendar_store
        cal = store.resolve(ctx.email, calendar_id)
        ev = store.find(cal, event_id)
        if ev is None:
            raise not_found()
        tz = response_zone(request.args)
        tag = etag(ev.etag)
        if request.headers.get("If-None-Match", "").strip() == tag:
            return Response(status=304, headers={"ETag": tag})
        return render(cal, ev, store.names(), tz)


@api_method("calendar.events.insert")
def events_insert(sb: Google, ctx: Ctx, request: Request, calendar_id: str) -> dict:
    raw = read_json(request)
    mode = send_updates(request)
    with sb.state.lock:
        store = sb.calendar_store
        cal = store.resolve(ctx.email, calendar_id)
        ev = store.insert(cal, raw, ctx.email, mode)
        return render(cal, ev, store.names())


def _modify(
    sb: Google, ctx: Ctx, request: Request, calendar_id: str, event_id: str, patch: bool
) -> dict:
    raw = read_json(request)
    mode = send_updates(request)
    with sb.state.lock:
        store = sb.calendar_store
        cal = store.resolve(ctx.email, calendar_id)
        ev = store.modify(
            cal,
            event_id,
            raw,
            ctx.email,
            patch=patch,
            send_updates=mode,
            if_match=request.headers.get("If-Match"),
        )
        return render(cal, ev, store.names())


@api_method("calendar.events.patch")
def events_patch(sb: Google, ctx: Ctx, request: Request, calendar_id: str, event_id: str) -> dict:
    return _modify(sb, ctx, request, calendar_id, event_id, patch=True)


@api_method("calendar.events.update")
def events_update(sb: Google, ctx: Ctx, request: Request, calendar_id: str, event_id: str) -> dict:
    return _modify(sb, ctx, request, calendar_id, event_id, patch=False)


@api_method("calendar.events.delete")
def events_delete(
    sb: Google, ctx: Ctx, request: Request, calendar_id: str, event_id: str
) -> Response:
    mode = send_updates(request)
    with sb.state.lock:
        store = sb.calendar_store
        cal = store.resolve(ctx.email, calendar_id)
        store.delete(cal, event_id, ctx.email, mode, if_match=request.headers.get("If-Match"))
    return Response(status=204)


@api_method("calendar.events.move")
def events_move(sb: Google, ctx: Ctx, request: Request, calendar_id: str, event_id: str) -> dict:
    destination = request.args.get("destination")
    if not destination:
        raise ApiError(400, "Required parameter: destination", "required")
    with sb.state.lock:
        store = sb.calendar_store
        src = store.resolve(ctx.email, calendar_id)
        dst = store.resolve(ctx.email, destination)
        ev = src.events.get(event_id)
        if ev is None or ev.cancelled:
            raise not_found()
        if ev.recurring_event_id:
            raise invalid("Cannot move an instance of a recurring event.")
        if event_id in dst.events:
            raise ApiError(409, "The requested identifier already exists.", "duplicate")
        raw = {
            **ev.body,
            "id": ev.id,
            "iCalUID": ev.ical_uid,
            "sequence": ev.sequence,
            "status": ev.status,
        }
        moved = store.insert(dst, raw, ctx.email)
        moved.created = ev.created
        store.delete(src, event_id, ctx.email)
        return render(dst, moved, store.names())


@api_method("calendar.events.watch")
def events_watch(sb: Google, ctx: Ctx, request: Request, calendar_id: str) -> dict:
    body = read_json(request)
    with sb.state.lock:
        cal = sb.calendar_store.resolve(ctx.email, calendar_id)
        return sb.watch.create(cal.id, ctx.email, body, request.url_root)


@api_method("calendar.channels.stop")
def channels_stop(sb: Google, ctx: Ctx, request: Request) -> Response:
    body = read_json(request)
    with sb.state.lock:
        sb.watch.stop(ctx.email, body)
    return Response(status=204)


RULES = [
    Rule(f"{BASE}/users/me/calendarList", endpoint=calendar_list, methods=["GET"]),
    Rule(
        f"{BASE}/users/me/calendarList/<calendar_id>", endpoint=calendar_list_get, methods=["GET"]
    ),
    Rule(f"{BASE}/calendars/<calendar_id>", endpoint=calendars_get, methods=["GET"]),
    Rule(f"{BASE}/calendars/<calendar_id>/events", endpoint=events_list, methods=["GET"]),
    Rule(f"{BASE}/calendars/<calendar_id>/events", endpoint=events_insert, methods=["POST"]),
    Rule(f"{BASE}/calendars/<calendar_id>/events/watch", endpoint=events_watch, methods=["POST"]),
    Rule(f"{BASE}/calendars/<calendar_id>/events/<event_id>", endpoint=events_get, methods=["GET"]),
    Rule(
        f"{BASE}/calendars/<calendar_id>/events/<event_id>",
        endpoint=events_patch,
        methods=["PATCH"],
    ),
    Rule(
        f"{BASE}/calendars/<calendar_id>/events/<event_id>", endpoint=events_update, methods=["PUT"]
    ),
    Rule(
        f"{BASE}/calendars/<calendar_id>/events/<event_id>",
        endpoint=events_delete,
        methods=["DELETE"],
    ),
    Rule(
        f"{BASE}/calendars/<calendar_id>/events/<event_id>/instances",
        endpoint=events_instances,
        methods=["GET"],
    ),
    Rule(
        f"{BASE}/calendars/<calendar_id>/events/<event_id>/move",
        endpoint=events_move,
        methods=["POST"],
    ),
    Rule(f"{BASE}/channels/stop", endpoint=channels_stop, methods=["POST"]),
]
