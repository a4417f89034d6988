"""Changes "as the user did in Outlook": the same rules as Graph writes, but not counted,
faulted or throttled, and without a token. Each answers the item as Graph would show it."""

from __future__ import annotations

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from .calendar_api import create_event, delete_event, event_json, patch_event
from .errors import GraphError
from .mail_api import deliver, message_json
from .mailbox import new_change_key
from .routes import Ctx
from .subscriptions import notify


def _ctx(sb, email: str, method: str = "POST", body: dict | None = None, headers=None) -> Ctx:
    import json

    env = EnvironBuilder(
        method=method,
        data=json.dumps(body or {}),
        headers=headers or {},
        content_type="application/json",
    ).get_environ()
    return Ctx(
        sb, Request(env), email, "outlook", ["calendars.readwrite", "mail.readwrite"], "/outlook"
    )


def outlook_action(sb, email: str, action: str, body: dict):
    """create_event {event}, update_event {id, changes}, delete_event {id},
    receive_mail {from, subject, body, content_type?, to?}, mark_read {id, is_read?},
    delete_message {id}."""
    with sb.state.lock:
        if action == "create_event":
            ctx = _ctx(sb, email, body=body)
            event, _ = create_event(ctx, body)
            return event_json(ctx, event)
        if action == "update_event":
            ctx = _ctx(sb, email, "PATCH", body["changes"])
            return patch_event(ctx, body["id"])
        if action == "delete_event":
            delete_event(_ctx(sb, email, "DELETE"), body["id"])
            return None
        if action == "receive_mail":
            sender = body["from"].lower()
            message = {
                "subject": body.get("subject", ""),
                "body": {
                    "contentType": body.get("content_type", "text"),
                    "content": body.get("body", ""),
                },
                "toRecipients": [{"emailAddress": {"address": a}} for a in body.get("to", [email])],
            }
            if body.get("conversation_id"):
                message["conversationId"] = body["conversation_id"]
            mid = deliver(
                sb,
                sender,
                message,
                bool(body.get("sender_keeps_copy")),
                sb.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                body.get("from_name"),
            )
            box = sb.mailbox(email)
            got = [m for m in box.messages.values() if m.data["internetMessageId"] == mid]
            return message_json(_ctx(sb, email), got[-1]) if got else {"internetMessageId": mid}
        if action == "mark_read":
            box = sb.mailbox(email)
            msg = box.message(body["id"])
            msg.data["isRead"] = bool(body.get("is_read", True))
            msg.modified = sb.clock.time()
            msg.change_key = new_change_key()
            notify(sb, email, "message", "updated", msg.id, msg.folder)
            return message_json(_ctx(sb, email), msg)
        if action == "delete_message":
            box = sb.mailbox(email)
            folder = box.message(body["id"]).folder
            del box.messages[body["id"]]
            notify(sb, email, "message", "deleted", body["id"], folder)
            return None
    raise GraphError(400, f"unknown Outlook action {action!r}", "BadRequest")


__all__ = ["outlook_action"]
