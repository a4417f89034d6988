"""Inbox and Sent Items through Graph's message delta (ids and received times only), bodies
downloaded through $batch for the messages the CRM does not hold yet.

https://learn.microsoft.com/graph/api/message-delta: delta is per folder; a first round may
be bounded by `$filter=receivedDateTime ge ...` (the only filter delta takes); `@removed`
marks a message deleted or moved out of the folder (to Deleted Items, say).

The feed's cursor holds both folders' deltaLinks; its page token the folder being paged,
every folder's link so far, the page link being followed, and (when a page stopped
part-way) the ids of that page already dealt with, so the resumed page skips them. The
thread is Graph's conversationId, which the engine keys threads by (engine/emails.py), so
an email is dated by the start of its conversation; Message-IDs (internetMessageId) make
one email of the copies several providers hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from ...errors import (
    ItemGone,
    ItemRejected,
    SyncError,
    SyncTokenInvalid,
    Throttled,
    TransientError,
)
from ..base import ChangeSet, Known, Person, Rejected, RemoteMessage, Window
from .calendar import instant
from .http import MicrosoftHttp

FOLDERS = (("inbox", "INBOX"), ("sentitems", "SENT"))
LIST_FIELDS = "id,receivedDateTime,isDraft"
FIELDS = ",".join(
    (
        "id",
        "internetMessageId",
        "conversationId",
        "subject",
        "from",
        "sender",
        "toRecipients",
        "ccRecipients",
        "receivedDateTime",
        "sentDateTime",
        "body",
        "bodyPreview",
        "isDraft",
        "internetMessageHeaders",
    )
)


def list_messages(
    http: MicrosoftHttp,
    cursor: str | None,
    page_token: str | None,
    window: Window,
    known: Known | None = None,
) -> ChangeSet[RemoteMessage]:
    start = json.loads(cursor) if cursor else {}
    token: dict[str, Any] = (
        json.loads(page_token)
        if page_token
        else {"f": 0, "links": dict(start), "next": None, "done": []}
    )
    index = token["f"]
    folder, label = FOLDERS[index]
    try:
        body = _page(http, folder, token, window)
    except SyncTokenInvalid:
        if cursor or not token.get("next"):
            raise
        # A full round's page link expired: this folder's round starts over.
        token = {**token, "next": None, "done": []}
        body = _page(http, folder, token, window)
    done = set(token.get("done", ()))
    listed, gone = [], []
    for raw in body.get("value") or []:
        ext_id = raw.get("id")
        if not ext_id or ext_id in done:
            continue
        if "@removed" in raw or raw.get("isDraft"):
            gone.append(ext_id)
        elif cursor is None and not _in_window(raw, window):
            continue  # older (or newer) than a full listing covers
        else:
            listed.append(ext_id)
    got = _fetch(http, listed, known, label)
    got.gone.extend(gone)
    if got.stopped is not None:  # this page again next time, without what was dealt with
        again = {**token, "done": sorted(done | set(got.handled) | set(gone))}
        return got.change_set(json.dumps(again), None)
    nxt, delta = body.get("@odata.nextLink"), body.get("@odata.deltaLink")
    if nxt:
        return got.change_set(json.dumps({**token, "next": nxt, "done": []}), None)
    if not delta:
        raise SyncError("Microsoft Graph ended a delta page without a next or delta link")
    links = {**token["links"], folder: delta}
    if index + 1 < len(FOLDERS):
        following = {"f": index + 1, "links": links, "next": None, "done": []}
        return got.change_set(json.dumps(following), None)
    return got.change_set(None, json.dumps(links, sort_keys=True))


def _page(http: MicrosoftHttp, folder: str, token: dict, window: Window) -> dict:
    headers = {"Prefer": f"odata.maxpagesize={http.config.page_size}"}
    link = token.get("next") or token["links"].get(folder)
    if link:
        return http.get(link, headers=headers, sync_cursor=True)
    since = window.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {"$select": LIST_FIELDS, "$filter": f"receivedDateTime ge {since}"}
    return http.get(f"/me/mailFolders/{folder}/messages/delta", params, headers=headers)


def _in_window(raw: dict, window: Window) -> bool:
    received = raw.get("receivedDateTime")
    if not received:
        return True
    naive = instant(received).astimezone(UTC).replace(tzinfo=None)
    return window.start <= naive < window.end


@dataclass
class _Fetched:
    """What the downloads of one page brought."""

    items: list[RemoteMessage] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    handled: list[str] = field(default_factory=list)
    stopped: SyncError | None = None

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


def _fetch(http: MicrosoftHttp, ids: list[str], known: Known | None, label: str) -> _Fetched:
    """The messages the CRM does not hold yet (a message never changes once sent), in
    $batch requests of up to 20; throttled or failing past the retries, it keeps what it
    got and says so, with every id it dealt with in `handled`."""
    got = _Fetched()
    have = set(known(ids)) if known and ids else set()
    got.unchanged = [i for i in ids if i in have]
    got.handled = list(got.unchanged)
    wanted = [i for i in ids if i not in have]
    size = max(1, http.config.batch_size)
    headers = {"Prefer": 'outlook.body-content-type="html"'}
    for lo in range(0, len(wanted), size):
        part = wanted[lo : lo + size]
        answers = http.batch_get([f"/me/messages/{i}?$select={FIELDS}" for i in part], headers)
        for msg_id, answer in zip(part, answers, strict=True):
            if isinstance(answer, (Throttled, TransientError)):
                got.stopped = got.stopped or answer  # asked again when the page is resumed
                continue
            got.handled.append(msg_id)
            if isinstance(answer, ItemGone):
                got.gone.append(msg_id)  # deleted between the listing and the download
            elif isinstance(answer, SyncError):
                got.rejected.append(Rejected(msg_id, f"Microsoft refused the message: {answer}"))
            elif answer.get("isDraft"):
                got.gone.append(msg_id)
            else:
                try:
                    got.items.append(parse_message(answer, label))
                except ItemRejected as exc:
                    got.rejected.append(Rejected(msg_id, str(exc), exc.detail))
        if got.stopped:
            break
    return got


def parse_message(raw: dict, label: str) -> RemoteMessage:
    ext_id = raw.get("id") or ""
    try:
        received = instant(raw["receivedDateTime"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ItemRejected("Message without a readable received time", ext_id) from exc
    try:
        sent = instant(raw["sentDateTime"]) if raw.get("sentDateTime") else None
    except (TypeError, ValueError):
        sent = None  # the received time stands in
    headers = {
        str(h.get("name", "")).lower(): str(h.get("value", ""))
        for h in raw.get("internetMessageHeaders") or []
    }
    body = raw.get("body") or {}
    kind = str(body.get("contentType", "")).lower()
    content = body.get("content")
    sender = _person(raw.get("from") or raw.get("sender"))
    message_id = (raw.get("internetMessageId") or "").strip() or f"<{ext_id[:60]}@outlook.invalid>"
    return RemoteMessage(
        external_id=ext_id,
        thread_id=raw.get("conversationId"),
        message_id=message_id,
        subject=raw.get("subject") or "",
        sender=sender,
        to=tuple(p for p in map(_person, raw.get("toRecipients") or ()) if p),
        cc=tuple(p for p in map(_person, raw.get("ccRecipients") or ()) if p),
        date=sent or received,
        internal_date=received,
        body_text=content if kind == "text" else None,
        body_html=content if kind == "html" else None,
        snippet=raw.get("bodyPreview"),
        labels=(label,),
        in_reply_to=(headers.get("in-reply-to") or "").strip() or None,
        references=tuple(headers.get("references", "").split()),
    )


def _person(entry: dict | None) -> Person | None:
    addr = (entry or {}).get("emailAddress") or {}
    email = (addr.get("address") or "").strip()
    if not email or "@" not in email:
        return None
    return Person(email, addr.get("name") or None)
