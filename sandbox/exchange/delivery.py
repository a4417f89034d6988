"""Mail between stand-in users: a sent message lands in each recipient's Inbox (with a copy
in the sender's Sent Items); mail from outside the organisation lands in the Inbox as the
transport delivered it (`receive_message`); a meeting with attendees sends MeetingRequest
items, and its deletion MeetingCancellation items, carrying the meeting's UID. Every
invitation the client asked for is also recorded for tests, whether or not the attendee is a
user here."""

from __future__ import annotations

import base64
import secrets

from lxml import etree

from . import ids
from .items import addresses, clone, mailbox_xml
from .store import Item
from .xml import el, t


def _new_conversation_id() -> str:
    return base64.b64encode(b"CONV" + secrets.token_bytes(24)).decode()


def _text(item: Item, name: str) -> str:
    blob = item.fields.get(name)
    return (etree.fromstring(blob).text or "").strip() if blob else ""


def _conversation_of(box, item: Item) -> str:
    """A reply joins the conversation of the message it answers (by In-Reply-To)."""
    parent = _text(item, "InReplyTo")
    if parent:
        for other in box.items.values():
            if _text(other, "InternetMessageId") == parent and other.data.get("conversation_id"):
                return other.data["conversation_id"]
    return _new_conversation_id()


def _subject(item: Item) -> str:
    blob = item.fields.get("Subject")
    return (etree.fromstring(blob).text or "") if blob else ""


def deliver_message(ctx, item: Item, *, save_copy: bool, folder) -> None:
    sb, box = ctx.sb, ctx.mailbox
    now = sb.clock.now()
    data = item.data
    if "InternetMessageId" not in item.fields:
        mid = f"<{secrets.token_hex(12)}@{box.email.split('@')[1]}>"
        item.fields["InternetMessageId"] = etree.tostring(el(t("InternetMessageId"), mid))
    data.setdefault("conversation_id", _conversation_of(box, item))
    data["sent"] = data["received"] = now
    item.fields["From"] = etree.tostring(mailbox_xml(t("From"), box.name, box.email))
    item.fields["Sender"] = etree.tostring(mailbox_xml(t("Sender"), box.name, box.email))
    item.is_read = True
    if save_copy:
        item.folder = folder.key
        box.add(item)
    recipients = addresses(item, "ToRecipients") + addresses(item, "CcRecipients")
    recipients += addresses(item, "BccRecipients")
    for email in dict.fromkeys(recipients):
        target = sb.mailboxes.get(email)
        if target is None:
            continue
        copy_ = Item(ids.new_key(), item.element, target.by_name["inbox"], now, now)
        copy_.fields = {k: clone(v) for k, v in item.fields.items() if k != "BccRecipients"}
        copy_.extended = {}
        copy_.data = {k: v for k, v in data.items() if k in ("conversation_id", "sent", "received")}
        copy_.is_read = False
        target.add(copy_)


def receive_message(
    ctx, item: Item, sender: tuple[str, str], received, message_id: str | None
) -> None:
    """Deliver `item` (a Message parsed from the client schema) into the Inbox as mail from
    `sender` (name, email), who need not be a user here: sent and received at `received`,
    unread, in the conversation of the message it answers (In-Reply-To), else a new one."""
    box = ctx.mailbox
    name, email = sender
    mid = message_id or f"<{secrets.token_hex(12)}@{email.split('@')[1]}>"
    item.fields["InternetMessageId"] = etree.tostring(el(t("InternetMessageId"), mid))
    item.fields["From"] = etree.tostring(mailbox_xml(t("From"), name, email))
    item.fields["Sender"] = etree.tostring(mailbox_xml(t("Sender"), name, email))
    item.data["conversation_id"] = _conversation_of(box, item)
    item.data["sent"] = item.data["received"] = received
    item.is_read = False
    item.folder = box.by_name["inbox"]
    box.add(item)


def send_invitations(
    ctx, item: Item, action: str, send: str, occurrence: dict | None = None
) -> None:
    """Record the invitation and deliver MeetingRequest / MeetingCancellation items; for one
    ``occurrence`` they carry its times and RecurrenceId, not the series' recurrence (an
    attendee's client would otherwise cancel the whole series)."""
    sb, box = ctx.sb, ctx.mailbox
    now = sb.clock.now()
    recipients = addresses(item, "RequiredAttendees") + addresses(item, "OptionalAttendees")
    recipients += addresses(item, "Resources")
    item.data["invitations_sent"] = True
    sb.invitations.append(
        {
            "email": box.email,
            "uid": item.data.get("uid"),
            "action": action,
            "send": send,
            "recipients": recipients,
            "subject": _subject(item),
            "at": now.isoformat(),
            "instance_index": occurrence["index"] if occurrence else None,
        }
    )
    element = "MeetingCancellation" if action == "cancelled" else "MeetingRequest"
    for email in dict.fromkeys(recipients):
        target = sb.mailboxes.get(email)
        if target is None or email == box.email:
            continue
        msg = Item(ids.new_key(), element, target.by_name["inbox"], now, now)
        prefix = (
            "Canceled: " if action == "cancelled" else ("" if action == "created" else "Updated: ")
        )
        msg.fields["Subject"] = etree.tostring(el(t("Subject"), prefix + _subject(item)))
        for name in ("Body", "Location", "RequiredAttendees", "OptionalAttendees"):
            if name in item.fields:
                msg.fields[name] = clone(item.fields[name])
        msg.fields["From"] = etree.tostring(mailbox_xml(t("From"), box.name, box.email))
        msg.fields["ToRecipients"] = etree.tostring(
            el(t("ToRecipients"), children=[mailbox_xml(t("Mailbox"), email, email)[0]])
        )
        msg.data = {
            k: item.data[k]
            for k in ("uid", "start", "end", "start_tz", "end_tz", "all_day", "recurrence")
            if k in item.data
        }
        msg.data.update(
            {
                "organizer": (box.name, box.email),
                "sent": now,
                "received": now,
                "conversation_id": item.data.setdefault("conversation_id", _new_conversation_id()),
            }
        )
        if occurrence is not None:
            msg.data.pop("recurrence", None)
            msg.data.update(
                start=occurrence["start"],
                end=occurrence["end"],
                recurrence_id=occurrence["original_start"],
            )
        if action == "cancelled":
            msg.data["cancelled"] = True
        target.add(msg)
