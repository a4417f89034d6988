"""What every Calendar/Gmail request passes before its handler, in Google's order:
authentication (401), call counting, injected faults (5xx), scopes (403), quota (403/429).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from . import partial
from . import scopes as scope_rules
from .context import Google
from .errors import ApiError, insufficient_scope, json_response, unauthenticated
from .state import AccessToken

# The WSGI environ key carrying a call's place in its batch request (batch.py sets it).
BATCH_SLOT = "sandbox.batch_slot"


@dataclass
class Ctx:
    """Who is calling and with what grant."""

    email: str
    token: AccessToken
    method_id: str

    @property
    def scopes(self) -> list[str]:
        return self.token.scopes


def bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.args.get("access_token") or None


def authenticate(sb: Google, request: Request) -> AccessToken:
    raw = bearer(request)
    if raw is None:
        raise unauthenticated(missing=True)
    with sb.state.lock:
        token = sb.state.access_tokens.get(raw)
        if token is None or token.revoked or token.expires_at <= sb.clock.time():
            raise unauthenticated()
        return token


def read_json(request: Request, api: str = "calendar") -> Any:
    if not request.get_data():
        return {}
    try:
        return json.loads(request.get_data(as_text=True))
    except ValueError as exc:
        raise ApiError(400, "Parse Error", "parseError", api=api) from exc


def api_method(method_id: str) -> Callable:
    """Wrap a handler ``fn(sb, ctx, request, **path)`` with the gate and error rendering."""
    api = method_id.split(".", 1)[0]

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def handler(sb: Google, request: Request, **kw: Any) -> Response:
            try:
                token = authenticate(sb, request)
                sb.state.count_call(token.email, method_id)
                if sb.faults.latency:
                    time.sleep(sb.faults.latency)
                sb.faults.check_api(method_id, request.path)
                if not scope_rules.allows(token.scopes, method_id):
                    raise insufficient_scope(method_id, scope_rules.METHOD_SCOPES[method_id])
                sb.quota.check_concurrent(method_id, request.environ.get(BATCH_SLOT))
                sb.quota.charge(token.email, method_id)
                ctx = Ctx(token.email, token, method_id)
                result = fn(sb, ctx, request, **kw)
            except ApiError as err:
                if err.api != api and api == "gmail":
                    err.api, err.with_status = "gmail", True
                return err.response()
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(status=204)
            fields = request.args.get("fields")
            if fields:
                try:
                    result = partial.apply(result, partial.parse(fields, api))
                except ApiError as err:
                    return err.response()
            return json_response(result)

        handler.method_id = method_id  # type: ignore[attr-defined]
        return handler

    return deco
