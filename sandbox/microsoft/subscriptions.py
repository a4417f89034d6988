"""``/subscriptions`` (change notifications): the validationToken handshake with the
notification URL, clientState, the expirationDateTime limit of Outlook resources, renewal
by PATCH, deletion, and change notifications POSTed to the notification URL (on a
background thread, recorded in ``sb.state.notifications``)."""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
import uuid
from datetime import timedelta
from http import HTTPStatus

import requests
from werkzeug.wrappers import Response

from .errors import GraphError
from .routes import READ_CAL, READ_MAIL, Ctx, route
from .times import parse_instant

MAX_MINUTES = 10080  # events, messages: under 7 days
RESOURCES = re.compile(
    r"^/?(me|users/[^/]+)/(events|messages|mailFolders\('?\w+'?\)/messages|"
    r"mailFolders/\w+/messages|calendars?/\w*/?events)$",
    re.IGNORECASE,
)
CHANGE_TYPES = {"created", "updated", "deleted"}


def subscription_json(ctx: Ctx, sub: dict) -> dict:
    return {
        "@odata.context": f"{ctx.sb.base_url}/v1.0/$metadata#subscriptions/$entity",
        **{k: v for k, v in sub.items() if not k.startswith("_")},
    }


def check_expiry(ctx: Ctx, text: str | None):
    if not text:
        raise GraphError(400, "expirationDateTime is required.", "InvalidRequest")
    when = parse_instant(text, "expirationDateTime")
    now = ctx.sb.clock.now()
    if when <= now:
        raise GraphError(
            400, "Subscription expiration can only be in the future.", "InvalidRequest"
        )
    if when > now + timedelta(minutes=MAX_MINUTES):
        raise GraphError(
            400,
            f"Subscription expiration can only be {MAX_MINUTES} minutes in the future.",
            "InvalidRequest",
        )
    return when


def prepare(ctx: Ctx) -> dict:
    """Check the request and run the validation handshake, outside the state lock: a slow
    notification URL, or one that calls Graph back, must not stall other calls."""
    body = ctx.body()
    resource = str(body.get("resource", ""))
    if not RESOURCES.match(resource):
        raise GraphError(400, f"Resource '{resource}' is not supported.", "InvalidRequest")
    with ctx.sb.state.lock:
        check_access(ctx, resource)
    kinds = {k.strip() for k in str(body.get("changeType", "")).split(",") if k.strip()}
    if not kinds or kinds - CHANGE_TYPES:
        raise GraphError(
            400, "changeType must be created, updated and/or deleted.", "InvalidRequest"
        )
    state = body.get("clientState")
    if state is not None and len(str(state)) > 128:
        raise GraphError(400, "clientState may be at most 128 characters.", "InvalidRequest")
    url = str(body.get("notificationUrl", ""))
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise GraphError(400, "The notification URL must be HTTPS.", "InvalidRequest")
    check_expiry(ctx, body.get("expirationDateTime"))
    validate(url)
    return {"resource": resource, "kinds": kinds, "state": state, "url": url, "body": body}


@route(r"/subscriptions", ("POST",), "subscriptions.create", before=prepare)
def create(ctx: Ctx):
    p = ctx.prepared
    resource, kinds, state, url = p["resource"], p["kinds"], p["state"], p["url"]
    when = check_expiry(ctx, p["body"].get("expirationDateTime"))
    sub = {
        "id": str(uuid.uuid4()),
        "resource": resource,
        "applicationId": ctx.client_id,
        "changeType": ",".join(sorted(kinds)),
        "clientState": state,
        "notificationUrl": url,
        "expirationDateTime": when.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
        "creatorId": ctx.sb.state.users[ctx.email].oid,
        "latestSupportedTlsVersion": "v1_2",
        "_email": ctx.email,
    }
    ctx.sb.state.subscriptions[sub["id"]] = sub
    return 201, subscription_json(ctx, sub)


def check_access(ctx: Ctx, resource: str) -> None:
    """The delegated permission the resource needs (Calendars.Read* for events, Mail.Read*
    for messages), and a ``users/{id}`` that is the caller (by address or object id): a
    delegated token cannot subscribe to another user's mailbox without shared access."""
    owner = resource.lstrip("/").split("/", 1)[0]
    if owner.lower() == "users":
        who = resource.lstrip("/").split("/")[1].strip("'").lower()
        user = ctx.sb.state.users[ctx.email]
        if who not in (ctx.email.lower(), str(user.oid).lower()):
            raise GraphError(
                403, "Access is denied. Check credentials and try again.", "ErrorAccessDenied"
            )
    needed = READ_CAL if resource.lower().endswith("events") else READ_MAIL
    if not set(needed) & set(ctx.scopes):
        raise GraphError(
            403,
            "Access is denied. Check credentials and try again.",
            "ErrorAccessDenied",
        )


VALIDATION_TIMEOUT = 10.0  # seconds Graph waits for the validation answer
FAILED = "Subscription validation request failed."
NOT_200 = "Notification endpoint must respond with 200 OK to validation request."


def validate(url: str) -> None:
    """POST ``?validationToken=`` to the notification URL; refuse as Graph words it: timed
    out, not reachable or not 200 (naming the status as .NET does), or a body other than
    the token."""
    token = (
        "Validation: Testing client application reachability for subscription Request-Id: "
        + secrets.token_hex(16)
    )
    try:
        answer = requests.post(
            url,
            params={"validationToken": token},
            timeout=VALIDATION_TIMEOUT,
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
    except requests.Timeout:
        raise GraphError(
            400, "Subscription validation request timed out.", "ValidationError"
        ) from None
    except requests.RequestException:
        raise GraphError(400, f"{FAILED} {NOT_200}", "ValidationError") from None
    if answer.status_code != 200:
        try:
            name = HTTPStatus(answer.status_code).phrase.replace(" ", "").replace("-", "")
        except ValueError:
            name = str(answer.status_code)
        raise GraphError(
            400, f"{FAILED} HTTP status code is '{name}'. {NOT_200}", "ValidationError"
        )
    if answer.text != token:
        raise GraphError(
            400,
            f"{FAILED} Response must exactly match validationToken query parameter.",
            "ValidationError",
        )


def owned(ctx: Ctx, sub_id: str) -> dict:
    sub = ctx.sb.state.subscriptions.get(sub_id)
    if sub is not None and parse_instant(sub["expirationDateTime"], "x") <= ctx.sb.clock.now():
        del ctx.sb.state.subscriptions[sub_id]  # an expired subscription is gone
        sub = None
    if sub is None or sub["applicationId"] != ctx.client_id:
        raise GraphError(404, f"The object was not found: {sub_id}", "ResourceNotFound")
    return sub


@route(r"/subscriptions", ("GET",), "subscriptions.list")
def list_subs(ctx: Ctx):
    return {
        "value": [
            subscription_json(ctx, s)
            for s in ctx.sb.state.subscriptions.values()
            if s["applicationId"] == ctx.client_id
        ]
    }


@route(r"/subscriptions/(?P<sub_id>[^/]+)", ("GET",), "subscriptions.get")
def get_sub(ctx: Ctx, sub_id: str):
    return subscription_json(ctx, owned(ctx, sub_id))


@route(r"/subscriptions/(?P<sub_id>[^/]+)", ("PATCH",), "subscriptions.update")
def renew(ctx: Ctx, sub_id: str):
    sub = owned(ctx, sub_id)
    when = check_expiry(ctx, ctx.body().get("expirationDateTime"))
    sub["expirationDateTime"] = when.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
    return subscription_json(ctx, sub)


@route(r"/subscriptions/(?P<sub_id>[^/]+)", ("DELETE",), "subscriptions.delete")
def delete_sub(ctx: Ctx, sub_id: str):
    owned(ctx, sub_id)
    del ctx.sb.state.subscriptions[sub_id]
    return Response(status=204)


def _matches(resource: str, email: str, sub_email: str, kind: str, folder: str | None) -> bool:
    if email != sub_email:
        return False
    res = resource.lower().lstrip("/")
    if kind == "event":
        return res.endswith("/events")
    if "mailfolders" not in res:
        return res.endswith("/messages")
    return folder is not None and res.replace("('", "/").replace("')", "/").replace(
        "//", "/"
    ).endswith(f"mailfolders/{folder}/messages")


def notify(sb, email: str, kind: str, change: str, item_id: str, folder: str | None = None):
    """Tell every live subscription of ``email`` on this kind of resource about a change."""
    now = sb.clock.now()
    for sub in list(sb.state.subscriptions.values()):
        if change not in sub["changeType"].split(","):
            continue
        if parse_instant(sub["expirationDateTime"], "x") <= now:
            continue
        if not _matches(sub["resource"], email, sub["_email"], kind, folder):
            continue
        user = sb.state.users[email]
        collection = "Events" if kind == "event" else "Messages"
        note = {
            "subscriptionId": sub["id"],
            "subscriptionExpirationDateTime": sub["expirationDateTime"],
            "changeType": change,
            "resource": f"Users/{user.oid}/{collection}/{item_id}",
            "resourceData": {
                "@odata.type": f"#Microsoft.Graph.{kind.title()}",
                "@odata.id": f"Users/{user.oid}/{collection}/{item_id}",
                "id": item_id,
            },
            "clientState": sub["clientState"],
            "tenantId": sb.tenant_id,
        }
        sb.state.notifications.append(note)
        threading.Thread(target=_post, args=(sub["notificationUrl"], note), daemon=True).start()


def _post(url: str, note: dict) -> None:
    # Graph retries a failed delivery for a while, then drops it; the stand-in drops at once.
    with contextlib.suppress(requests.RequestException):
        requests.post(url, json={"value": [note]}, timeout=10)
