"""Gmail v1: messages.list (+ messages.get per message) for a full sync, history.list after.

https://developers.google.com/gmail/api/guides/sync: keep the historyId from the start of a
full sync; history.list answers 404 when it is too old, then a full sync is due.
"""

from __future__ import annotations

import base64
import codecs
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from ...errors import ItemRejected, SyncError, Throttled, TransientError
from ..base import ChangeSet, Known, Person, Rejected, RemoteMessage, Window
from .http import GoogleHttp

GONE_LABELS = {"TRASH", "SPAM"}
# "undisclosed-recipients:;": a group with no one in it, not a broken address.
_EMPTY_GROUP = re.compile(r"[^:,;<>@]*:\s*;")
SKIP_LABELS = GONE_LABELS | {"DRAFT"}


def list_messages(
    http: GoogleHttp,
    cursor: str | None,
    page_token: str | None,
    window: Window,
    known: Known | None = None,
) -> ChangeSet[RemoteMessage]:
    if cursor:
        return _history_page(http, cursor, page_token, known)
    return _full_page(http, page_token, window, known)


def _full_page(
    http: GoogleHttp, page_token: str | None, window: Window, known: Known | None
) -> ChangeSet:
    # Our page token carries the historyId taken before the first page, so changes made
    # while we page through come again in the first incremental sync.
    state = json.loads(page_token) if page_token else {}
    base = f"{http.config.gmail_url}/users/me"
    if "h" not in state:
        state["h"] = http.get(f"{base}/profile")["historyId"]
    after, before = (
        int(window.start.replace(tzinfo=UTC).timestamp()),
        int(window.end.replace(tzinfo=UTC).timestamp()),
    )
    params = {"q": f"after:{after} before:{before}", "maxResults": http.config.mail_page_size}
    if state.get("p"):
        params["pageToken"] = state["p"]
    body = http.get(f"{base}/messages", params)
    ids = [m["id"] for m in body.get("messages", [])]
    done = set(state.get("done", ()))  # ids of this page already dealt with, if it stopped
    got = _fetch(http, ids, known, done)
    if got.stopped:  # list this page again next time, skipping what was dealt with
        again = {"h": state["h"], "p": state.get("p"), "done": sorted(done | set(got.handled))}
        return got.change_set(json.dumps(again), None)
    nxt = body.get("nextPageToken")
    return got.change_set(
        json.dumps({"h": state["h"], "p": nxt}) if nxt else None,
        None if nxt else str(state["h"]),
    )


def _history_page(
    http: GoogleHttp, cursor: str, page_token: str | None, known: Known | None
) -> ChangeSet:
    done: set[str] = set()
    if page_token and page_token.startswith("{"):  # our wrapper of a page that stopped
        wrapper = json.loads(page_token)
        page_token, done = wrapper.get("t"), set(wrapper.get("done", ()))
    params = {"startHistoryId": cursor, "maxResults": http.config.mail_page_size}
    if page_token:
        params["pageToken"] = page_token
    body = http.get(f"{http.config.gmail_url}/users/me/history", params, sync_cursor=True)
    # The last thing that happened to a message decides: fetch it, or drop it.
    wanted: dict[str, bool] = {}
    for record in body.get("history", []):
        for entry in record.get("messagesAdded", []):
            wanted[entry["message"]["id"]] = True
        for entry in record.get("messagesDeleted", []):
            wanted[entry["message"]["id"]] = False
        for entry in record.get("labelsAdded", []):
            if GONE_LABELS & set(entry.get("labelIds", [])):
                wanted[entry["message"]["id"]] = False
        for entry in record.get("labelsRemoved", []):
            if GONE_LABELS & set(entry.get("labelIds", [])):
                wanted[entry["message"]["id"]] = True
    got = _fetch(http, [i for i, keep in wanted.items() if keep], known, done)
    got.gone.extend(i for i, keep in wanted.items() if not keep)
    if got.stopped:  # the same history page again next time (t None: from the cursor)
        again = {"t": page_token, "done": sorted(done | set(got.handled))}
        return got.change_set(json.dumps(again), None)
    nxt = body.get("nextPageToken")
    return got.change_set(nxt, None if nxt else body.get("historyId"))


@dataclass
class _Fetched:
    """What the messages.get calls of one page brought."""

    items: list[RemoteMessage] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    handled: list[str] = field(default_factory=list)  # the ids dealt with: all, unless stopped
    stopped: SyncError | None = None  # Throttled, or TransientError: a call kept failing

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
    http: GoogleHttp, ids: list[str], known: Known | None, done: set[str] = frozenset()
) -> _Fetched:
    """messages.get format=full for each id the CRM does not hold yet (a message never
    changes once sent), in batches of mail_batch_size calls, skipping those `done` when this
    page stopped before. Stopped part-way (throttled, or a message whose download kept
    failing), it keeps what it got and says so, with every id it dealt with (stored or not:
    held ones, drafts, rejects) in `handled`; the others are asked for when it resumes."""
    got = _Fetched()
    ids = [i for i in ids if i not in done]
    have = set(known(ids)) if known and ids else set()
    got.unchanged = [i for i in ids if i in have]
    wanted = [i for i in ids if i not in have]
    base = f"{http.config.gmail_url}/users/me/messages"
    downloaded, dealt = [], set(have)
    size = http.config.mail_batch_size
    for lo in range(0, len(wanted), size):
        part = wanted[lo : lo + size]
        calls = [(f"{base}/{i}", {"format": "full"}) for i in part]
        answers = http.batch_get(http.config.gmail_batch_url, calls)
        for msg_id, answer in zip(part, answers, strict=True):
            if isinstance(answer, (Throttled, TransientError)):
                got.stopped = got.stopped or answer  # asked again when the page is resumed
                continue
            dealt.add(msg_id)
            if isinstance(answer, ItemRejected):
                got.gone.append(msg_id)  # deleted between the list and the get
            elif SKIP_LABELS & set(answer.get("labelIds", [])):
                got.gone.append(msg_id)
            else:
                downloaded.append((msg_id, answer))
        if got.stopped:
            break
    got.handled = [i for i in ids if i in dealt]  # in list order: stored, skipped or gone
    for msg_id, raw in downloaded:  # parsed together: quicker than between the requests
        try:
            got.items.append(parse_message(raw))
        except ItemRejected as exc:
            got.rejected.append(Rejected(msg_id, str(exc), exc.detail))
    return got


def parse_message(raw: dict) -> RemoteMessage:
    payload = raw.get("payload") or {}
    headers = {h["name"].lower(): h["value"] for h in payload.get("headers", [])}
    try:
        internal = datetime.fromtimestamp(int(raw["internalDate"]) / 1000, UTC)
    except (KeyError, ValueError) as exc:
        raise ItemRejected("Message without a readable internalDate", raw.get("id")) from exc
    try:
        sent = parsedate_to_datetime(headers["date"]) if headers.get("date") else None
        if sent is not None and sent.tzinfo is None:
            sent = sent.replace(tzinfo=UTC)
    except (TypeError, ValueError):
        sent = None  # a broken Date header is common; internalDate stands in
    notes: list[str] = []
    text, html = _bodies(payload, notes)
    sender = _people(headers.get("from", ""), "From", notes)
    message_id = (headers.get("message-id") or "").strip() or f"<{raw['id']}@gmail.invalid>"
    return RemoteMessage(
        external_id=raw["id"],
        thread_id=raw.get("threadId"),
        message_id=message_id,
        subject=_words(headers.get("subject", ""), "Subject", notes),
        sender=sender[0] if sender else None,
        to=tuple(_people(headers.get("to", ""), "To", notes)),
        cc=tuple(_people(headers.get("cc", ""), "Cc", notes)),
        date=sent or internal,
        internal_date=internal,
        body_text=text,
        body_html=html,
        snippet=raw.get("snippet"),
        labels=tuple(raw.get("labelIds", [])),
        in_reply_to=(headers.get("in-reply-to") or "").strip() or None,
        references=tuple(headers.get("references", "").split()),
        notes=tuple(notes),
    )


def _people(value: str, header: str, notes: list[str]) -> list[Person]:
    """Every address the header names; the engine leaves out (and reports) invalid ones.
    What does not parse as an address at all is noted here, with the header as it came."""
    parsed = getaddresses([value])
    if any(not addr.strip() for _, addr in parsed) and _EMPTY_GROUP.sub("", value).strip(" ,"):
        shown = value if len(value) <= 200 else f"{value[:200]}…"
        notes.append(f"Part of the {header} header is not an address and was left out: {shown!r}")
    return [
        Person(addr, _words(name, header, notes) or None) for name, addr in parsed if addr.strip()
    ]


def _words(value: str, header: str, notes: list[str]) -> str:
    """A header's RFC 2047 encoded-words (=?iso-8859-1?q?caf=E9?=) decoded, in case Gmail
    hands one on as sent; an unknown charset leaves the value as it came, noted."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, HeaderParseError) as exc:
        notes.append(f"The {header} header could not be decoded ({exc}); kept as sent")
        return value


def _bodies(part: dict, notes: list[str]) -> tuple[str | None, str | None]:
    text = html = None
    stack = [part]
    while stack:
        node = stack.pop(0)
        stack.extend(node.get("parts") or [])
        data = (node.get("body") or {}).get("data")
        mime_type = node.get("mimeType")
        if not data or node.get("filename") or mime_type not in ("text/plain", "text/html"):
            continue
        if (text if mime_type == "text/plain" else html) is not None:
            continue
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        decoded = _decode(raw, _charset(node), mime_type, notes)
        if mime_type == "text/plain":
            text = decoded
        else:
            html = decoded
    return text, html


def _charset(node: dict) -> str | None:
    """The charset the part's Content-Type declares (Gmail hands on the bytes as sent)."""
    header = next(
        (h["value"] for h in node.get("headers") or [] if h["name"].lower() == "content-type"),
        None,
    )
    if not header:
        return None
    holder = Message()
    holder["Content-Type"] = header
    return holder.get_content_charset()


def _decode(raw: bytes, charset: str | None, mime_type: str, notes: list[str]) -> str:
    """The part's text in its declared charset; none declared is read as UTF-8. An unknown
    charset, or bytes that are not what it says, are read as UTF-8 with U+FFFD, noted."""
    name = charset or "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        notes.append(f"The {mime_type} part's charset {charset!r} is unknown; read as UTF-8")
        name = "utf-8"
    try:
        return raw.decode(name)
    except UnicodeDecodeError:
        notes.append(f"The {mime_type} part is not valid {name}; unreadable bytes replaced")
        return raw.decode(name, errors="replace")
