"""Mail: ``/me/mailFolders/{inbox,sentitems}/messages/delta``, ``/me/messages/{id}`` and
``/me/sendMail``, which delivers to the other users of the stand-in."""

from __future__ import annotations

import html
import re
import secrets

from werkzeug.wrappers import Response

from .calendar_api import DELTA_TOKEN_DAYS
from .errors import GraphError
from .mailbox import Message, new_id
from .routes import READ_MAIL, SEND_MAIL, Ctx, route
from .subscriptions import notify
from .times import parse_instant, stamp

FOLDERS = {"inbox": "inbox", "sentitems": "sentitems"}
DELTA_PAGE = 10
# The one $filter message delta takes (https://learn.microsoft.com/graph/api/message-delta).
RECEIVED_SINCE = re.compile(r"^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$", re.IGNORECASE)


def received_bound(args) -> tuple[str, float] | None:
    """A first delta call's ``$filter=receivedDateTime ge|gt X`` as (op, timestamp); other
    filters and ``$search`` answer 400, as Graph's delta does."""
    if "$search" in args:
        raise GraphError(
            400,
            "The following parameters are not supported with change tracking over the "
            "'Messages' resource: '$search'.",
            "ErrorInvalidUrlQuery",
        )
    text = args.get("$filter")
    if text is None:
        return None
    m = RECEIVED_SINCE.match(text)
    if m is None:
        raise GraphError(
            400,
            f"The query filter '{text}' is not supported with change tracking over the "
            "'Messages' resource.",
            "ErrorInvalidUrlQuery",
        )
    return m.group(1).lower(), parse_instant(m.group(2), "$filter").timestamp()


def within(msg: Message, bound: tuple[str, float] | None) -> bool:
    if bound is None:
        return True
    received = parse_instant(msg.data["receivedDateTime"], "receivedDateTime").timestamp()
    return received >= bound[1] if bound[0] == "ge" else received > bound[1]


def folder_name(ident: str) -> str:
    name = FOLDERS.get(ident.lower())
    if name is None:
        raise GraphError(
            404, "The specified folder could not be found in the store.", "ErrorFolderNotFound"
        )
    return name


def to_text(content: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>", "\n", content, flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def message_json(ctx: Ctx, msg: Message, select: list[str] | None = None) -> dict:
    d = msg.data
    body = dict(d["body"])
    wanted = (ctx.prefer("outlook.body-content-type") or "").lower()
    if wanted == "text" and body.get("contentType", "").lower() == "html":
        body = {"contentType": "text", "content": to_text(body["content"])}
    out = {
        "@odata.etag": f'W/"{msg.change_key}"',
        "id": msg.id,
        "createdDateTime": stamp(msg.created)[:19] + "Z",
        "lastModifiedDateTime": stamp(msg.modified)[:19] + "Z",
        "changeKey": msg.change_key,
        "categories": [],
        "receivedDateTime": d["receivedDateTime"],
        "sentDateTime": d["sentDateTime"],
        "hasAttachments": False,
        "internetMessageId": d["internetMessageId"],
        "subject": d.get("subject", ""),
        "bodyPreview": to_text(body["content"])[:255]
        if body.get("contentType", "").lower() == "html"
        else body.get("content", "")[:255],
        "importance": "normal",
        "parentFolderId": msg.folder,
        "conversationId": d["conversationId"],
        "isRead": d.get("isRead", msg.folder == "sentitems"),
        "isDraft": False,
        "body": body,
        "sender": d["from"],
        "from": d["from"],
        "toRecipients": d.get("toRecipients", []),
        "ccRecipients": d.get("ccRecipients", []),
        "bccRecipients": d.get("bccRecipients", []),
        "replyTo": [],
    }
    if select:
        keep = {s.lower() for s in select} | {"id", "@odata.etag"}
        out = {k: v for k, v in out.items() if k.lower() in keep}
    return out


def _ci(body: dict, name: str, default=None):
    """A property whatever its case: msgraph-sdk writes sendMail's as Message, SaveToSentItems."""
    for key, value in body.items():
        if key.lower() == name.lower():
            return value
    return default


def _recipients(value) -> list[dict]:
    out = []
    for r in value or []:
        addr = _ci(r, "emailAddress") or {}
        out.append(
            {
                "emailAddress": {
                    "name": _ci(addr, "name") or _ci(addr, "address"),
                    "address": _ci(addr, "address"),
                }
            }
        )
    return out


def deliver(
    sb, sender: str, message: dict, save_copy: bool, now_iso: str, sender_name: str | None = None
) -> str:
    """Send ``message`` from ``sender``: into each stand-in recipient's Inbox, and a Sent
    Items copy when asked. The Internet Message-ID."""
    body = _ci(message, "body") or {"contentType": "text", "content": ""}
    body = {
        "contentType": (_ci(body, "contentType") or "text").lower(),
        "content": _ci(body, "content") or "",
    }
    user = sb.state.users.get(sender)
    name = user.name if user else (sender_name or sender)
    mid = _ci(message, "internetMessageId") or f"<{secrets.token_hex(12)}@sandbox.outlook.com>"
    data = {
        "subject": _ci(message, "subject") or "",
        "body": body,
        "from": {"emailAddress": {"name": name, "address": sender}},
        "toRecipients": _recipients(_ci(message, "toRecipients")),
        "ccRecipients": _recipients(_ci(message, "ccRecipients")),
        "bccRecipients": _recipients(_ci(message, "bccRecipients")),
        "internetMessageId": mid,
        "conversationId": _ci(message, "conversationId") or "AAQkAG" + secrets.token_urlsafe(32),
        "receivedDateTime": now_iso,
        "sentDateTime": now_iso,
    }
    if not data["toRecipients"] and not data["ccRecipients"] and not data["bccRecipients"]:
        raise GraphError(
            400,
            "At least one recipient is required, but none were found.",
            "ErrorInvalidRecipients",
        )
    now = sb.clock.time()
    if save_copy and user is not None:
        box = sb.mailbox(sender)
        msg = Message(new_id(), "sentitems", dict(data), now, now)
        box.messages[msg.id] = msg
        notify(sb, sender, "message", "created", msg.id, "sentitems")
    for r in data["toRecipients"] + data["ccRecipients"] + data["bccRecipients"]:
        addr = (r["emailAddress"]["address"] or "").lower()
        if addr in sb.state.users:
            copy = dict(data)
            if r in data["bccRecipients"]:
                copy["bccRecipients"] = []
            msg = Message(new_id(), "inbox", copy, now, now)
            sb.mailbox(addr).messages[msg.id] = msg
            notify(sb, addr, "message", "created", msg.id, "inbox")
    sb.state.sent_mail.append(
        {
            "from": sender,
            "internetMessageId": mid,
            "subject": data["subject"],
            "to": [r["emailAddress"]["address"] for r in data["toRecipients"]],
        }
    )
    return mid


@route(r"/me/sendMail", ("POST",), "me.sendMail", SEND_MAIL)
def send_mail(ctx: Ctx):
    body = ctx.body()
    message = _ci(body, "message")
    if not isinstance(message, dict):
        raise GraphError(400, "Empty Payload. JSON content expected.", "ErrorInvalidRequest")
    save = _ci(body, "saveToSentItems", True)
    if save is not None and not isinstance(save, bool):  # Edm.Boolean: "false" is not false
        raise GraphError(
            400,
            f"Cannot convert the literal '{save}' to the expected type 'Edm.Boolean'.",
            "BadRequest",
        )
    deliver(
        ctx.sb,
        ctx.email,
        message,
        save is not False,
        ctx.sb.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    return Response(status=202)


@route(r"/me/messages/(?P<message_id>[^/]+)", ("GET",), "messages.get", READ_MAIL)
def get_message(ctx: Ctx, message_id: str):
    select = ctx.request.args.get("$select")
    return message_json(ctx, ctx.mailbox.message(message_id), select.split(",") if select else None)


@route(r"/me/messages/(?P<message_id>[^/]+)", ("DELETE",), "messages.delete", ("mail.readwrite",))
def delete_message(ctx: Ctx, message_id: str):
    folder = ctx.mailbox.message(message_id).folder
    del ctx.mailbox.messages[message_id]
    notify(ctx.sb, ctx.email, "message", "deleted", message_id, folder)
    return Response(status=204)


@route(
    r"/me/mailFolders/(?P<folder>[^/]+)/messages/delta(?:\(\))?",
    ("GET",),
    "messages.delta",
    READ_MAIL,
    saves=True,
)
def messages_delta(ctx: Ctx, folder: str):
    sb, args = ctx.sb, ctx.request.args
    name = folder_name(folder)
    store = sb.state.delta_tokens
    skip, dtok = args.get("$skiptoken"), args.get("$deltatoken")
    select = args.get("$select")
    if skip or dtok:
        token = store.get(skip or dtok)
        if (
            token is None
            or token["email"] != ctx.email
            or token.get("resource") != "messages"
            or token["folder"] != name
            or token["kind"] != ("page" if skip else "delta")
            or token["epoch"] != sb.state.epoch
        ):
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
        token = {
            "kind": "delta",
            "resource": "messages",
            "email": ctx.email,
            "folder": name,
            "seen": {},
            "epoch": sb.state.epoch,
            "select": select,
            "since": received_bound(args),
            "created": ctx.now,
        }
    if token["kind"] == "delta":
        since = token.get("since")
        now = {
            m.id: m.change_key
            for m in ctx.mailbox.messages.values()
            if m.folder == name and within(m, since)
        }
        items = [
            i
            for i, v in sorted(now.items(), key=lambda kv: ctx.mailbox.messages[kv[0]].created)
            if token["seen"].get(i) != v
        ]
        items += [i for i in token["seen"] if i not in now]
        token = {**token, "kind": "page", "items": items, "offset": 0, "seen": now}
    size = ctx.page_size(DELTA_PAGE)
    chunk = token["items"][token["offset"] : token["offset"] + size]
    fields = token.get("select")
    values = []
    for ident in chunk:
        msg = ctx.mailbox.messages.get(ident)
        if msg is None or msg.folder != name:
            values.append(
                {
                    "@odata.type": "#microsoft.graph.message",
                    "id": ident,
                    "@removed": {"reason": "deleted"},
                }
            )
        else:
            values.append(
                {
                    "@odata.type": "#microsoft.graph.message",
                    **message_json(ctx, msg, fields.split(",") if fields else None),
                }
            )
    out = {"@odata.context": f"{sb.base_url}/v1.0/$metadata#Collection(message)"}
    key = secrets.token_urlsafe(24)
    offset = token["offset"] + size
    base = f"/me/mailFolders/{folder}/messages/delta"
    if offset < len(token["items"]):
        store[key] = {**token, "offset": offset}
        out["@odata.nextLink"] = ctx.link(f"{base}?$skiptoken={key}")
    else:
        store[key] = {
            "kind": "delta",
            "resource": "messages",
            "email": ctx.email,
            "folder": name,
            "seen": token["seen"],
            "epoch": token["epoch"],
            "select": fields,
            "since": token.get("since"),
            "created": ctx.now,
        }
        out["@odata.deltaLink"] = ctx.link(f"{base}?$deltatoken={key}")
    out["value"] = values
    return out
