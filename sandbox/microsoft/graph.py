"""Graph v1.0 at ``/v1.0/...``: routing, bearer tokens and permissions, throttling, faults,
``/me``, ``/me/revokeSignInSessions`` and ``$batch``."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor, as_completed
from urllib.parse import urlsplit

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from ..control import json_response
from . import calendar_api, mail_api, subscriptions  # noqa: F401  (importing registers routes)
from .errors import GraphError
from .routes import ROUTES, Ctx, route

log = logging.getLogger(__name__)

BATCH_MAX = 20
BATCH_PARALLEL = 4


def match(path: str, method: str):
    allowed = False
    for r in ROUTES:
        m = r.pattern.match(path)
        if m is None:
            continue
        if method in r.methods:
            return r, m.groupdict()
        allowed = True
    if allowed:
        raise GraphError(
            405, "The request method is not supported for this resource.", "Request_BadRequest"
        )
    segment = path.strip("/").split("/")[-1] or path
    raise GraphError(400, f"Resource not found for the segment '{segment}'.", "BadRequest")


def authenticate(sb, request: Request) -> dict:
    header = request.headers.get("Authorization", "")
    if not header:
        raise GraphError(
            401,
            "Access token is empty.",
            "InvalidAuthenticationToken",
            headers={"WWW-Authenticate": 'Bearer realm=""'},
        )
    scheme, _, token = header.partition(" ")
    info = sb.identity.access(token.strip()) if scheme.lower() == "bearer" else None
    if info is None:
        known = scheme.lower() == "bearer" and token.strip() in sb.state.access_tokens
        raise GraphError(
            401,
            "Lifetime validation failed, the token is expired."
            if known
            else "IDX14100: JWT is not well formed, there are no dots (.).",
            "InvalidAuthenticationToken",
            headers={"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
        )
    return info


def handle_graph(sb, request: Request) -> Response:
    try:
        return _handle(sb, request)
    except GraphError as err:
        return err.response(sb.clock.now())
    except Exception:  # a stand-in bug still answers in Graph's shape, and is logged
        log.exception("Graph %s %s failed", request.method, request.path)
        return internal_error().response(sb.clock.now())


def internal_error() -> GraphError:
    return GraphError(500, "General exception while processing.", "generalException")


def _handle(sb, request: Request, in_batch: bool = False) -> Response:
    path = request.path[len("/v1.0") :] or "/"
    r, args = match(path, request.method)
    info = authenticate(sb, request)
    ctx = Ctx(sb, request, info["email"], info["client_id"], info["scopes"], path)
    if r.scopes and not set(r.scopes) & set(info["scopes"]):
        raise GraphError(
            403, "Access is denied. Check credentials and try again.", "ErrorAccessDenied"
        )
    if r.op == "batch":
        if in_batch:
            raise GraphError(400, "Nested batch requests are not supported.", "BadRequest")
        return batch(ctx)
    release = sb.throttle.enter(ctx.client_id, ctx.email)
    try:
        sb.faults.delay()
        fault = sb.faults.take(r.op, path)
        if fault is not None:
            raise fault_error(fault)
        sb.count_call(ctx.email, r.op)  # executed, whatever it answers
        if r.before is not None:  # e.g. a subscription's validation handshake: never locked
            ctx.prepared = r.before(ctx, **args)
        with sb.state.lock:
            answer = r.fn(ctx, **args)
    finally:
        release()
    if r.saves and not in_batch:  # a $batch is a POST: saved after it as a whole
        sb.save()
    if isinstance(answer, Response):
        return answer
    status, body = answer if isinstance(answer, tuple) else (200, answer)
    return json_response(body, status)


def fault_error(fault) -> GraphError:
    status = int(fault.code) if str(fault.code).isdigit() else 503
    headers = {}
    if status in (429, 503):
        headers["Retry-After"] = str(max(1, (fault.backoff_ms or 1000) // 1000))
    if status == 429:
        return GraphError(
            429,
            "Application is over its MailboxConcurrency limit.",
            "ApplicationThrottled",
            headers=headers,
        )
    messages = {503: "The service is currently unavailable.", 500: "Internal server error."}
    return GraphError(status, messages.get(status, f"Injected fault {status}."), headers=headers)


def odata(ctx: Ctx, entity: str) -> str:
    return f"{ctx.sb.base_url}/v1.0/$metadata#{entity}"


@route(r"/me", ("GET",), "me.get")
def me(ctx: Ctx):
    user = ctx.sb.state.users[ctx.email]
    return {
        "@odata.context": odata(ctx, "users/$entity"),
        "businessPhones": [],
        "displayName": user.name,
        "givenName": user.name.split()[0],
        "surname": user.name.split()[-1] if " " in user.name else None,
        "jobTitle": None,
        "mail": user.email,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": "en-US",
        "userPrincipalName": user.email,
        "id": user.oid,
    }


@route(r"/me/mailboxSettings", ("GET",), "me.mailboxSettings.get")
def mailbox_settings(ctx: Ctx):
    user = ctx.sb.state.users[ctx.email]
    return {
        "@odata.context": odata(ctx, f"users('{user.oid}')/mailboxSettings"),
        "timeZone": user.time_zone,
        "language": {"locale": "en-US"},
    }


@route(r"/me/revokeSignInSessions", ("POST",), "me.revokeSignInSessions")
def revoke(ctx: Ctx):
    ctx.sb.identity.revoke_sessions(ctx.email)
    return {"@odata.context": odata(ctx, "Edm.Boolean"), "value": True}


@route(r"/\$batch", ("POST",), "batch")
def _batch_route(ctx: Ctx):  # dispatched specially in _handle
    raise AssertionError


def batch(ctx: Ctx) -> Response:
    """JSON batching: at most 20 steps, relative URLs, unique ids, dependsOn (424 when a
    dependency failed), at most 4 steps at once; each step is its own counted call."""
    ctx.sb.count_call(ctx.email, "batch")
    steps = ctx.body().get("requests")
    if not isinstance(steps, list) or not steps:
        raise GraphError(400, "Invalid batch payload format.", "BadRequest")
    if len(steps) > BATCH_MAX:
        raise GraphError(
            400, f"Number of batch request steps exceeds the maximum of {BATCH_MAX}.", "BadRequest"
        )
    ids = [str(s.get("id", "")) for s in steps]
    if "" in ids or len(set(ids)) != len(ids):
        raise GraphError(
            400, "Batch request contains duplicate or missing request ids.", "BadRequest"
        )
    for step in steps:
        url = str(step.get("url", ""))
        if urlsplit(url).scheme or url.startswith("//"):
            raise GraphError(
                400,
                f"Invalid request url '{url}' for request '{step['id']}'. "
                "The url must be relative.",
                "BadRequest",
            )
        if url.lstrip("/").lower().split("/", 1)[0] in ("v1.0", "beta"):
            raise GraphError(
                400,
                f"Invalid request url '{url}' for request '{step['id']}'. The url must be "
                "relative to the version, as '/me', not '/v1.0/me'.",
                "BadRequest",
            )
        if not url:
            raise GraphError(400, f"Request '{step['id']}' has no url.", "BadRequest")
        if not str(step.get("method") or ""):
            raise GraphError(400, f"Request '{step['id']}' has no method.", "BadRequest")
        step_headers = {str(k).lower() for k in (step.get("headers") or {})}
        if step.get("body") is not None and "content-type" not in step_headers:
            raise GraphError(
                400,
                f"Content-Type header must be specified for request '{step['id']}', "
                "which has a body.",
                "BadRequest",
            )
        for dep in step.get("dependsOn") or []:
            if str(dep) not in ids[: ids.index(str(step["id"]))]:
                raise GraphError(
                    400,
                    f"Request '{step['id']}' depends on an unknown or later request '{dep}'.",
                    "BadRequest",
                )
    results: dict[str, dict] = {}  # in the order the steps finished
    if any(s.get("dependsOn") for s in steps):
        for step in steps:
            failed = (
                [d for d in step["dependsOn"] or [] if results[str(d)]["status"] >= 400]
                if step.get("dependsOn")
                else []
            )
            if failed:
                results[str(step["id"])] = {
                    "id": str(step["id"]),
                    "status": 424,
                    "headers": {"Content-Type": "application/json"},
                    "body": GraphError(
                        424, "Request failed due to a failed dependency.", "FailedDependency"
                    ).body(ctx.sb.clock.now()),
                }
            else:
                results[str(step["id"])] = run_step(ctx, step)
    else:
        with ThreadPoolExecutor(max_workers=BATCH_PARALLEL) as pool:
            for done in as_completed([pool.submit(run_step, ctx, s) for s in steps]):
                answer = done.result()
                results[answer["id"]] = answer
    return json_response({"responses": unordered(list(results.values()), ids)})


def unordered(answers: list[dict], ids: list[str]) -> list[dict]:
    """Graph lists a batch's answers in no promised order (clients match them by id): the
    order they finished, turned until it is not the request order."""
    if len(answers) > 1 and [a["id"] for a in answers] == ids:
        return answers[1:] + answers[:1]
    return answers


def run_step(ctx: Ctx, step: dict) -> dict:
    url = str(step["url"])
    if not url.startswith("/"):
        url = "/" + url
    url = "/v1.0" + url
    headers = {k: v for k, v in (step.get("headers") or {}).items()}
    headers["Authorization"] = ctx.request.headers.get("Authorization", "")
    body = step.get("body")
    data = None
    if body is not None:
        data = body if isinstance(body, str) else json.dumps(body)
    path, _, query = url.partition("?")
    env = EnvironBuilder(
        path=path,
        query_string=query,
        method=str(step["method"]).upper(),
        headers=headers,
        data=data,
    ).get_environ()
    try:
        resp = _handle(ctx.sb, Request(env), in_batch=True)
    except GraphError as err:
        resp = err.response(ctx.sb.clock.now())
    except Exception:
        log.exception("Graph batch step %s failed", step["id"])
        resp = internal_error().response(ctx.sb.clock.now())
    text = resp.get_data(as_text=True)
    out_headers = {k: v for k, v in resp.headers.items() if k.lower() not in ("content-length",)}
    return {
        "id": str(step["id"]),
        "status": resp.status_code,
        "headers": out_headers,
        "body": json.loads(text) if text and resp.mimetype == "application/json" else None,
    }
