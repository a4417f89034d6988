"""Inbox and Sent Items through SyncFolderItems (ids and the received time only), bodies by
GetItem in batches for the messages the CRM does not hold yet.

The feed's cursor holds both folders' final SyncStates; its page token the folder being
paged, every folder's state so far, and (when a page stopped part-way) the ids of that page
already dealt with, so the resumed page skips them.
"""

from __future__ import annotations

import json
from typing import Any

from exchangelib import Message
from exchangelib import errors as ews

from ...errors import ItemRejected, SyncError, Throttled, TransientError
from ..base import ChangeSet, Known, Person, Rejected, RemoteMessage, Window
from .calendar import plain
from .client import EwsClient
from .fields import MAIL_FIELDS, MAIL_LIST_FIELDS, sync_page

FOLDERS = (("inbox", "INBOX"), ("sent", "SENT"))  # cursor keys (stored), labels
DISTINGUISHED = {"inbox": "inbox", "sent": "sentitems"}
GONE = (ews.ErrorItemNotFound, ews.ErrorInvalidIdMalformed)


def list_messages(
    client: EwsClient,
    cursor: str | None,
    page_token: str | None,
    window: Window,
    known: Known | None = None,
) -> ChangeSet[RemoteMessage]:
    start = json.loads(cursor) if cursor else {}
    token: dict[str, Any] = (
        json.loads(page_token) if page_token else {"f": 0, "s": dict(start), "done": []}
    )
    index = token["f"]
    name, label = FOLDERS[index]
    folder = client.folder(DISTINGUISHED[name])
    state = token["s"].get(name)
    changes, new_state, last = sync_page(client, folder, state, MAIL_LIST_FIELDS)
    done = set(token.get("done", ()))
    listed, gone = [], []
    for kind, item, _ in changes:
        if kind == "delete":
            gone.append(item.id)
        elif kind in ("create", "update") and type(item) is Message and item.id not in done:
            if cursor is None and not _in_window(item, window):
                continue  # older (or newer) than a full listing covers
            listed.append(item.id)
    got = _fetch(client, listed, known, label, DISTINGUISHED[name])
    got.gone.extend(gone)
    if got.stopped is not None:  # this page again next time, without what was dealt with
        again = {"f": index, "s": token["s"], "done": sorted(done | set(got.handled))}
        return got.change_set(json.dumps(again), None)
    states = {**token["s"], name: new_state}
    if not last:
        return got.change_set(json.dumps({"f": index, "s": states, "done": []}), None)
    if index + 1 < len(FOLDERS):
        return got.change_set(json.dumps({"f": index + 1, "s": states, "done": []}), None)
    return got.change_set(None, json.dumps(states, sort_keys=True))


def _in_window(item, window: Window) -> bool:
    received = item.datetime_received
    if received is None:
        return True
    naive = plain(received).replace(tzinfo=None)
    return window.start <= naive < window.end


class _Fetched:
    def __init__(self):
        self.items: list[RemoteMessage] = []
        self.gone: list[str] = []
        self.rejected: list[Rejected] = []
        self.unchanged: list[str] = []
        self.handled: list[str] = []
        self.stopped: SyncError | None = None

    def change_set(self, next_page_token: str | None, next_cursor: str | None) -> ChangeSet:
        return ChangeSet(
            items=tuple(self.items),
            deleted_ids=tuple(self.gone),
            next_page_token=next_page_token,
            next_cursor=next_cursor,
            rejected=tuple(self.rejected),
            unchanged_ids=tuple(self.unchanged),
            stopped=self.stopped,
        )


def _fetch(
    client: EwsClient, ids: list[str], known: Known | None, label: str, folder: str
) -> _Fetched:
    """GetItem for the ids the CRM does not hold (a message never changes once sent), in
    batches; throttled or failing past the retries, it keeps what it got and says so."""
    got = _Fetched()
    have = set(known(ids)) if known and ids else set()
    got.unchanged = [i for i in ids if i in have]
    got.handled = list(got.unchanged)
    wanted = [i for i in ids if i not in have]
    size = client.config.get_batch_size
    for lo in range(0, len(wanted), size):
        part = wanted[lo : lo + size]
        try:
            answers = client.call(
                lambda part=part: client.get_items([(i, None) for i in part], MAIL_FIELDS, folder)
            )
        except (Throttled, TransientError) as exc:
            got.stopped = exc
            break
        for msg_id, answer in zip(part, answers, strict=True):
            got.handled.append(msg_id)
            if isinstance(answer, GONE):
                got.gone.append(msg_id)  # deleted between the listing and the download
            elif isinstance(answer, Exception):
                got.rejected.append(Rejected(msg_id, f"Exchange refused the message: {answer}"))
            elif answer.is_draft:
                got.gone.append(msg_id)
            else:
                try:
                    got.items.append(parse_message(answer, label))
                except ItemRejected as exc:
                    got.rejected.append(Rejected(msg_id, str(exc), exc.detail))
    return got


def parse_message(item, label: str) -> RemoteMessage:
    if item.datetime_received is None:
        raise ItemRejected("Message without a received time", item.id)
    body = item.body
    html = str(body) if body is not None and type(body).__name__ == "HTMLBody" else None
    text = str(body) if body is not None and html is None else None
    return RemoteMessage(
        external_id=item.id,
        thread_id=item.conversation_id.id if item.conversation_id else None,
        message_id=(item.message_id or "").strip() or f"<{item.id[:60]}@exchange.invalid>",
        subject=item.subject or "",
        sender=_person(item.sender),
        to=tuple(p for p in map(_person, item.to_recipients or ()) if p),
        cc=tuple(p for p in map(_person, item.cc_recipients or ()) if p),
        date=plain(item.datetime_sent or item.datetime_received),
        internal_date=plain(item.datetime_received),
        body_text=text,
        body_html=html,
        labels=(label,),
        in_reply_to=(item.in_reply_to or "").strip() or None,
        references=tuple((item.references or "").split()),
    )


def _person(mailbox) -> Person | None:
    if mailbox is None or not mailbox.email_address or "@" not in mailbox.email_address:
        return None
    return Person(mailbox.email_address, mailbox.name or None)
