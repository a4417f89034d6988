"""The ``/_sandbox/...`` JSON control plane every stand-in shares: the plumbing (JSON in and
out, errors as 400s, rule registration) and the rules every stand-in answers the same way:
reset, clock, faults, calls and save. Never affected by fault knobs.

A handler is ``fn(standin, body, request, **path_args)``; it returns something JSON can
carry (``None`` answers ``{"ok": true}``) or a ready ``Response``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

PREFIX = "/_sandbox"

Handler = Callable[..., Any]


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON answer (``application/json; charset=UTF-8``); ``None`` is an empty body."""
    text = json.dumps(body, indent=1) if body is not None else ""
    resp = Response(text, status=status, headers=headers or {})
    if body is not None:
        resp.content_type = "application/json; charset=UTF-8"
    return resp


def read_body(request: Request) -> dict:
    """The request's JSON object ({} when empty); anything else is a ValueError."""
    if not request.get_data():
        return {}
    data = json.loads(request.get_data(as_text=True))
    if not isinstance(data, dict):
        raise ValueError("JSON object expected")
    return data


class ControlPlane:
    """The control rules of one stand-in: the common ones, plus what ``route`` adds.

    ``rendered`` names the stand-in's own error classes, answered with their
    ``response()``; a KeyError, ValueError or TypeError is a 400 naming it.
    """

    def __init__(self, rendered: Iterable[type[Exception]] = ()):
        self.rendered = tuple(rendered)
        self.rules: list[Rule] = []
        for path, fn, methods in COMMON:
            self.add(path, fn, methods)

    def wrap(self, fn: Handler) -> Handler:
        """The endpoint werkzeug calls as ``endpoint(standin, request, **path_args)``."""
        rendered = self.rendered

        def endpoint(standin: Any, request: Request, **kw: Any) -> Response:
            try:
                result = fn(standin, read_body(request), request, **kw)
            except rendered as err:
                return err.response()  # type: ignore[attr-defined]
            except (KeyError, ValueError, TypeError) as exc:
                return json_response({"error": type(exc).__name__, "detail": str(exc)}, 400)
            if isinstance(result, Response):
                return result
            return json_response({"ok": True} if result is None else result)

        endpoint.__name__ = endpoint.__qualname__ = fn.__name__
        endpoint.__doc__ = fn.__doc__
        return endpoint

    def add(self, path: str, fn: Handler, methods: Iterable[str] = ("POST",)) -> Handler:
        """Serve ``fn`` at ``/_sandbox`` + ``path``; the wrapped endpoint."""
        endpoint = self.wrap(fn)
        self.rules.append(Rule(PREFIX + path, endpoint=endpoint, methods=list(methods)))
        return endpoint

    def route(self, path: str, methods: Iterable[str] = ("POST",)) -> Callable[[Handler], Handler]:
        """Decorator form of ``add``; the function stays as it is, so routes stack."""

        def deco(fn: Handler) -> Handler:
            self.add(path, fn, methods)
            return fn

        return deco


# ----- the rules every stand-in answers ------------------------------------------------------
def reset(sb, body, request):
    """Empty state, default knobs (users and keys as the stand-in documents)."""
    sb.reset()


def calls(sb, body, request):
    """GET: executed calls per operation (``?email=`` for one user); DELETE: clear them."""
    if request.method == "DELETE":
        return sb.reset_calls()
    return sb.calls(request.args.get("email"))


def faults(sb, body, request):
    """Read or set the fault knobs.

    ``{"fail_next": {"count", "status" or "code", "method" or "op", "path"}}`` or, flat,
    ``{"op", "code", "backoff_ms", "count"}`` queues faults; ``latency``, ``error_rate``,
    ``error_status``, ``unreachable`` (+ ``for_seconds``) and ``reset`` set the knobs.
    """
    f = sb.faults
    if request.method == "POST":
        if "latency" in body:
            f.latency = float(body["latency"])
        if "error_rate" in body:
            f.error_rate = float(body["error_rate"])
        if "error_status" in body:
            f.error_status = f.code_type(body["error_status"])
        for spec in (body.get("fail_next"), body if "op" in body else None):
            if spec is not None:
                f.queue(
                    int(spec.get("count", 1)),
                    f.code_type(spec.get("code", spec.get("status", f.default_code))),
                    spec.get("op", spec.get("method", "")),
                    spec.get("path", ""),
                    int(spec["backoff_ms"]) if spec.get("backoff_ms") is not None else None,
                )
        if "unreachable" in body:
            sb.set_unreachable(body["unreachable"], body.get("for_seconds"))
        if body.get("reset"):
            sb.reset_faults()
    return {
        "latency": f.latency,
        "error_rate": f.error_rate,
        "error_status": f.error_status,
        "pending_failures": f.pending(),
        "unreachable": f.unreachable,
        "injected": f.injected,
    }


def clock(sb, body, request):
    """Read, move, set, freeze or unfreeze the stand-in's time."""
    if "advance" in body:
        sb.clock.advance(float(body["advance"]))
    if "set" in body:
        sb.clock.set(datetime.fromisoformat(body["set"]))
    if body.get("freeze"):
        sb.clock.freeze()
    if body.get("unfreeze"):
        sb.clock.unfreeze()
    return {"now": sb.clock.now().isoformat(), "time": sb.clock.time(), "frozen": sb.clock.frozen}


def save(sb, body, request):
    """Write the state file now."""
    sb.save()


COMMON: list[tuple[str, Handler, tuple[str, ...]]] = [
    ("/reset", reset, ("POST",)),
    ("/calls", calls, ("GET", "DELETE")),
    ("/faults", faults, ("GET", "POST")),
    ("/clock", clock, ("GET", "POST")),
    ("/save", save, ("POST",)),
]
