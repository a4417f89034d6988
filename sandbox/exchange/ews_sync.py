"""SyncFolderItems: one page of changes per call, paged by SyncState.

A sync state names a snapshot kept by the server of what the client has been given (item ->
content and read-flag sequence), as Exchange's ICS state does. Changes since it are listed
newest first; each page's state records exactly the changes it delivered, so changes made
while paging come on a later page, never lost. Calendar folders hold single items and
recurring masters only: a moved or deleted occurrence is an Update of its master."""

from __future__ import annotations

import base64
import os

from . import ids
from .errors import EwsError, schema_error
from .ews_folders import resolve_folder
from .items import parse_shape, render, summary_shape
from .soap import Ctx, operation, response_message
from .xml import el, m, sub, t

MAX_CHANGES = 512
# Sync states kept per folder, newest first. Exchange's state is a client-held blob that
# keeps working after newer ones were issued; the stand-in keeps server-side snapshots, so it
# keeps the last few of each folder (enough for a client that retries a page, or resumes
# from its saved cursor after a crash) and forgets older ones, which then answer
# ErrorInvalidSyncStateData as a state Exchange no longer accepts. Unpruned, every page of
# every sync kept a full snapshot for the life of the process.
SYNC_STATES_KEPT = 16


def _invalid_state() -> list:
    err = EwsError(
        "ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid."
    )
    # As Microsoft documents, the error response keeps both elements (exchangelib reads them).
    return [
        response_message(
            "SyncFolderItems",
            err,
            [el(m("SyncState"), ""), el(m("IncludesLastItemInRange"), "true")],
        )
    ]


def _prune(box, folder_key: bytes) -> None:
    """Forget this folder's states older than the last SYNC_STATES_KEPT (dicts keep the
    order states were issued in)."""
    own = [token for token, (key, _) in box.sync_states.items() if key == folder_key]
    for token in own[:-SYNC_STATES_KEPT]:
        del box.sync_states[token]


@operation("SyncFolderItems")
def sync_folder_items(ctx: Ctx, payload) -> list:
    box = ctx.mailbox
    shape = summary_shape(parse_shape(payload.find(m("ItemShape"))), refuse=False)
    target = payload.find(m("SyncFolderId"))
    if target is None or len(target) != 1:
        raise schema_error("SyncFolderItems needs SyncFolderId.")
    text = payload.findtext(m("MaxChangesReturned"))
    if text is None:
        raise schema_error(
            "The element 'SyncFolderItems' has incomplete content: MaxChangesReturned is required."
        )
    try:
        limit = int(text)
    except ValueError as exc:
        raise schema_error(f"The 'MaxChangesReturned' element is invalid - '{text}'.") from exc
    if not 1 <= limit <= MAX_CHANGES:
        raise schema_error(
            f"The 'MaxChangesReturned' element is invalid - The value '{limit}' is invalid "
            "according to its datatype 'MaxSyncChangesReturnedType' - The MaxInclusive "
            "constraint failed."
        )
    scope = payload.findtext(m("SyncScope")) or "NormalItems"
    if scope not in ("NormalItems", "NormalAndAssociatedItems"):
        raise schema_error(f"The value '{scope}' is invalid for SyncScope.")
    try:
        folder = resolve_folder(ctx, target[0])
    except EwsError as err:
        return [
            response_message(
                "SyncFolderItems",
                err,
                [el(m("SyncState"), ""), el(m("IncludesLastItemInRange"), "true")],
            )
        ]
    state_text = (payload.findtext(m("SyncState")) or "").strip()
    snapshot: dict[bytes, tuple[int, int]] = {}
    if state_text:
        entry = box.sync_states.get(state_text)
        if entry is None or entry[0] != folder.key:
            return _invalid_state()
        snapshot = entry[1]
    ignore: set[bytes] = set()
    ignored = payload.find(m("Ignore"))
    if ignored is not None:
        try:
            for elem in ignored:
                ignore.add(ids.decode(elem.get("Id"), (ids.ITEM,)).key)
        except EwsError as err:
            # An id that cannot be read is ErrorInvalidIdMalformed ("the request contains an
            # ID that is malformed", ResponseCode reference); SyncFolderItems has one
            # ResponseMessage per request, so the request fails in it, keeping SyncState
            # and IncludesLastItemInRange as Microsoft's SyncFolderItems error example does:
            # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode
            # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems-operation
            return [
                response_message(
                    "SyncFolderItems",
                    err,
                    [el(m("SyncState"), ""), el(m("IncludesLastItemInRange"), "true")],
                )
            ]

    changes = []  # (sequence, kind, item or key)
    current = {i.key: i for i in box.in_folder(folder)}
    for key, item in current.items():
        seen = snapshot.get(key)
        if seen is None:
            changes.append((item.seq, "Create", item))
        elif item.seq > seen[0]:
            changes.append((item.seq, "Update", item))
        elif item.read_seq > seen[1]:
            changes.append((item.read_seq, "ReadFlagChange", item))
    for key in snapshot:
        if key not in current:
            changes.append((folder.tombstones.get(key, box.seq), "Delete", key))
    changes.sort(key=lambda c: c[0], reverse=True)
    page, rest = changes[:limit], changes[limit:]

    new_snapshot = dict(snapshot)
    out = el(m("Changes"))
    for _, kind, obj in page:
        key = obj if kind == "Delete" else obj.key
        if kind == "Delete":
            new_snapshot.pop(key, None)
            change = sub(out, t("Delete"))
            sub(
                change,
                t("ItemId"),
                None,
                {"Id": ids.encode(ids.ITEM, box.number, key), "ChangeKey": ids.change_key(0)},
            )
            continue
        new_snapshot[key] = (obj.seq, obj.read_seq)
        if key in ignore:
            continue
        if kind == "ReadFlagChange":
            change = sub(out, t("ReadFlagChange"))
            sub(change, t("ItemId"), None, {"Id": box.item_id(obj), "ChangeKey": obj.change_key})
            sub(change, t("IsRead"), obj.is_read)
        else:
            change = sub(out, t(kind))
            change.append(render(ctx, obj, shape))
    token = base64.b64encode(os.urandom(24)).decode()
    box.sync_states[token] = (folder.key, new_snapshot)
    _prune(box, folder.key)
    return [
        response_message(
            "SyncFolderItems",
            None,
            [el(m("SyncState"), token), el(m("IncludesLastItemInRange"), not rest), out],
        )
    ]
