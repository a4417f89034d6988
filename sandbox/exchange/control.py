"""JSON control plane under /_sandbox/, never hit by faults or authentication."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from .outlook import handle_outlook


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status, content_type="application/json")


def handle(sb: Any, request: Request) -> Response:
    path = request.path[len("/_sandbox/") :].strip("/")
    body = request.get_json(silent=True) or {}
    method = request.method
    try:
        if path == "calls":
            if method == "DELETE":
                sb.reset_calls()
                return _json({})
            return _json(sb.calls(request.args.get("email")))
        if path == "reset" and method == "POST":
            sb.reset()
            return _json({"reset": True})
        if path == "users":
            if method == "POST":
                sb.add_user(body["email"], body.get("name"), body.get("password", "password"))
            return _json(sb.users())
        if path == "faults":
            if method == "POST":
                if body.get("reset"):
                    sb.faults.reset()
                if "op" in body or "code" in body:
                    sb.faults.add(
                        body.get("op", ""),
                        body.get("code", "ErrorServerBusy"),
                        int(body.get("backoff_ms", 0)),
                        int(body.get("count", 1)),
                    )
            return _json(sb.faults.pending())
        if path == "throttling":
            if method == "POST":
                for key in ("max_concurrency", "budget", "window_seconds"):
                    if key in body:
                        setattr(sb.throttle, key, body[key])
            return _json(sb.throttle.settings())
        if path == "auth":
            if method == "POST":
                sb.auth.basic = bool(body.get("basic", sb.auth.basic))
                sb.auth.ntlm = bool(body.get("ntlm", sb.auth.ntlm))
            return _json({"basic": sb.auth.basic, "ntlm": sb.auth.ntlm})
        if path == "clock":
            if method == "POST":
                if "advance" in body:
                    sb.clock.advance(float(body["advance"]))
                if "set" in body:
                    sb.clock.set(datetime.fromisoformat(body["set"]))
                if body.get("freeze"):
                    sb.clock.freeze()
                if body.get("unfreeze"):
                    sb.clock.unfreeze()
            return _json({"now": sb.clock.now().isoformat(), "frozen": sb.clock.frozen})
        if path == "invitations":
            return _json(sb.invitations)
        if path.startswith("mailbox/"):
            return handle_outlook(sb, request, path[len("mailbox/") :], body)
    except (KeyError, ValueError, TypeError) as exc:
        return _json({"error": f"{type(exc).__name__}: {exc}"}, 400)
    return _json({"error": "not found"}, 404)
