"""Items as EWS reads and writes them: parsing a client's t:CalendarItem / t:Message,
validating it as the schema and Exchange do, and rendering it back for an ItemShape."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lxml import etree

from . import ids, recurrence, timezones, versions
from .errors import EwsError, schema_error
from .fields import (
    BOOLEAN,
    DEFAULT_SHAPE,
    ENUMS,
    FIELD_URIS,
    INTEGER,
    NOT_IN_SUMMARY,
    ORDER,
    WRITABLE,
)
from .store import Item
from .xml import T, el, format_dt, local, parse_bool, parse_dt, sub, t

ITEM_CLASS = {
    "CalendarItem": "IPM.Appointment",
    "Message": "IPM.Note",
    "MeetingRequest": "IPM.Schedule.Meeting.Request",
    "MeetingCancellation": "IPM.Schedule.Meeting.Canceled",
}


def ext_key(uri: etree._Element) -> tuple:
    """ExtendedFieldURI -> a key independent of how the client spelled it."""
    tag = uri.get("PropertyTag")
    if tag:
        tag = str(int(tag, 16) if tag.lower().startswith("0x") else int(tag))
    return (
        uri.get("DistinguishedPropertySetId") or (uri.get("PropertySetId") or "").lower(),
        tag,
        uri.get("PropertyName"),
        uri.get("PropertyId"),
        uri.get("PropertyType"),
    )


@dataclass
class Shape:
    base: str = "IdOnly"
    names: set[str] = field(default_factory=set)
    extended: set[tuple] = field(default_factory=set)
    summary: bool = False  # FindItem / SyncFolderItems: never the NOT_IN_SUMMARY fields

    def wants(self, element: str, name: str) -> bool:
        if self.summary and name in NOT_IN_SUMMARY:
            return False
        if name in self.names or self.base == "AllProperties":
            return True
        return self.base == "Default" and name in DEFAULT_SHAPE.get(element, set())


def field_name(uri: etree._Element) -> str:
    """The property a FieldURI names; a value outside types.xsd's enumeration fails schema
    validation."""
    value = uri.get("FieldURI", "")
    if value not in FIELD_URIS:
        raise schema_error(
            f"The 'FieldURI' attribute is invalid - The value '{value}' is invalid according "
            "to its datatype 'http://schemas.microsoft.com/exchange/services/2006/types:"
            "UnindexedFieldURIType' - The Enumeration constraint failed."
        )
    return value.split(":", 1)[1]


def parse_shape(elem: etree._Element | None) -> Shape:
    if elem is None:
        raise schema_error("The ItemShape element is required.")
    shape = Shape(elem.findtext(t("BaseShape")) or "")
    if shape.base not in ("IdOnly", "Default", "AllProperties"):
        raise schema_error(f"The BaseShape value '{shape.base}' is invalid.")
    extra = elem.find(t("AdditionalProperties"))
    if extra is not None:
        for uri in extra:
            if local(uri) == "FieldURI":
                shape.names.add(field_name(uri))
            elif local(uri) == "ExtendedFieldURI":
                shape.extended.add(ext_key(uri))
    return shape


def summary_shape(shape: Shape, *, refuse: bool) -> Shape:
    """The shape as FindItem (``refuse``: a named body or recipient list is an error) or
    SyncFolderItems (such fields are left out) serve it."""
    named = sorted(shape.names & NOT_IN_SUMMARY)
    if refuse and named:
        raise EwsError(
            "ErrorInvalidPropertyRequest",
            f"The property '{named[0]}' can't be used in FindItem requests.",
        )
    return Shape(shape.base, set(shape.names), set(shape.extended), summary=True)


def _xml(e: etree._Element) -> bytes:
    return etree.tostring(e)


def _load(blob: bytes) -> etree._Element:
    return etree.fromstring(blob)


def apply_fields(ctx, item: Item, source: etree._Element, *, creating: bool) -> set[str]:
    """Copy the client's elements onto ``item``; returns the names changed."""
    element = item.element
    allowed = ORDER.get(element, [])
    writable = WRITABLE.get(element, set())
    changed: set[str] = set()
    tz = ctx.tz
    position = 0
    for child in source:
        if not isinstance(child.tag, str):
            continue
        name = local(child)
        if etree.QName(child).namespace != T:
            raise schema_error(f"The element '{child.tag}' is not expected.")
        if name not in allowed or allowed.index(name) < position:
            # Unknown, or out of the xs:sequence order of types.xsd.
            raise schema_error(
                f"The element '{element}' in namespace types has invalid child element '{name}'."
            )
        position = allowed.index(name)
        if name not in writable:
            raise EwsError("ErrorInvalidPropertySet", f"Set action is invalid for property {name}.")
        text = (child.text or "").strip()
        try:
            if name in BOOLEAN:
                value = parse_bool(text)
                if name == "IsRead":
                    item.is_read = value
                    changed.add(name)
                    continue
                if name == "IsAllDayEvent":
                    item.data["all_day"] = value
                    changed.add(name)
                    continue
                normal = el(t(name), value)
                item.fields[name] = _xml(normal)
                changed.add(name)
                continue
            if name in INTEGER:
                int(text)
            if name in ENUMS and text not in ENUMS[name]:
                raise ValueError(f"The value '{text}' is invalid for {name}")
        except ValueError as exc:
            raise schema_error(str(exc)) from exc
        if name in ("Start", "End"):
            try:
                item.data[name.lower()] = parse_dt(text, tz)
            except ValueError as exc:
                raise schema_error(str(exc)) from exc
        elif name in ("StartTimeZone", "EndTimeZone", "MeetingTimeZone"):
            zone_id = child.get("Id") or child.get("TimeZoneName")
            timezones.zone(zone_id)  # unknown -> ErrorTimeZone
            if name == "MeetingTimeZone":
                item.data.setdefault("start_tz", zone_id)
                item.data.setdefault("end_tz", zone_id)
            else:
                item.data["start_tz" if name == "StartTimeZone" else "end_tz"] = zone_id
        elif name == "UID":
            item.data["uid"] = text
        elif name == "ExtendedProperty":
            uri = child.find(t("ExtendedFieldURI"))
            if uri is None:
                raise schema_error("ExtendedProperty needs an ExtendedFieldURI.")
            item.extended[ext_key(uri)] = _xml(child)
        elif name == "Recurrence":
            from .recurrence import parse_recurrence

            parse_recurrence(child)  # schema and value checks
            item.data["recurrence"] = _xml(child)
            item.data.pop("exceptions", None)
            item.data.pop("deleted", None)
        else:
            item.fields[name] = _xml(child)
        changed.add(name)
    return changed


def finish_calendar(ctx, item: Item, now: datetime) -> None:
    """Exchange's defaults and checks for a calendar item after a write."""
    data = item.data
    zone_default = timezones.windows_id(str(ctx.tz)) if ctx.tz else "UTC"
    data.setdefault("start_tz", zone_default)
    data.setdefault("end_tz", data["start_tz"])
    if "start" not in data:
        base = now.replace(second=0, microsecond=0)
        data["start"] = base + timedelta(minutes=30 - base.minute % 30)
    data.setdefault("end", data["start"] + timedelta(minutes=30))
    if data.get("all_day"):
        # All-day events span whole days at local midnight in their zone.
        zone = timezones.zone(data["start_tz"]) or UTC
        local_start = data["start"].astimezone(zone)
        local_end = data["end"].astimezone(zone)
        start = datetime(local_start.year, local_start.month, local_start.day, tzinfo=zone)
        end = datetime(local_end.year, local_end.month, local_end.day, tzinfo=zone)
        if end < local_end:
            end = _next_midnight(end)
        if end <= start:
            end = _next_midnight(start)
        data["start"], data["end"] = start.astimezone(UTC), end.astimezone(UTC)
    if data["end"] < data["start"]:
        raise EwsError(
            "ErrorCalendarEndDateIsEarlierThanStartDate",
            "EndDate is earlier than StartDate",
        )
    if data.get("recurrence"):
        recurrence.check_span(item)
    if not data.get("uid"):
        data["uid"] = ids.new_key().hex().upper() + ids.new_key().hex().upper()[:8]


def _next_midnight(day: datetime) -> datetime:
    following = (day.replace(tzinfo=None) + timedelta(days=1)).date()
    return datetime(following.year, following.month, following.day, tzinfo=day.tzinfo)


def mailbox_xml(tag: str, name: str, email: str) -> etree._Element:
    e = el(tag)
    box = sub(e, t("Mailbox"))
    sub(box, t("Name"), name)
    sub(box, t("EmailAddress"), email)
    sub(box, t("RoutingType"), "SMTP")
    sub(box, t("MailboxType"), "Mailbox")
    return e


def addresses(item: Item, name: str) -> list[str]:
    """Email addresses in a stored recipient/attendee element."""
    blob = item.fields.get(name)
    if not blob:
        return []
    return [
        (a.text or "").strip().lower()
        for a in _load(blob).iter(t("EmailAddress"))
        if (a.text or "").strip()
    ]


def render(ctx, item: Item, shape: Shape, occurrence: dict | None = None) -> etree._Element:
    """The item as GetItem/FindItem/SyncFolderItems answer it for ``shape``."""
    box = ctx.mailbox
    element = item.element
    out = el(t(element))
    values = _values(ctx, item, occurrence)
    hidden = versions.hidden(ctx.version)
    for name in ORDER[element]:
        if name in hidden:  # not in the request's schema version
            continue
        if name == "ItemId":
            out.append(values["ItemId"])
            continue
        if name == "ExtendedProperty":
            for key, blob in item.extended.items():
                if key in shape.extended:
                    out.append(_load(blob))
            continue
        if not shape.wants(element, name):
            continue
        value = values.get(name)
        if value is None and name in item.fields:
            value = _load(item.fields[name])
        if value is not None:
            out.append(value)
    del box
    return out


def _values(ctx, item: Item, occurrence: dict | None) -> dict[str, etree._Element]:
    box = ctx.mailbox
    folder = box.folders[item.folder]
    v: dict[str, etree._Element] = {}
    d = item.data
    if occurrence is None:
        v["ItemId"] = el(t("ItemId"), None, {"Id": box.item_id(item), "ChangeKey": item.change_key})
    else:
        v["ItemId"] = el(
            t("ItemId"),
            None,
            {
                "Id": ids.encode(ids.OCCURRENCE, box.number, item.key, occurrence["index"]),
                "ChangeKey": occurrence.get("change_key") or item.change_key,
            },
        )
    v["ParentFolderId"] = el(
        t("ParentFolderId"), None, {"Id": box.folder_id(folder), "ChangeKey": folder.change_key}
    )
    v["ItemClass"] = el(t("ItemClass"), ITEM_CLASS[item.element])
    if "Subject" not in item.fields:
        v["Subject"] = el(t("Subject"), "")
    v["DateTimeReceived"] = el(t("DateTimeReceived"), format_dt(d.get("received", item.created)))
    v["Size"] = el(t("Size"), str(sum(len(b) for b in item.fields.values()) + 256))
    v["IsSubmitted"] = el(t("IsSubmitted"), False)
    v["IsDraft"] = el(t("IsDraft"), False)
    v["IsFromMe"] = el(t("IsFromMe"), d.get("from_me", False))
    v["IsResend"] = el(t("IsResend"), False)
    v["IsUnmodified"] = el(t("IsUnmodified"), item.version == 1)
    v["DateTimeSent"] = el(t("DateTimeSent"), format_dt(d.get("sent", item.created)))
    v["DateTimeCreated"] = el(t("DateTimeCreated"), format_dt(item.created))
    if "ReminderIsSet" not in item.fields:
        v["ReminderIsSet"] = el(t("ReminderIsSet"), item.element == "CalendarItem")
    v["HasAttachments"] = el(t("HasAttachments"), False)
    v["Culture"] = el(t("Culture"), "en-US")
    v["LastModifiedName"] = el(t("LastModifiedName"), box.name)
    v["LastModifiedTime"] = el(t("LastModifiedTime"), format_dt(item.modified))
    v["IsAssociated"] = el(t("IsAssociated"), False)
    to = addresses(item, "RequiredAttendees" if item.element == "CalendarItem" else "ToRecipients")
    cc = addresses(item, "OptionalAttendees" if item.element == "CalendarItem" else "CcRecipients")
    v["DisplayTo"] = el(t("DisplayTo"), "; ".join(to))
    v["DisplayCc"] = el(t("DisplayCc"), "; ".join(cc))
    if d.get("conversation_id"):
        v["ConversationId"] = el(t("ConversationId"), None, {"Id": d["conversation_id"]})
    if item.element != "CalendarItem":
        v["IsRead"] = el(t("IsRead"), item.is_read)
    if item.element in ("CalendarItem", "MeetingRequest", "MeetingCancellation"):
        _calendar_values(ctx, item, occurrence, v)
    return v


def _calendar_values(ctx, item: Item, occurrence: dict | None, v: dict) -> None:
    d = item.data
    if "uid" in d:
        v["UID"] = el(t("UID"), d["uid"])
    if "start" not in d:
        return
    start, end = d["start"], d["end"]
    organizer = d.get("organizer") or (ctx.mailbox.name, ctx.mailbox.email)
    recurring = bool(d.get("recurrence"))
    kind = "Single"
    if occurrence is not None:
        start, end = occurrence["start"], occurrence["end"]
        kind = "Exception" if occurrence.get("exception") else "Occurrence"
        v["RecurrenceId"] = el(t("RecurrenceId"), format_dt(occurrence["original_start"]))
        v["OriginalStart"] = el(t("OriginalStart"), format_dt(occurrence["original_start"]))
        for name, blob in occurrence.get("fields", {}).items():
            v[name] = _load(blob)
    elif recurring:
        kind = "RecurringMaster"
    elif "recurrence_id" in d:  # a meeting message about one occurrence
        kind = "Occurrence"
        v["RecurrenceId"] = el(t("RecurrenceId"), format_dt(d["recurrence_id"]))
    v["DateTimeStamp"] = el(t("DateTimeStamp"), format_dt(item.modified))
    v["Start"] = el(t("Start"), format_dt(start))
    v["End"] = el(t("End"), format_dt(end))
    v["IsAllDayEvent"] = el(t("IsAllDayEvent"), bool(d.get("all_day")))
    if "LegacyFreeBusyStatus" not in item.fields:
        v["LegacyFreeBusyStatus"] = el(t("LegacyFreeBusyStatus"), "Busy")
    attendees = addresses(item, "RequiredAttendees") + addresses(item, "OptionalAttendees")
    v["IsMeeting"] = el(t("IsMeeting"), bool(attendees) or item.element != "CalendarItem")
    v["IsCancelled"] = el(t("IsCancelled"), bool(d.get("cancelled")))
    v["IsRecurring"] = el(t("IsRecurring"), recurring and occurrence is not None)
    v["MeetingRequestWasSent"] = el(t("MeetingRequestWasSent"), bool(d.get("invitations_sent")))
    v["CalendarItemType"] = el(t("CalendarItemType"), kind)
    mine = organizer[1] == ctx.mailbox.email
    v["MyResponseType"] = el(t("MyResponseType"), "Organizer" if mine else "NoResponseReceived")
    v["Organizer"] = mailbox_xml(t("Organizer"), *organizer)
    minutes = int((end - start).total_seconds() // 60)
    v["Duration"] = el(t("Duration"), _duration(minutes))
    v["AppointmentSequenceNumber"] = el(t("AppointmentSequenceNumber"), d.get("sequence", 0))
    v["AppointmentState"] = el(
        t("AppointmentState"), (1 if attendees else 0) | (4 if d.get("cancelled") else 0)
    )
    tz_id = d.get("start_tz", "UTC")
    v["StartTimeZone"] = el(t("StartTimeZone"), None, {"Id": tz_id, "Name": tz_id})
    v["EndTimeZone"] = el(
        t("EndTimeZone"), None, {"Id": d.get("end_tz", tz_id), "Name": d.get("end_tz", tz_id)}
    )
    if recurring and occurrence is None:
        from .recurrence import master_values

        v.update(master_values(ctx, item))
    elif recurring:
        v.pop("Recurrence", None)


def _duration(minutes: int) -> str:
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    out = "P" + (f"{days}D" if days else "")
    time = (f"{hours}H" if hours else "") + (f"{mins}M" if mins else "")
    return out + ("T" + time if time else ("T0M" if not days else ""))


def clone(blob: bytes) -> bytes:
    return etree.tostring(copy.deepcopy(_load(blob)))
