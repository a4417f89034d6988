"""Changes "as the user did in Outlook": they go through the same EWS operation code as a
client's requests (so change keys, sync states and invitations move exactly as for EWS
writes) but are neither counted, faulted nor throttled. ``sb.outlook`` is the Python API;
the control plane's /_sandbox/mailbox/{email}/... routes call it."""

from __future__ import annotations

import json
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from lxml import etree
from werkzeug.wrappers import Request, Response

from . import ids, timezones
from .delivery import receive_message
from .errors import EwsError
from .items import apply_fields
from .soap import OPERATIONS, Ctx
from .store import Item
from .xml import SOAP, M, T, format_dt, m, t

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _dt(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_dt(value)


def _mailboxes(tag: str, emails) -> str:
    inner = "".join(
        f"<t:Mailbox><t:EmailAddress>{escape(e)}</t:EmailAddress></t:Mailbox>" for e in emails
    )
    return f"<t:{tag}>{inner}</t:{tag}>" if emails else ""


def _attendees(tag: str, emails) -> str:
    inner = "".join(
        f"<t:Attendee><t:Mailbox><t:EmailAddress>{escape(e)}</t:EmailAddress></t:Mailbox>"
        "</t:Attendee>"
        for e in emails
    )
    return f"<t:{tag}>{inner}</t:{tag}>" if emails else ""


class Outlook:
    def __init__(self, sb):
        self.sb = sb

    def _run(self, email: str, op: str, body: str) -> etree._Element:
        email = email.lower()
        box = self.sb.mailboxes[email]
        payload = etree.fromstring(
            f'<m:{op} xmlns:m="{M}" xmlns:t="{T}" xmlns:s="{SOAP}" {body}</m:{op}>'
        )
        ctx = Ctx(self.sb, box, email, "Exchange2016", None, op)
        with box.lock:
            [msg] = OPERATIONS[op](ctx, payload)[:1]
        if msg.get("ResponseClass") == "Error":
            raise EwsError(msg.findtext(m("ResponseCode")), msg.findtext(m("MessageText")) or "")
        return msg

    @staticmethod
    def _id(msg) -> dict:
        e = msg.find(f".//{t('ItemId')}")
        return {"id": e.get("Id"), "change_key": e.get("ChangeKey")} if e is not None else {}

    # ----- calendar ----------------------------------------------------------------------
    def create_event(
        self,
        email: str,
        subject: str,
        start: datetime | str,
        end: datetime | str,
        *,
        time_zone: str = "UTC",
        all_day: bool = False,
        location: str | None = None,
        body: str | None = None,
        attendees: list[str] = (),
        optional_attendees: list[str] = (),
        weekly: list[str] | None = None,
        count: int | None = None,
        extended: dict[str, str] | None = None,
        send: str = "SendToNone",
    ) -> dict:
        """A single event, or with ``weekly=["Wednesday"]`` (and ``count``) a weekly series.
        ``time_zone`` is an IANA zone; ``extended`` maps PublicStrings names to values."""
        win = timezones.windows_id(time_zone)
        parts = [f"<t:Subject>{escape(subject)}</t:Subject>"]
        if body is not None:
            parts.append(f'<t:Body BodyType="Text">{escape(body)}</t:Body>')
        for name, value in (extended or {}).items():
            parts.append(
                "<t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId="
                f'"PublicStrings" PropertyName={quoteattr(name)} PropertyType="String"/>'
                f"<t:Value>{escape(value)}</t:Value></t:ExtendedProperty>"
            )
        parts.append(f"<t:Start>{_dt(start)}</t:Start><t:End>{_dt(end)}</t:End>")
        parts.append(f"<t:IsAllDayEvent>{'true' if all_day else 'false'}</t:IsAllDayEvent>")
        if location is not None:
            parts.append(f"<t:Location>{escape(location)}</t:Location>")
        parts.append(_attendees("RequiredAttendees", attendees))
        parts.append(_attendees("OptionalAttendees", optional_attendees))
        if weekly:
            first = datetime.fromisoformat(start) if isinstance(start, str) else start
            local = first.astimezone(timezones.zone(win))
            rng = (
                f"<t:NumberedRecurrence><t:StartDate>{local.date()}</t:StartDate>"
                f"<t:NumberOfOccurrences>{count}</t:NumberOfOccurrences></t:NumberedRecurrence>"
                if count
                else f"<t:NoEndRecurrence><t:StartDate>{local.date()}</t:StartDate>"
                "</t:NoEndRecurrence>"
            )
            parts.append(
                "<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval>"
                f"<t:DaysOfWeek>{' '.join(weekly)}</t:DaysOfWeek></t:WeeklyRecurrence>"
                f"{rng}</t:Recurrence>"
            )
        parts.append(f'<t:StartTimeZone Id="{win}"/><t:EndTimeZone Id="{win}"/>')
        msg = self._run(
            email,
            "CreateItem",
            f'SendMeetingInvitations="{send}"><m:Items><t:CalendarItem>{"".join(parts)}'
            "</t:CalendarItem></m:Items>",
        )
        return self._id(msg)

    def _set(self, element: str, name: str, uri: str, inner: str) -> str:
        return (
            f'<t:SetItemField><t:FieldURI FieldURI="{uri}"/><t:{element}>'
            f"<t:{name}>{inner}</t:{name}></t:{element}></t:SetItemField>"
        )

    def update_event(
        self, email: str, item_id: str, *, occurrence: int | None = None, **changes
    ) -> dict:
        """Change subject, location, body, start, end (ISO or datetime) of an event or, with
        ``occurrence=n``, of its n-th occurrence (which makes an exception)."""
        uris = {
            "subject": ("Subject", "item:Subject"),
            "location": ("Location", "calendar:Location"),
            "body": ("Body", "item:Body"),
            "start": ("Start", "calendar:Start"),
            "end": ("End", "calendar:End"),
        }
        updates = []
        for key, value in changes.items():
            name, uri = uris[key]
            text = _dt(value) if key in ("start", "end") else escape(str(value))
            if key == "body":
                updates.append(
                    f'<t:SetItemField><t:FieldURI FieldURI="{uri}"/><t:CalendarItem>'
                    f'<t:Body BodyType="Text">{text}</t:Body></t:CalendarItem></t:SetItemField>'
                )
            else:
                updates.append(self._set("CalendarItem", name, uri, text))
        target = (
            f'<t:OccurrenceItemId RecurringMasterId="{item_id}" InstanceIndex="{occurrence}"/>'
            if occurrence
            else f'<t:ItemId Id="{item_id}"/>'
        )
        msg = self._run(
            email,
            "UpdateItem",
            'ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations='
            f'"SendToNone"><m:ItemChanges><t:ItemChange>{target}<t:Updates>{"".join(updates)}'
            "</t:Updates></t:ItemChange></m:ItemChanges>",
        )
        return self._id(msg)

    def delete_item(
        self,
        email: str,
        item_id: str,
        *,
        occurrence: int | None = None,
        send_cancellations: str = "SendToNone",
    ) -> None:
        target = (
            f'<t:OccurrenceItemId RecurringMasterId="{item_id}" InstanceIndex="{occurrence}"/>'
            if occurrence
            else f'<t:ItemId Id="{item_id}"/>'
        )
        self._run(
            email,
            "DeleteItem",
            f'DeleteType="MoveToDeletedItems" SendMeetingCancellations="{send_cancellations}">'
            f"<m:ItemIds>{target}</m:ItemIds>",
        )

    # ----- mail --------------------------------------------------------------------------
    def send_mail(
        self,
        email: str,
        to: list[str],
        subject: str,
        body: str,
        *,
        cc: list[str] = (),
        html: bool = False,
        in_reply_to: str | None = None,
    ) -> None:
        parts = [
            f"<t:Subject>{escape(subject)}</t:Subject>",
            f'<t:Body BodyType="{"HTML" if html else "Text"}">{escape(body)}</t:Body>',
        ]
        if in_reply_to:
            parts.append(f"<t:InReplyTo>{escape(in_reply_to)}</t:InReplyTo>")
        parts.append(_mailboxes("ToRecipients", to))
        parts.append(_mailboxes("CcRecipients", cc))
        if in_reply_to:
            parts.append(f"<t:References>{escape(in_reply_to)}</t:References>")
        self._run(
            email,
            "CreateItem",
            'MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId>'
            '<t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId>'
            f"<m:Items><t:Message>{''.join(parts)}</t:Message></m:Items>",
        )

    def receive_mail(
        self,
        email: str,
        from_: str,
        subject: str,
        body: str,
        *,
        from_name: str | None = None,
        to: list[str] | None = None,
        cc: list[str] = (),
        html: bool = False,
        received: datetime | str | None = None,
        message_id: str | None = None,
        in_reply_to: str | None = None,
    ) -> dict:
        """Mail from anyone (a customer outside the organisation) delivered into the Inbox
        of `email`, received at `received` (default now): what the transport does, so no
        EWS call is made, counted or faulted. ``to`` defaults to the mailbox itself."""
        parts = [
            f"<t:Subject>{escape(subject)}</t:Subject>",
            f'<t:Body BodyType="{"HTML" if html else "Text"}">{escape(body)}</t:Body>',
        ]
        if in_reply_to:
            parts.append(f"<t:InReplyTo>{escape(in_reply_to)}</t:InReplyTo>")
        parts.append(_mailboxes("ToRecipients", [email] if to is None else to))
        parts.append(_mailboxes("CcRecipients", cc))
        if in_reply_to:
            parts.append(f"<t:References>{escape(in_reply_to)}</t:References>")
        source = etree.fromstring(f'<t:Message xmlns:t="{T}">{"".join(parts)}</t:Message>')
        email = email.lower()
        box = self.sb.mailboxes[email]
        when = self.sb.clock.now() if received is None else received
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        ctx = Ctx(self.sb, box, email, "Exchange2016", None, "CreateItem")
        with box.lock:
            item = Item(ids.new_key(), "Message", box.by_name["inbox"], when, when)
            apply_fields(ctx, item, source, creating=True)
            receive_message(ctx, item, (from_name or from_, from_), when, message_id)
        return {"id": box.item_id(item), "change_key": item.change_key}

    def mark_read(self, email: str, item_id: str, is_read: bool = True) -> dict:
        msg = self._run(
            email,
            "UpdateItem",
            'ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly">'
            f'<m:ItemChanges><t:ItemChange><t:ItemId Id="{item_id}"/><t:Updates>'
            + self._set("Message", "IsRead", "message:IsRead", "true" if is_read else "false")
            + "</t:Updates></t:ItemChange></m:ItemChanges>",
        )
        return self._id(msg)

    # ----- inspection ----------------------------------------------------------------------
    def items(self, email: str, folder: str = "calendar") -> list[dict]:
        """What the mailbox holds in a distinguished folder (no occurrences)."""
        box = self.sb.mailboxes[email.lower()]
        out = []
        for item in box.in_folder(box.folder(folder)):
            subject = item.fields.get("Subject")
            out.append(
                {
                    "id": box.item_id(item),
                    "change_key": item.change_key,
                    "element": item.element,
                    "subject": etree.fromstring(subject).text if subject else "",
                    "uid": item.data.get("uid"),
                    "start": item.data["start"].isoformat() if "start" in item.data else None,
                    "end": item.data["end"].isoformat() if "end" in item.data else None,
                    "is_read": item.is_read,
                    "recurring": bool(item.data.get("recurrence")),
                }
            )
        return out

    def invalidate_sync_states(self, email: str) -> None:
        """Every sync state of the mailbox so far answers ErrorInvalidSyncStateData."""
        box = self.sb.mailboxes[email.lower()]
        with box.lock:
            box.sync_states.clear()
            box.hierarchy_states.clear()


def outlook_action(sb, request: Request, email: str, action: str, body: dict):
    """/_sandbox/mailbox/{email}/{events|update|delete|mail|receive|read|items|
    invalidate-sync-states}.
    Item ids travel in the JSON body (base64 ids may contain "/")."""
    post = request.method == "POST"
    if action == "events" and post:
        return sb.outlook.create_event(email, **body)
    if action == "update" and post:
        item_id = body.pop("id")
        return sb.outlook.update_event(email, item_id, **body)
    if action == "delete" and post:
        return sb.outlook.delete_item(email, body["id"], occurrence=body.get("occurrence"))
    if action == "mail" and post:
        return sb.outlook.send_mail(email, **body)
    if action == "receive" and post:
        return sb.outlook.receive_mail(email, **body)
    if action == "read" and post:
        return sb.outlook.mark_read(email, body["id"], bool(body.get("is_read", True)))
    if action == "items":
        return sb.outlook.items(email, request.args.get("folder", "calendar"))
    if action == "invalidate-sync-states" and post:
        return sb.outlook.invalidate_sync_states(email)
    return Response(json.dumps({"error": "not found"}), 404, content_type="application/json")
