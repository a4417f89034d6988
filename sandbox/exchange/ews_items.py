"""CreateItem, GetItem, UpdateItem, DeleteItem and FindItem (plain, CalendarView and
restricted), with Exchange's change-key and conflict rules."""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from . import ids, items, recurrence
from .errors import EwsError, schema_error
from .ews_folders import resolve_folder
from .items import Shape, apply_fields, finish_calendar, parse_shape, render, summary_shape
from .restriction import matches, parse_restriction
from .soap import Ctx, operation, response_message
from .store import Item
from .xml import el, local, m, parse_dt, t

SEND_INVITATIONS = ("SendToNone", "SendOnlyToAll", "SendToAllAndSaveCopy")
SEND_UPDATES = (
    "SendToNone",
    "SendOnlyToAll",
    "SendOnlyToChanged",
    "SendToAllAndSaveCopy",
    "SendToChangedAndSaveCopy",
)
CONFLICT = ("NeverOverwrite", "AutoResolve", "AlwaysOverwrite")
CALENDAR_VIEW_MAX_DAYS = 730  # Exchange refuses a CalendarView longer than two years


def _attr(payload, name: str, allowed: tuple, default: str | None = None) -> str | None:
    value = payload.get(name, default)
    if value is not None and value not in allowed:
        raise schema_error(f"The '{name}' attribute is invalid - The value '{value}' is invalid.")
    return value


def resolve_item(ctx: Ctx, elem: etree._Element) -> tuple[Item, int | None]:
    """ItemId / OccurrenceItemId / RecurringMasterItemId -> (item, InstanceIndex or None)."""
    box = ctx.mailbox
    kind = local(elem)
    if kind == "ItemId":
        parsed = ids.decode(elem.get("Id"))
    elif kind == "OccurrenceItemId":
        parsed = ids.decode(elem.get("RecurringMasterId"), (ids.ITEM,))
        try:
            index = int(elem.get("InstanceIndex", ""))
        except ValueError as exc:
            raise schema_error("InstanceIndex must be an integer.") from exc
        parsed = ids.ParsedId(ids.OCCURRENCE, parsed.mailbox, parsed.key, index)
    elif kind == "RecurringMasterItemId":
        parsed = ids.decode(elem.get("OccurrenceId"), (ids.OCCURRENCE,))
        parsed = ids.ParsedId(ids.ITEM, parsed.mailbox, parsed.key)
    else:
        raise schema_error(f"The element '{kind}' is not an item id.")
    if parsed.mailbox != box.number:
        raise EwsError("ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    item = box.items.get(parsed.key)
    if item is None:
        raise EwsError("ErrorItemNotFound", "The specified object was not found in the store.")
    if parsed.kind == ids.OCCURRENCE:
        if not item.data.get("recurrence"):
            raise EwsError("ErrorItemNotFound", "The specified object was not found in the store.")
        if parsed.index in item.data.get("deleted", set()):
            raise EwsError(
                "ErrorCalendarOccurrenceIsDeletedFromRecurrence",
                "The occurrence has been deleted from the recurrence.",
            )
        if recurrence.occurrence(item, parsed.index) is None:
            raise EwsError(
                "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange",
                "The occurrence index is out of recurrence range.",
            )
        return item, parsed.index
    return item, None


def _item_message(ctx: Ctx, op: str, item: Item, index: int | None = None, shape=None):
    shape = shape or Shape("IdOnly")
    occ = recurrence.occurrence(item, index) if index else None
    return response_message(op, None, [el(m("Items"), children=[render(ctx, item, shape, occ)])])


# ----- CreateItem ------------------------------------------------------------------------
@operation("CreateItem")
def create_item(ctx: Ctx, payload) -> list:
    send = _attr(payload, "SendMeetingInvitations", SEND_INVITATIONS)
    disposition = _attr(payload, "MessageDisposition", ("SaveOnly", "SendOnly", "SendAndSaveCopy"))
    container = payload.find(m("Items"))
    if container is None:
        raise schema_error("CreateItem needs Items.")
    target = payload.find(m("SavedItemFolderId"))
    out = []
    for source in container:
        try:
            out.append(_create_one(ctx, source, target, send, disposition))
        except EwsError as err:
            out.append(response_message("CreateItem", err, [el(m("Items"))]))
    return out


def _create_one(ctx: Ctx, source, target, send, disposition):
    from .delivery import deliver_message, send_invitations

    box = ctx.mailbox
    element = local(source)
    now = ctx.sb.clock.now()
    if element == "CalendarItem":
        if send is None:
            raise EwsError(
                "ErrorSendMeetingInvitationsRequired",
                "SendMeetingInvitations attribute is required for calendar items.",
            )
        folder = resolve_folder(ctx, target[0]) if target is not None else box.folder("calendar")
        if folder.folder_class != "IPF.Appointment":
            raise EwsError(
                "ErrorCannotCreateCalendarItemInNonCalendarFolder",
                "Calendar items can only be created in a calendar folder.",
            )
    elif element == "Message":
        if disposition is None:
            raise EwsError(
                "ErrorMessageDispositionRequired", "MessageDisposition attribute is required."
            )
        default = "drafts" if disposition == "SaveOnly" else "sentitems"
        folder = resolve_folder(ctx, target[0]) if target is not None else box.folder(default)
    else:
        raise EwsError(
            "ErrorInvalidItemForOperation", f"{element} items cannot be created by this operation."
        )
    item = Item(ids.new_key(), element, folder.key, now, now)
    apply_fields(ctx, item, source, creating=True)
    if element == "CalendarItem":
        finish_calendar(ctx, item, now)
        box.add(item)
        if send != "SendToNone":
            send_invitations(ctx, item, "created", send)
        return _item_message(ctx, "CreateItem", item)
    item.data["from_me"] = True
    if disposition == "SaveOnly":
        box.add(item)
        return _item_message(ctx, "CreateItem", item)
    deliver_message(ctx, item, save_copy=disposition == "SendAndSaveCopy", folder=folder)
    return response_message("CreateItem", None, [el(m("Items"))])


# ----- GetItem ---------------------------------------------------------------------------
@operation("GetItem")
def get_item(ctx: Ctx, payload) -> list:
    shape = parse_shape(payload.find(m("ItemShape")))
    container = payload.find(m("ItemIds"))
    if container is None:
        raise schema_error("GetItem needs ItemIds.")
    out = []
    for elem in container:
        try:
            item, index = resolve_item(ctx, elem)
            out.append(_item_message(ctx, "GetItem", item, index, shape))
        except EwsError as err:
            out.append(response_message("GetItem", err, [el(m("Items"))]))
    return out


# ----- UpdateItem ------------------------------------------------------------------------
@operation("UpdateItem")
def update_item(ctx: Ctx, payload) -> list:
    conflict = _attr(payload, "ConflictResolution", CONFLICT, "AutoResolve")
    send = _attr(payload, "SendMeetingInvitationsOrCancellations", SEND_UPDATES)
    disposition = _attr(payload, "MessageDisposition", ("SaveOnly", "SendOnly", "SendAndSaveCopy"))
    container = payload.find(m("ItemChanges"))
    if container is None:
        raise schema_error("UpdateItem needs ItemChanges.")
    out = []
    for change in container:
        try:
            out.append(_update_one(ctx, change, conflict, send, disposition))
        except EwsError as err:
            out.append(response_message("UpdateItem", err, [el(m("Items"))]))
    return out


def _update_one(ctx: Ctx, change, conflict: str, send: str | None, disposition: str | None):
    from .delivery import send_invitations

    box = ctx.mailbox
    now = ctx.sb.clock.now()
    id_elem = change[0] if len(change) else None
    if id_elem is None or change.find(t("Updates")) is None:
        raise schema_error("ItemChange needs an item id and Updates.")
    item, index = resolve_item(ctx, id_elem)
    key = id_elem.get("ChangeKey")
    if key is not None:
        ids.check_change_key(key)
    elif conflict == "NeverOverwrite":
        raise EwsError(
            "ErrorChangeKeyRequiredForWriteOperations",
            "When making a change to an item, the change key is required.",
        )
    if item.element != "CalendarItem" and disposition is None:
        # Messages and meeting messages: documented as required on UpdateItem.
        raise EwsError(
            "ErrorMessageDispositionRequired", "MessageDisposition attribute is required."
        )
    if item.element == "CalendarItem" and send is None:
        raise EwsError(
            "ErrorSendMeetingInvitationsOrCancellationsRequired",
            "SendMeetingInvitationsOrCancellations attribute is required for calendar items.",
        )
    target_key = item.change_key
    if index is not None:
        exc = item.data.get("exceptions", {}).get(index) or {}
        target_key = exc.get("change_key") or item.change_key
    stale = key is not None and key != target_key and key != item.change_key
    names = _field_names(change.find(t("Updates")))
    if stale and conflict == "NeverOverwrite":
        raise EwsError(
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change "
            "key passed in the request does not match the current change key for "
            "the item.",
        )
    if stale and conflict == "AutoResolve":
        seen = _key_version(key)
        touched = item.data.get("field_versions", {})
        if any(touched.get(n, 0) > seen for n in names):
            raise EwsError(
                "ErrorIrresolvableConflict",
                "The update conflicts with a change made to the item since the given change key.",
            )
    if index is not None:
        _update_occurrence(ctx, item, index, change.find(t("Updates")), now)
    else:
        probe = _copy(item)
        _apply_updates(ctx, probe, change.find(t("Updates")))
        if item.element == "CalendarItem":
            finish_calendar(ctx, probe, now)
        item.fields, item.extended, item.data, item.is_read = (
            probe.fields,
            probe.extended,
            probe.data,
            probe.is_read,
        )
    if names == {"IsRead"}:
        # Only the read flag: a ReadFlagChange for sync, not an Update.
        read = item.is_read
        item.is_read = not read
        box.set_read(item, read, now)
    else:
        box.touch(item, now)
    versions = item.data.setdefault("field_versions", {})
    for n in names:
        versions[n] = item.version
    if item.element == "CalendarItem" and send not in (None, "SendToNone"):
        item.data["sequence"] = item.data.get("sequence", 0) + 1
        from .recurrence import occurrence

        one = occurrence(item, index) if index is not None else None
        send_invitations(ctx, item, "updated", send, occurrence=one)
    msg = _item_message(ctx, "UpdateItem", item, index)
    conflicts = el(m("ConflictResults"))
    conflicts.append(el(t("Count"), "0"))
    msg.append(conflicts)
    return msg


def _key_version(key: str) -> int:
    import base64
    import struct

    return struct.unpack(">I", base64.b64decode(key)[2:6])[0]


def _copy(item: Item) -> Item:
    import copy

    return copy.deepcopy(item)


def _field_names(updates) -> set[str]:
    names = set()
    for upd in updates:
        uri = upd[0] if len(upd) else None
        if uri is None:
            continue
        if local(uri) == "FieldURI":
            names.add(items.field_name(uri))
        elif local(uri) == "ExtendedFieldURI":
            names.add("ExtendedProperty:" + repr(items.ext_key(uri)))
    return names


def _apply_updates(ctx: Ctx, item: Item, updates) -> None:
    for upd in updates:
        kind = local(upd)
        if kind not in ("SetItemField", "AppendToItemField", "DeleteItemField"):
            raise schema_error(f"The element '{kind}' is not an item change.")
        uri = upd[0] if len(upd) else None
        if uri is None:
            raise schema_error(f"{kind} needs a field URI.")
        if kind == "DeleteItemField":
            _delete_field(item, uri)
            continue
        if len(upd) < 2 or local(upd[1]) != item.element:
            raise EwsError(
                "ErrorIncorrectUpdatePropertyCount",
                "An object within a change description must contain one and only "
                "one property to modify.",
            )
        carrier = upd[1]
        if len(carrier) != 1 or not _carries(uri, carrier[0]):
            # none, several, or not the property the URI names
            raise EwsError(
                "ErrorIncorrectUpdatePropertyCount",
                "An object within a change description must contain one and only "
                "one property to modify.",
            )
        apply_fields(ctx, item, carrier, creating=False)


def _carries(uri, prop) -> bool:
    if local(uri) == "FieldURI":
        return local(prop) == items.field_name(uri)
    if local(uri) == "ExtendedFieldURI":
        inner = prop.find(t("ExtendedFieldURI"))
        return (
            local(prop) == "ExtendedProperty"
            and inner is not None
            and items.ext_key(inner) == items.ext_key(uri)
        )
    return True  # IndexedFieldURI: checked where the entry is applied


def _delete_field(item: Item, uri) -> None:
    if local(uri) == "ExtendedFieldURI":
        item.extended.pop(items.ext_key(uri), None)
        return
    name = items.field_name(uri)
    if name == "Recurrence":
        for key in ("recurrence", "exceptions", "deleted"):
            item.data.pop(key, None)
    elif name in ("Start", "End", "UID"):
        raise EwsError("ErrorInvalidPropertyDelete", f"The property {name} cannot be deleted.")
    else:
        item.fields.pop(name, None)


def _update_occurrence(ctx: Ctx, item: Item, index: int, updates, now) -> None:
    """Updating an occurrence makes it an exception stored on its master."""
    occ = recurrence.occurrence(item, index)
    probe = Item(item.key, item.element, item.folder, item.created, now)
    probe.data = {
        "start": occ["start"],
        "end": occ["end"],
        "start_tz": item.data.get("start_tz"),
        "end_tz": item.data.get("end_tz"),
        "all_day": item.data.get("all_day"),
        "uid": item.data.get("uid"),
    }
    for upd in updates:
        uri = upd[0] if len(upd) else None
        if uri is not None and uri.get("FieldURI") == "calendar:Recurrence":
            raise EwsError(
                "ErrorInvalidPropertySet", "An occurrence cannot have its own recurrence."
            )
    _apply_updates(ctx, probe, updates)
    finish_calendar(ctx, probe, now)
    recurrence.check_move(item, index, probe.data["start"], probe.data["end"])
    exceptions = item.data.setdefault("exceptions", {})
    previous = exceptions.get(index, {})
    fields = dict(previous.get("fields", {}))
    fields.update(probe.fields)
    exceptions[index] = {
        "start": probe.data["start"],
        "end": probe.data["end"],
        "fields": fields,
        "change_key": ids.change_key(item.version + 1),
    }


# ----- DeleteItem ------------------------------------------------------------------------
@operation("DeleteItem")
def delete_item(ctx: Ctx, payload) -> list:
    from .delivery import send_invitations

    delete_type = _attr(payload, "DeleteType", ("HardDelete", "SoftDelete", "MoveToDeletedItems"))
    if delete_type is None:
        raise schema_error("The required attribute 'DeleteType' is missing.")
    cancel = _attr(payload, "SendMeetingCancellations", SEND_INVITATIONS)
    container = payload.find(m("ItemIds"))
    if container is None:
        raise schema_error("DeleteItem needs ItemIds.")
    box = ctx.mailbox
    now = ctx.sb.clock.now()
    out = []
    for elem in container:
        try:
            item, index = resolve_item(ctx, elem)
            if item.element == "CalendarItem" and cancel is None:
                raise EwsError(
                    "ErrorSendMeetingCancellationsRequired",
                    "SendMeetingCancellations attribute is required for calendar items.",
                )
            if index is not None:
                from .recurrence import occurrence

                gone = occurrence(item, index)
                item.data.setdefault("deleted", set()).add(index)
                item.data.get("exceptions", {}).pop(index, None)
                box.touch(item, now)
                if cancel != "SendToNone":
                    send_invitations(ctx, item, "cancelled", cancel, occurrence=gone)
            else:
                if item.element == "CalendarItem" and cancel != "SendToNone":
                    send_invitations(ctx, item, "cancelled", cancel)
                if (
                    delete_type == "MoveToDeletedItems"
                    and item.folder != box.by_name["deleteditems"]
                ):
                    box.move(item, box.folder("deleteditems"), now)
                elif delete_type == "SoftDelete":
                    box.soft_delete(item, now)
                else:
                    box.remove(item)
            out.append(response_message("DeleteItem"))
        except EwsError as err:
            out.append(response_message("DeleteItem", err))
    return out


# ----- FindItem --------------------------------------------------------------------------
@operation("FindItem")
def find_item(ctx: Ctx, payload) -> list:
    requested = parse_shape(payload.find(m("ItemShape")))
    traversal = payload.get("Traversal", "Shallow")
    if traversal not in ("Shallow", "SoftDeleted", "Associated"):
        raise schema_error(f"The value '{traversal}' is invalid for Traversal.")
    parents = payload.find(m("ParentFolderIds"))
    if parents is None:
        raise schema_error("FindItem needs ParentFolderIds.")
    restriction_elem = payload.find(m("Restriction"))
    predicate = parse_restriction(restriction_elem) if restriction_elem is not None else None
    view = payload.find(m("CalendarView"))
    paged = payload.find(m("IndexedPageItemView"))
    out = []
    for parent in parents:
        try:
            folder = resolve_folder(ctx, parent)
            shape = summary_shape(requested, refuse=True)
            if view is not None:
                if predicate is not None:
                    raise EwsError(
                        "ErrorInvalidRestriction",
                        "Restrictions are not supported with a CalendarView.",
                    )
                out.append(_calendar_view(ctx, folder, view, shape))
                continue
            found = [
                i
                for i in _traverse(ctx, folder, traversal)
                if predicate is None or matches(predicate, ctx, i)
            ]
            if traversal == "SoftDeleted" and predicate is not None:
                # "a soft-deleted traversal combined with a search restriction will result
                # in zero items returned even if there are items that match" (FindItem)
                found = []
            found.sort(key=lambda i: i.created, reverse=True)
            limit, offset = _page(paged)
            if paged is None and len(found) > FIND_COUNT_LIMIT:
                raise _find_count_exceeded()
            limit = min(limit or FIND_COUNT_LIMIT, FIND_COUNT_LIMIT)
            if paged is not None and paged.get("BasePoint") == "End":
                # Offset counted back from the end: the page is the `limit` items before
                # the last `offset` ones, in view order, and paging goes on backwards.
                # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/indexedpageitemview
                stop = max(0, len(found) - offset)
                page = found[max(0, stop - limit) : stop]
                last = stop - len(page) <= 0
            else:
                page = found[offset : offset + limit]
                last = offset + len(page) >= len(found)
            root = el(
                m("RootFolder"),
                None,
                {
                    "IndexedPagingOffset": offset + len(page),
                    "TotalItemsInView": len(found),
                    "IncludesLastItemInRange": "true" if last else "false",
                },
            )
            root.append(el(t("Items"), children=[render(ctx, i, shape) for i in page]))
            out.append(response_message("FindItem", None, [root]))
        except EwsError as err:
            out.append(response_message("FindItem", err))
    return out


def _traverse(ctx: Ctx, folder, traversal: str) -> list:
    """The items a FindItem traversal of the folder sees (FindItem's Traversal attribute:
    https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem).

    Shallow: the folder's items. SoftDeleted: "only the identities of items that are in a
    folder's dumpster", i.e. the items soft-deleted from it (on Exchange 2010 and later the
    dumpster is Recoverable Items\\Deletions). Associated: "only the identities of associated
    items in the folder"; the stand-in stores no folder-associated items, so none."""
    box = ctx.mailbox
    if traversal == "Associated":
        return []
    if traversal == "SoftDeleted":
        dumpster = box.folder("recoverableitemsdeletions")
        return [i for i in box.in_folder(dumpster) if i.data.get("soft_deleted_from") == folder.key]
    return box.in_folder(folder)


# EWSFindCountLimit (1000 by default on Exchange 2016/2019): a paged FindItem gets at most
# that many items with IncludesLastItemInRange false; an unpaged one that would exceed it
# is refused; a CalendarView the same way, MaxEntriesReturned being its paging.
FIND_COUNT_LIMIT = 1000


def _find_count_exceeded() -> EwsError:
    return EwsError(
        "ErrorExceededFindCountLimit",
        "The request exceeds the maximum number of items that can be returned (1000); use paging.",
        value={"Policy": "FindCountLimit", "FindCountLimit": FIND_COUNT_LIMIT},
    )


def _page(paged) -> tuple[int, int]:
    if paged is None:
        return 0, 0
    try:
        limit = int(paged.get("MaxEntriesReturned", "0") or 0)
        offset = int(paged.get("Offset", "0") or 0)
    except ValueError as exc:
        raise schema_error("IndexedPageItemView has an invalid number.") from exc
    if paged.get("BasePoint", "Beginning") not in ("Beginning", "End"):
        raise schema_error("BasePoint is invalid.")
    return limit, offset


def _calendar_view(ctx: Ctx, folder, view, shape):
    if folder.folder_class != "IPF.Appointment":
        raise EwsError(
            "ErrorCalendarFolderIsInvalidForCalendarView",
            "CalendarView can only be used with a calendar folder.",
        )
    try:
        start = parse_dt(view.get("StartDate"), ctx.tz)
        end = parse_dt(view.get("EndDate"), ctx.tz)
    except ValueError as exc:
        raise schema_error(str(exc)) from exc
    if end < start:
        raise EwsError(
            "ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate"
        )
    if end - start > timedelta(days=CALENDAR_VIEW_MAX_DAYS):
        raise EwsError(
            "ErrorCalendarViewRangeTooBig",
            "The time range of the calendar view is larger than two years.",
        )
    try:
        limit = int(view.get("MaxEntriesReturned", "0") or 0)
    except ValueError as exc:
        raise schema_error("CalendarView has an invalid MaxEntriesReturned.") from exc
    rows: list = []
    for item in ctx.mailbox.in_folder(folder):
        if item.element != "CalendarItem":
            continue
        if item.data.get("recurrence"):
            rows.extend((o["start"], item, o) for o in recurrence.expand(item, start, end))
        elif item.data["start"] < end and item.data["end"] > start:
            rows.append((item.data["start"], item, None))
    rows.sort(key=lambda r: r[0])
    total = len(rows)  # TotalItemsInView counts the whole view, not only what is returned
    # EWSFindCountLimit caps a view as any FindItem: without MaxEntriesReturned a view over
    # the limit is refused, with it at most the limit is served.
    if not limit and total > FIND_COUNT_LIMIT:
        raise _find_count_exceeded()
    limit = min(limit or FIND_COUNT_LIMIT, FIND_COUNT_LIMIT)
    last = total <= limit
    rows = rows[:limit]
    root = el(
        m("RootFolder"),
        None,
        {"TotalItemsInView": total, "IncludesLastItemInRange": "true" if last else "false"},
    )
    root.append(el(t("Items"), children=[render(ctx, i, shape, o) for _, i, o in rows]))
    return response_message("FindItem", None, [root])
