"""The Google sandbox's ``/_sandbox/...`` JSON control plane: the seeding API over HTTP for
out-of-process demos and browser tests. The plumbing and the common rules (reset, calls,
faults, clock, save) are the shared ``sandbox.control``. Never affected by fault knobs.
"""

from __future__ import annotations

from datetime import datetime

from ..control import ControlPlane
from .errors import ApiError, json_response

plane = ControlPlane(rendered=(ApiError,))


@plane.route("/clients", methods=["POST"])
def clients(sb, body, request):
    c = sb.add_client(
        body["client_id"],
        body["client_secret"],
        body["redirect_uris"],
        body.get("name", "Sandbox App"),
    )
    return vars(c)


@plane.route("/users", methods=["GET", "POST"])
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


@plane.route("/tokens", methods=["POST"])
def tokens(sb, body, request):
    return sb.issue_token(
        body["email"], body.get("scopes"), body.get("client_id"), body.get("offline", True)
    )


@plane.route("/tokens/expire", methods=["POST"])
def expire_tokens(sb, body, request):
    return {"expired": sb.expire_access_tokens(body.get("email"))}


@plane.route("/tokens/revoke", methods=["POST"])
def revoke(sb, body, request):
    return {"revoked": sb.revoke(body["token"])}


@plane.route("/calendar/<email>/events", methods=["GET", "POST"])
def cal_events(sb, body, request, email):
    cal_id = request.args.get("calendarId", "primary")
    if request.method == "GET":
        return sb.calendar.events(email, cal_id)
    return sb.calendar.insert_event(email, body, cal_id, request.args.get("sendUpdates", "none"))


@plane.route("/calendar/<email>/events/<event_id>", methods=["GET", "PATCH", "PUT", "DELETE"])
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


@plane.route("/calendar/<email>/calendars", methods=["POST"])
def cal_calendars(sb, body, request, email):
    return sb.calendar.add_calendar(
        email, body["id"], body.get("summary", ""), body.get("time_zone")
    )


@plane.route("/calendar/<email>/invalidate-sync-tokens", methods=["POST"])
def cal_invalidate(sb, body, request, email):
    sb.calendar.invalidate_sync_tokens(email)


@plane.route("/calendar/invitations", methods=["GET"])
def invitations(sb, body, request):
    return sb.calendar.invitations(
        request.args.get("email"), request.args.get("sent_only") == "true"
    )


@plane.route("/calendar/notifications", methods=["GET"])
def notifications(sb, body, request):
    sb.watch.wait_idle(2.0)
    return sb.calendar.notifications


@plane.route("/gmail/<email>/messages", methods=["GET", "POST"])
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


@plane.route("/gmail/<email>/messages/<message_id>", methods=["GET", "DELETE"])
@plane.route("/gmail/<email>/messages/<message_id>/<action>", methods=["POST"])
def mail_message(sb, body, request, email, message_id, action=None):
    if request.method == "DELETE":
        return sb.gmail.delete(email, message_id)
    if request.method == "GET":
        return sb.gmail.get(email, message_id, request.args.get("format", "full"))
    if action == "trash":
        return sb.gmail.trash(email, message_id)
    return sb.gmail.modify(email, message_id, body.get("addLabelIds"), body.get("removeLabelIds"))


@plane.route("/gmail/<email>/expire-history", methods=["POST"])
def mail_expire(sb, body, request, email):
    sb.gmail.expire_history(email)


QUOTA_FIELDS = (
    "calendar_per_minute",
    "gmail_units_per_minute",
    "calendar_status",
    "calendar_reason",
    "gmail_status",
    "retry_after",
    "gmail_concurrent",
    "enabled",
    "window",
)


@plane.route("/quota", methods=["GET", "POST"])
def quota(sb, body, request):
    for key in QUOTA_FIELDS:
        if key in body:
            setattr(sb.quota, key, body[key])
    if body.get("reset"):
        sb.quota.reset()
    return {k: getattr(sb.quota, k) for k in QUOTA_FIELDS}


@plane.route("/settings", methods=["GET", "POST"])
def settings(sb, body, request):
    if "sync_token_ttl" in body:
        sb.sync_token_ttl = body["sync_token_ttl"]
    if "history_retention_seconds" in body:
        sb.gmail.retention_seconds = float(body["history_retention_seconds"])
    if "require_https_webhooks" in body:
        sb.watch.require_https = bool(body["require_https_webhooks"])
    if "short_pages" in body:
        sb.short_pages.rate = float(body["short_pages"])
    return {
        "short_pages": sb.short_pages.rate,
        "sync_token_ttl": sb.sync_token_ttl,
        "history_retention_seconds": sb.gmail.retention_seconds,
        "require_https_webhooks": sb.watch.require_https,
    }


RULES = plane.rules
