"""Mailboxes, folders and items, with a change sequence per mailbox that SyncFolderItems
and change keys are computed from."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime

from . import ids

# distinguished id -> (display name, folder class, element, parent distinguished id)
DISTINGUISHED = {
    "root": ("", None, "Folder", None),
    "msgfolderroot": ("Top of Information Store", None, "Folder", "root"),
    "calendar": ("Calendar", "IPF.Appointment", "CalendarFolder", "msgfolderroot"),
    "contacts": ("Contacts", "IPF.Contact", "ContactsFolder", "msgfolderroot"),
    "deleteditems": ("Deleted Items", "IPF.Note", "Folder", "msgfolderroot"),
    "drafts": ("Drafts", "IPF.Note", "Folder", "msgfolderroot"),
    "inbox": ("Inbox", "IPF.Note", "Folder", "msgfolderroot"),
    "outbox": ("Outbox", "IPF.Note", "Folder", "msgfolderroot"),
    "sentitems": ("Sent Items", "IPF.Note", "Folder", "msgfolderroot"),
    "tasks": ("Tasks", "IPF.Task", "TasksFolder", "msgfolderroot"),
    # The dumpster (Exchange 2010 and later): a soft-deleted item is moved to Deletions, outside
    # the IPM subtree. https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/deleting-items-by-using-ews-in-exchange
    "recoverableitemsroot": ("Recoverable Items", None, "Folder", "root"),
    "recoverableitemsdeletions": ("Deletions", None, "Folder", "recoverableitemsroot"),
}


@dataclass
class Folder:
    key: bytes
    distinguished: str | None
    parent: bytes | None
    display_name: str
    folder_class: str | None
    element: str
    version: int = 1
    change_key: str = ""
    seq: int = 0  # mailbox sequence of its last hierarchy change
    tombstones: dict[bytes, int] = field(default_factory=dict)  # deleted item -> seq


@dataclass
class Item:
    key: bytes
    element: str  # CalendarItem, Message, MeetingRequest, MeetingCancellation
    folder: bytes
    created: datetime
    modified: datetime
    fields: dict[str, bytes] = field(default_factory=dict)  # client-set elements, as XML
    extended: dict[tuple, bytes] = field(default_factory=dict)  # ExtendedFieldURI -> XML
    data: dict = field(default_factory=dict)  # interpreted values (start, end, uid, ...)
    is_read: bool = False
    version: int = 1
    change_key: str = ""
    seq: int = 0  # sequence of the last content change
    read_seq: int = 0  # sequence of the last read-flag change

    def bump(self, seq: int, now: datetime) -> None:
        self.version += 1
        self.change_key = ids.change_key(self.version)
        self.seq = seq
        self.modified = now


class Mailbox:
    def __init__(self, number: int, email: str, name: str):
        self.number = number
        self.email = email
        self.name = name
        self.lock = threading.RLock()
        self.seq = 0
        self.generation = secrets.token_hex(4)  # reset -> every older sync state invalid
        self.folders: dict[bytes, Folder] = {}
        self.by_name: dict[str, bytes] = {}
        self.items: dict[bytes, Item] = {}
        # sync state token -> (folder key, {item key: (seq, read_seq)})
        self.sync_states: dict[str, tuple[bytes, dict[bytes, tuple[int, int]]]] = {}
        self.hierarchy_states: dict[str, dict[bytes, int]] = {}
        self._make_folders()

    def __getstate__(self) -> dict:
        data = self.__dict__.copy()
        data.pop("lock", None)
        return data

    def __setstate__(self, data: dict) -> None:
        self.__dict__.update(data)
        self.lock = threading.RLock()
        self._make_folders()  # a state file from before a distinguished folder was added

    def _make_folders(self) -> None:
        for name, (display, cls, element, parent) in DISTINGUISHED.items():
            if name in self.by_name:
                continue
            key = ids.new_key()
            self.folders[key] = Folder(
                key,
                name,
                self.by_name.get(parent) if parent else None,
                display,
                cls,
                element,
                change_key=ids.change_key(1),
                seq=self.next_seq(),
            )
            self.by_name[name] = key

    def clear(self) -> None:
        """Empty every folder and forget every sync state (reset)."""
        with self.lock:
            self.folders.clear()
            self.by_name.clear()
            self.items.clear()
            self.sync_states.clear()
            self.hierarchy_states.clear()
            self.generation = secrets.token_hex(4)
            self._make_folders()

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def folder(self, name: str) -> Folder:
        return self.folders[self.by_name[name]]

    def folder_id(self, folder: Folder) -> str:
        return ids.encode(ids.FOLDER, self.number, folder.key)

    def item_id(self, item: Item) -> str:
        return ids.encode(ids.ITEM, self.number, item.key)

    def add(self, item: Item) -> Item:
        with self.lock:
            item.seq = item.read_seq = self.next_seq()
            item.change_key = ids.change_key(item.version)
            self.items[item.key] = item
            return item

    def touch(self, item: Item, now: datetime) -> None:
        with self.lock:
            item.bump(self.next_seq(), now)

    def set_read(self, item: Item, is_read: bool, now: datetime) -> None:
        with self.lock:
            if item.is_read != is_read:
                item.is_read = is_read
                item.read_seq = self.next_seq()
                item.version += 1
                item.change_key = ids.change_key(item.version)

    def remove(self, item: Item) -> None:
        with self.lock:
            self.items.pop(item.key, None)
            self.folders[item.folder].tombstones[item.key] = self.next_seq()

    def move(self, item: Item, folder: Folder, now: datetime) -> None:
        with self.lock:
            self.folders[item.folder].tombstones[item.key] = self.next_seq()
            item.folder = folder.key
            folder.tombstones.pop(item.key, None)
            item.bump(self.next_seq(), now)

    def soft_delete(self, item: Item, now: datetime) -> None:
        """Move to the dumpster's Deletions folder under a new id, as a move does on
        Exchange; the folder it came from is kept for a SoftDeleted traversal of it."""
        with self.lock:
            origin = item.folder
            self.remove(item)
            item.key = ids.new_key()
            item.folder = self.by_name["recoverableitemsdeletions"]
            item.data["soft_deleted_from"] = origin
            item.bump(self.next_seq(), now)
            self.items[item.key] = item

    def in_folder(self, folder: Folder) -> list[Item]:
        return [i for i in self.items.values() if i.folder == folder.key]
