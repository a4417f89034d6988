"""The ``/_sandbox/...`` JSON control plane: the seeding API over HTTP for out-of-process
demos and browser tests. Never affected by fault knobs.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .errors import ApiError, json_response

if TYPE_CHECKING:
    from .sandbox import GoogleSandbox

P = "/_sandbox"


def _body(request: Request) -> dict:
    if not request.get_data():
        return {}
    data = json.loads(request.get_data(as_text=True))
    if not isinstance(data, dict):
        raise ValueError("JSON object expected")
    return data


def _handler(fn):
    def wrapped(sb: GoogleSandbox, request: Request, **kw: Any) -> Response:
        try:
            result = fn(sb, _body(request), request, **kw)
        except ApiError as err:
            return err.response()
        except (KeyError, ValueError, TypeError) as exc:
            return json_response({"error": type(exc).__name__, "detail": str(exc)}, 400)
        if isinstance(result, Response):
            return result
        return json_response({"ok": True} if result is None else result)

    return wrapped


@_handler
def reset(sb, body, request):
    sb.reset()


@_handler
def clients(sb, body, request):
    c = sb.add_client(
        body["client_id"],
        body["client_secret"],
        body["redirect_uris"],
        body.get("name", "Sandbox App"),
    )
    return vars(c)


@_handler
def users(sb, body, request):
    if request.method == "GET":
        with sb.state.lock:
            return [
                {"email": u.email, "name": u.name, "sub": u.sub, "time_zone": u.time_zone}
                for u in sb.state.users.values()
            ]
    u = sb.add_user(
        body["email"],
        body.get("name"),
        body.get("password", "password"),
        body.get("time_zone", "UTC"),
    )
    return {"email": u.email, "name": u.name, "sub": u.sub}


@_handler
def tokens(sb, body, request):
    return sb.issue_token(
        body["email"], body.get("scopes"), body.get("client_id"), body.get("offline", True)
    )


@_handler
def expire_tokens(sb, body, request):
    return {"expired": sb.expire_access_tokens(body.get("email"))}


@_handler
def revoke(sb, body, request):
    return {"revoked": sb.revoke(body["token"])}


@_handler
def cal_events(sb, body, request, email):
    cal_id = request.args.get("calendarId", "primary")
    if request.method == "GET":
        return sb.calendar.events(email, cal_id)
    return sb.calendar.insert_event(email, body, cal_id, request.args.get("sendUpdates", "none"))


@_handler
def cal_event(sb, body, request, email, event_id):
    cal_id = request.args.get("calendarId", "primary")
    mode = request.args.get("sendUpdates", "none")
    if request.method == "GET":
        found = sb.calendar.get_event(email, event_id, cal_id)
        return found if found is not None else json_response({"error": "not found"}, 404)
    if request.method == "DELETE":
        return sb.calendar.delete_event(email, event_id, cal_id, mode)
    if request.method == "PUT":
        return sb.calendar.update_event(email, event_id, body, cal_id, mode)
    return sb.calendar.patch_event(email, event_id, body, cal_id, mode)


@_handler
def cal_calendars(sb, body, request, email):
    return sb.calendar.add_calendar(
        email, body["id"], body.get("summary", ""), body.get("time_zone")
    )


@_handler
def cal_invalidate(sb, body, request, email):
    sb.calendar.invalidate_sync_tokens(email)


@_handler
def invitations(sb, body, request):
    return sb.calendar.invitations(
        request.args.get("email"), request.args.get("sent_only") == "true"
    )


@_handler
def notifications(sb, body, request):
    sb.watch.wait_idle(2.0)
    return sb.calendar.notifications


@_handler
def mail_messages(sb, body, request, email):
    if request.method == "GET":
        return sb.gmail.messages(email)
    date = datetime.fromisoformat(body["date"]) if body.get("date") else None
    return sb.gmail.add_message(
        email,
        from_=body["from"],
        to=body["to"],
        subject=body.get("subject", ""),
        body_text=body.get("body_text"),
        body_html=body.get("body_html"),
        cc=body.get("cc"),
        date=date,
        thread_of=body.get("thread_of"),
        message_id=body.get("message_id"),
        labels=body.get("labels"),
        headers=body.get("headers"),
    )


@_handler
def mail_message(sb, body, request, email, message_id, action=None):
    if request.method == "DELETE":
        return sb.gmail.delete(email, message_id)
    if request.method == "GET":
        return sb.gmail.get(email, message_id, request.args.get("format", "full"))
    if action == "trash":
        return sb.gmail.trash(email, message_id)
    return sb.gmail.modify(email, message_id, body.get("addLabelIds"), body.get("removeLabelIds"))


@_handler
def mail_expire(sb, body, request, email):
    sb.gmail.expire_history(email)


@_handler
def calls(sb, body, request):
    if request.method == "DELETE":
        return sb.reset_calls()
    return sb.calls(request.args.get("email"))


@_handler
def faults(sb, body, request):
    if request.method == "POST":
        f = sb.faults
        if "latency" in body:
            f.latency = float(body["latency"])
        if "error_rate" in body:
            f.error_rate = float(body["error_rate"])
        if "error_status" in body:
            f.error_status = int(body["error_status"])
        if "fail_next" in body:
            spec = body["fail_next"]
            f.fail_next(
                int(spec.get("count", 1)), int(spec.get("status", 503)), spec.get("method", "")
            )
        if "unreachable" in body:
            sb.set_unreachable(body["unreachable"], body.get("for_seconds"))
        if body.get("reset"):
            sb.reset_faults()
    f = sb.faults
    return {
        "latency": f.latency,
        "error_rate": f.error_rate,
        "error_status": f.error_status,
        "pending_failures": f.pending(),
        "unreachable": f.unreachable,
        "injected": f.injected,
    }


QUOTA_FIELDS = (
    "calendar_per_minute",
    "gmail_units_per_minute",
    "calendar_status",
    "calendar_reason",
    "gmail_status",
    "enabled",
    "window",
)


@_handler
def quota(sb, body, request):
    for key in QUOTA_FIELDS:
        if key in body:
            setattr(sb.quota, key, body[key])
    if body.get("reset"):
        sb.quota.reset()
    return {k: getattr(sb.quota, k) for k in QUOTA_FIELDS}


@_handler
def clock(sb, body, request):
    if "advance" in body:
        sb.clock.advance(float(body["advance"]))
    if "set" in body:
        sb.clock.set(datetime.fromisoformat(body["set"]))
    if body.get("freeze"):
        sb.clock.freeze()
    if body.get("unfreeze"):
        sb.clock.unfreeze()
    return {"now": sb.clock.now().isoformat(), "time": sb.clock.time(), "frozen": sb.clock.frozen}


@_handler
def settings(sb, body, request):
    if "sync_token_ttl" in body:
        sb.sync_token_ttl = body["sync_token_ttl"]
    if "history_retention_seconds" in body:
        sb.gmail.retention_seconds = float(body["history_retention_seconds"])
    if "require_https_webhooks" in body:
        sb.watch.require_https = bool(body["require_https_webhooks"])
    return {
        "sync_token_ttl": sb.sync_token_ttl,
        "history_retention_seconds": sb.gmail.retention_seconds,
        "require_https_webhooks": sb.watch.require_https,
    }


@_handler
def save(sb, body, request):
    sb.save()


RULES = [
    Rule(f"{P}/reset", endpoint=reset, methods=["POST"]),
    Rule(f"{P}/clients", endpoint=clients, methods=["POST"]),
    Rule(f"{P}/users", endpoint=users, methods=["GET", "POST"]),
    Rule(f"{P}/tokens", endpoint=tokens, methods=["POST"]),
    Rule(f"{P}/tokens/expire", endpoint=expire_tokens, methods=["POST"]),
    Rule(f"{P}/tokens/revoke", endpoint=revoke, methods=["POST"]),
    Rule(f"{P}/calendar/<email>/events", endpoint=cal_events, methods=["GET", "POST"]),
    Rule(
        f"{P}/calendar/<email>/events/<event_id>",
        endpoint=cal_event,
        methods=["GET", "PATCH", "PUT", "DELETE"],
    ),
    Rule(f"{P}/calendar/<email>/calendars", endpoint=cal_calendars, methods=["POST"]),
    Rule(f"{P}/calendar/<email>/invalidate-sync-tokens", endpoint=cal_invalidate, methods=["POST"]),
    Rule(f"{P}/calendar/invitations", endpoint=invitations, methods=["GET"]),
    Rule(f"{P}/calendar/notifications", endpoint=notifications, methods=["GET"]),
    Rule(f"{P}/gmail/<email>/messages", endpoint=mail_messages, methods=["GET", "POST"]),
    Rule(
        f"{P}/gmail/<email>/messages/<message_id>", endpoint=mail_message, methods=["GET", "DELETE"]
    ),
    Rule(
        f"{P}/gmail/<email>/messages/<message_id>/<action>", endpoint=mail_message, methods=["POST"]
    ),
    Rule(f"{P}/gmail/<email>/expire-history", endpoint=mail_expire, methods=["POST"]),
    Rule(f"{P}/calls", endpoint=calls, methods=["GET", "DELETE"]),
    Rule(f"{P}/faults", endpoint=faults, methods=["GET", "POST"]),
    Rule(f"{P}/quota", endpoint=quota, methods=["GET", "POST"]),
    Rule(f"{P}/clock", endpoint=clock, methods=["GET", "POST"]),
    Rule(f"{P}/settings", endpoint=settings, methods=["GET", "POST"]),
    Rule(f"{P}/save", endpoint=save, methods=["POST"]),
]
