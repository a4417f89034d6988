"""Gmail API v1 over HTTP: profile, messages, threads, history, labels."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule
from werkzeug.wrappers import Request

from . import gmail_mime as mime
from . import scopes as scope_rules
from .api_gate import Ctx, api_method, read_json
from .context import Google
from .errors import ApiError, not_found
from .gmail_query import compile_query
from .gmail_store import SYSTEM_LABELS, Mailbox, Message
from .tokens import fingerprint

BASE = "/gmail/v1/users/<user_id>"
FORMATS = ("minimal", "full", "raw", "metadata")
HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")


def _bad(message: str) -> ApiError:
    return ApiError(400, message, "invalidArgument", api="gmail")


def _forbidden(message: str) -> ApiError:
    return ApiError(403, message, "forbidden", api="gmail")


def _size(args: MultiDict, default: int, maximum: int) -> int:
    raw = args.get("maxResults")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise _bad(f"Invalid value '{raw}'") from exc
    if value < 0:
        raise _bad(f"Invalid value '{raw}'")
    return min(value or default, maximum)


def _page(sb: Google, args: MultiDict, email: str, keyed: list, size: int) -> tuple:
    """Cursor paging over (key, item) pairs sorted by key; tokens bound to the query."""
    shape = {
        k: sorted(args.getlist(k))
        for k in args
        if k not in ("pageToken", "maxResults", "alt", "prettyPrint", "fields")
    }
    shape["_u"] = [email]
    fp = fingerprint(shape)
    after, after_empty = None, False
    if args.get("pageToken"):
        data = sb.codec.decode(args["pageToken"])
        if not data or data.get("k") != "gpage" or data.get("fp") != fp:
            raise _bad("Invalid pageToken")
        after, after_empty = data["after"], bool(data.get("e"))
        if after is not None:
            keyed = [p for p in keyed if p[0] > after]
    page = keyed[: sb.short_pages.take(len(keyed), size, after_empty)]
    token = None
    if len(keyed) > len(page):
        last = page[-1][0] if page else after
        token = sb.codec.encode({"k": "gpage", "fp": fp, "after": last, "e": not page})
    return [item for _, item in page], token, len(keyed)


def render_message(msg: Message, fmt: str, headers: list[str] | None = None) -> dict:
    out: dict[str, Any] = {
        "id": msg.id,
        "threadId": msg.thread_id,
        "labelIds": list(msg.label_ids),
        "snippet": msg.snippet,
        "sizeEstimate": len(msg.raw),
        "historyId": str(msg.history_id),
        "internalDate": str(msg.internal_date),
    }
    if fmt == "raw":
        out["raw"] = mime.b64url(msg.raw)
    elif fmt == "full":
        out["payload"] = mime.payload(mime.parse(msg.raw))
    elif fmt == "metadata":
        parsed = mime.parse(msg.raw)
        wanted = {h.lower() for h in headers or []}
        out["payload"] = {
            "partId": "",
            "mimeType": parsed.get_content_type(),
            "filename": "",
            "headers": [
                h for h in mime.headers_of(parsed) if not wanted or h["name"].lower() in wanted
            ],
        }
    return out


def _format(ctx: Ctx, args: MultiDict) -> str:
    fmt = args.get("format", "full")
    if fmt not in FORMATS:
        raise _bad(f"Invalid value for format: {fmt}")
    if fmt in ("full", "raw") and scope_rules.gmail_metadata_only(ctx.scopes):
        raise _forbidden(f"Metadata scope doesn't allow format {fmt.upper()}")
    return fmt


def _visible(box: Mailbox, args: MultiDict, ctx: Ctx, sb: Google) -> list[Message]:
    include = args.get("includeSpamTrash", "false").lower() == "true"
    labels = args.getlist("labelIds")
    for label in labels:
        if label not in SYSTEM_LABELS and label not in box.labels:
            raise _bad(f"Invalid label: {label}")
    matcher, reaches = None, False
    if args.get("q"):
        if scope_rules.gmail_metadata_only(ctx.scopes):
            raise _forbidden("Metadata scope does not support 'q' parameter")
        matcher, reaches = compile_query(args["q"], sb.clock.time())
    out = []
    for msg in box.messages.values():
        if not (include or reaches) and ({"SPAM", "TRASH"} & set(msg.label_ids)):
            continue
        if any(label not in msg.label_ids for label in labels):
            continue
        if matcher and not matcher(box, msg):
            continue
        out.append(msg)
    return out


@api_method("gmail.users.getProfile")
def profile(sb: Google, ctx: Ctx, request: Request, user_id: str) -> dict:
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        return {
            "emailAddress": ctx.email,
            "messagesTotal": len(box.messages),
            "threadsTotal": len(box.threads),
            "historyId": str(box.history_id),
        }


@api_method("gmail.users.messages.list")
def messages_list(sb: Google, ctx: Ctx, request: Request, user_id: str) -> dict:
    args = request.args
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        found = _visible(box, args, ctx, sb)
        keyed = sorted(([-m.internal_date, _neg(m.id)], m) for m in found)
        keyed = [(k, m.ref()) for k, m in keyed]
        items, token, total = _page(sb, args, ctx.email, keyed, _size(args, 100, 500))
    out: dict[str, Any] = {}
    if items:
        out["messages"] = items
    if token:
        out["nextPageToken"] = token
    out["resultSizeEstimate"] = total
    return out


def _neg(hex_id: str) -> str:
    """Sort key placing higher (newer) ids first among equal dates."""
    return "".join("0123456789abcdef"[15 - int(c, 16)] for c in hex_id.rjust(16, "0"))


@api_method("gmail.users.messages.get")
def messages_get(sb: Google, ctx: Ctx, request: Request, user_id: str, message_id: str) -> dict:
    fmt = _format(ctx, request.args)
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        msg = sb.gmail_store.get(box, message_id)
        return render_message(msg, fmt, request.args.getlist("metadataHeaders"))


@api_method("gmail.users.messages.modify")
def messages_modify(sb: Google, ctx: Ctx, request: Request, user_id: str, message_id: str) -> dict:
    body = read_json(request, "gmail")
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        msg = sb.gmail_store.modify(
            box,
            message_id,
            list(body.get("addLabelIds") or []),
            list(body.get("removeLabelIds") or []),
        )
        return render_message(msg, "minimal")


@api_method("gmail.users.messages.trash")
def messages_trash(sb: Google, ctx: Ctx, request: Request, user_id: str, message_id: str) -> dict:
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        return render_message(sb.gmail_store.modify(box, message_id, ["TRASH"], []), "minimal")


@api_method("gmail.users.messages.untrash")
def messages_untrash(sb: Google, ctx: Ctx, request: Request, user_id: str, message_id: str) -> dict:
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        return render_message(sb.gmail_store.modify(box, message_id, [], ["TRASH"]), "minimal")


@api_method("gmail.users.messages.delete")
def messages_delete(sb: Google, ctx: Ctx, request: Request, user_id: str, message_id: str) -> None:
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        sb.gmail_store.delete(box, message_id)


@api_method("gmail.users.threads.get")
def threads_get(sb: Google, ctx: Ctx, request: Request, user_id: str, thread_id: str) -> dict:
    fmt = _format(ctx, request.args)
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        ids = box.threads.get(thread_id)
        if not ids:
            raise not_found("gmail")
        msgs = [box.messages[i] for i in ids]
        headers = request.args.getlist("metadataHeaders")
        return {
            "id": thread_id,
            "historyId": str(max(m.history_id for m in msgs)),
            "messages": [render_message(m, fmt, headers) for m in msgs],
        }


@api_method("gmail.users.threads.list")
def threads_list(sb: Google, ctx: Ctx, request: Request, user_id: str) -> dict:
    args = request.args
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        latest: dict[str, Message] = {}
        for m in _visible(box, args, ctx, sb):
            if m.thread_id not in latest or m.internal_date > latest[m.thread_id].internal_date:
                latest[m.thread_id] = m
        keyed = sorted(
            (
                [-m.internal_date, _neg(tid)],
                {
                    "id": tid,
                    "snippet": m.snippet,
                    "historyId": str(max(box.messages[i].history_id for i in box.threads[tid])),
                },
            )
            for tid, m in latest.items()
        )
        items, token, total = _page(sb, args, ctx.email, keyed, _size(args, 100, 500))
    out: dict[str, Any] = {}
    if items:
        out["threads"] = items
    if token:
        out["nextPageToken"] = token
    out["resultSizeEstimate"] = total
    return out


@api_method("gmail.users.history.list")
def history_list(sb: Google, ctx: Ctx, request: Request, user_id: str) -> dict:
    args = request.args
    raw_start = args.get("startHistoryId")
    if not raw_start:
        raise ApiError(400, "Required parameter: startHistoryId", "required", api="gmail")
    try:
        start = int(raw_start)
    except ValueError as exc:
        raise _bad("Invalid startHistoryId") from exc
    types = args.getlist("historyTypes")
    if any(t not in HISTORY_TYPES for t in types):
        raise _bad("Invalid value for historyTypes")
    label = args.get("labelId")
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        records = sb.gmail_store.history_since(box, start)
        if types:
            records = [r for r in records if r.kind in types]
        if label:
            records = [
                r for r in records if label in r.message.get("labelIds", []) or label in r.label_ids
            ]
        keyed = [(r.id, r) for r in records]
        page, token, _ = _page(sb, args, ctx.email, keyed, _size(args, 100, 500))
        current = box.history_id
    out: dict[str, Any] = {}
    if page:
        out["history"] = [_history_entry(r) for r in page]
    if token:
        out["nextPageToken"] = token
    out["historyId"] = str(current)
    return out


def _history_entry(r) -> dict:
    ref = {"id": r.message["id"], "threadId": r.message["threadId"]}
    entry: dict[str, Any] = {"id": str(r.id), "messages": [ref]}
    full = {**ref, "labelIds": r.message.get("labelIds", [])}
    if r.kind == "messageAdded":
        entry["messagesAdded"] = [{"message": full}]
    elif r.kind == "messageDeleted":
        entry["messagesDeleted"] = [{"message": ref}]
    elif r.kind == "labelAdded":
        entry["labelsAdded"] = [{"message": full, "labelIds": r.label_ids}]
    else:
        entry["labelsRemoved"] = [{"message": full, "labelIds": r.label_ids}]
    return entry


@api_method("gmail.users.labels.list")
def labels_list(sb: Google, ctx: Ctx, request: Request, user_id: str) -> dict:
    with sb.state.lock:
        box = sb.gmail_store.resolve(ctx.email, user_id)
        labels = [{"id": lab, "name": lab, "type": "system"} for lab in SYSTEM_LABELS]
        labels += [{"id": i, "name": n, "type": "user"} for i, n in box.labels.items()]
    return {"labels": labels}


M = f"{BASE}/messages/<message_id>"
RULES = [
    Rule(f"{BASE}/profile", endpoint=profile, methods=["GET"]),
    Rule(f"{BASE}/messages", endpoint=messages_list, methods=["GET"]),
    Rule(M, endpoint=messages_get, methods=["GET"]),
    Rule(M, endpoint=messages_delete, methods=["DELETE"]),
    Rule(f"{M}/modify", endpoint=messages_modify, methods=["POST"]),
    Rule(f"{M}/trash", endpoint=messages_trash, methods=["POST"]),
    Rule(f"{M}/untrash", endpoint=messages_untrash, methods=["POST"]),
    Rule(f"{BASE}/threads", endpoint=threads_list, methods=["GET"]),
    Rule(f"{BASE}/threads/<thread_id>", endpoint=threads_get, methods=["GET"]),
    Rule(f"{BASE}/history", endpoint=history_list, methods=["GET"]),
    Rule(f"{BASE}/labels", endpoint=labels_list, methods=["GET"]),
]
