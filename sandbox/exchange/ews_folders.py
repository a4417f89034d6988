"""GetFolder, FindFolder, SyncFolderHierarchy (and ConvertId, which exchangelib uses to
learn the server version)."""

from __future__ import annotations

import secrets

from lxml import etree

from . import ids
from .errors import EwsError, schema_error
from .soap import Ctx, operation, response_message
from .store import Folder
from .xml import el, local, m, sub, t


def resolve_folder(ctx: Ctx, elem: etree._Element) -> Folder:
    """A t:FolderId or t:DistinguishedFolderId, refused for another user's mailbox."""
    mailbox = ctx.mailbox
    if local(elem) == "DistinguishedFolderId":
        box = elem.find(t("Mailbox"))
        if box is not None:
            address = (box.findtext(t("EmailAddress")) or "").strip().lower()
            if address and address != ctx.email:
                if address not in ctx.sb.mailboxes:
                    raise EwsError(
                        "ErrorNonExistentMailbox",
                        "The SMTP address has no mailbox associated with it.",
                    )
                raise EwsError(
                    "ErrorAccessDenied", "Access is denied. Check credentials and try again."
                )
        name = elem.get("Id", "")
        if name not in mailbox.by_name:
            raise EwsError(
                "ErrorFolderNotFound", "The specified folder could not be found in the store."
            )
        return mailbox.folder(name)
    if local(elem) == "FolderId":
        parsed = ids.decode(elem.get("Id"), (ids.FOLDER,))
        if parsed.mailbox != mailbox.number:
            raise EwsError(
                "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        folder = mailbox.folders.get(parsed.key)
        if folder is None:
            raise EwsError(
                "ErrorFolderNotFound", "The specified folder could not be found in the store."
            )
        return folder
    raise schema_error(f"The element '{local(elem)}' is not a folder id.")


def folder_xml(ctx: Ctx, folder: Folder) -> etree._Element:
    box = ctx.mailbox
    e = el(t(folder.element))
    sub(e, t("FolderId"), None, {"Id": box.folder_id(folder), "ChangeKey": folder.change_key})
    if folder.parent is not None:
        parent = box.folders[folder.parent]
        sub(
            e,
            t("ParentFolderId"),
            None,
            {"Id": box.folder_id(parent), "ChangeKey": parent.change_key},
        )
    if folder.folder_class:
        sub(e, t("FolderClass"), folder.folder_class)
    sub(e, t("DisplayName"), folder.display_name)
    items = box.in_folder(folder)
    sub(e, t("TotalCount"), len(items))
    children = [f for f in box.folders.values() if f.parent == folder.key]
    sub(e, t("ChildFolderCount"), len(children))
    if folder.element == "Folder":
        sub(e, t("UnreadCount"), sum(1 for i in items if not i.is_read))
    return e


def _children(ctx: Ctx, folder: Folder, deep: bool) -> list[Folder]:
    out = []
    for f in ctx.mailbox.folders.values():
        if f.parent == folder.key:
            out.append(f)
            if deep:
                out.extend(_children(ctx, f, True))
    return out


@operation("GetFolder")
def get_folder(ctx: Ctx, payload) -> list:
    container = payload.find(m("FolderIds"))
    if container is None or payload.find(m("FolderShape")) is None:
        raise schema_error("GetFolder needs FolderShape and FolderIds.")
    out = []
    for elem in container:
        try:
            folder = resolve_folder(ctx, elem)
        except EwsError as err:
            out.append(response_message("GetFolder", err, [el(m("Folders"))]))
            continue
        out.append(
            response_message(
                "GetFolder", None, [el(m("Folders"), children=[folder_xml(ctx, folder)])]
            )
        )
    return out


@operation("FindFolder")
def find_folder(ctx: Ctx, payload) -> list:
    parents = payload.find(m("ParentFolderIds"))
    if parents is None or payload.find(m("FolderShape")) is None:
        raise schema_error("FindFolder needs FolderShape and ParentFolderIds.")
    traversal = payload.get("Traversal")
    if traversal not in ("Shallow", "Deep", "SoftDeleted"):
        raise schema_error(f"The value '{traversal}' is invalid for Traversal.")
    deep = traversal == "Deep"
    view = payload.find(m("IndexedPageFolderView"))
    limit = int(view.get("MaxEntriesReturned", "0") or 0) if view is not None else 0
    offset = int(view.get("Offset", "0") or 0) if view is not None else 0
    out = []
    for elem in parents:
        try:
            folder = resolve_folder(ctx, elem)
        except EwsError as err:
            out.append(response_message("FindFolder", err))
            continue
        # SoftDeleted: "a shallow traversal search for deleted items" (FindFolder). The
        # stand-in deletes no folders, so there are none.
        children = [] if traversal == "SoftDeleted" else _children(ctx, folder, deep)
        found = sorted(children, key=lambda f: f.display_name.lower())
        page = found[offset : offset + limit] if limit else found[offset:]
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
        root.append(el(t("Folders"), children=[folder_xml(ctx, f) for f in page]))
        out.append(response_message("FindFolder", None, [root]))
    return out


@operation("SyncFolderHierarchy")
def sync_folder_hierarchy(ctx: Ctx, payload) -> list:
    box = ctx.mailbox
    state_text = (payload.findtext(m("SyncState")) or "").strip()
    seen: dict[bytes, int] = {}
    if state_text:
        if state_text not in box.hierarchy_states:
            err = EwsError(
                "ErrorInvalidSyncStateData",
                "Synchronization state data is corrupt or otherwise invalid.",
            )
            return [
                response_message(
                    "SyncFolderHierarchy",
                    err,
                    [el(m("SyncState"), ""), el(m("IncludesLastFolderInRange"), "true")],
                )
            ]
        seen = box.hierarchy_states[state_text]
    base = box.folder("msgfolderroot")
    changes = el(m("Changes"))
    now_seen = {}
    for folder in _children(ctx, base, True):
        now_seen[folder.key] = folder.seq
        if folder.key not in seen:
            changes.append(el(t("Create"), children=[folder_xml(ctx, folder)]))
        elif seen[folder.key] != folder.seq:
            changes.append(el(t("Update"), children=[folder_xml(ctx, folder)]))
    token = secrets.token_urlsafe(24)
    box.hierarchy_states[token] = now_seen
    return [
        response_message(
            "SyncFolderHierarchy",
            None,
            [el(m("SyncState"), token), el(m("IncludesLastFolderInRange"), "true"), changes],
        )
    ]


@operation("ConvertId")
def convert_id(ctx: Ctx, payload) -> list:
    """Only what Exchange answers for ids it cannot convert: exchangelib's version probe."""
    source = payload.find(m("SourceIds"))
    if source is None:
        raise schema_error("ConvertId needs SourceIds.")
    return [
        response_message("ConvertId", EwsError("ErrorInvalidIdMalformed", "Id is malformed."))
        for _ in source
    ]
