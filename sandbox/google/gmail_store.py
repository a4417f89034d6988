"""Mailboxes, messages, threads and the history log that Gmail's history.list reads.

Every change takes the next mailbox historyId and appends a history record, so a client
doing "full sync, then history.list from the profile's historyId" sees exactly the changes
made after its snapshot. Records older than the retention window are dropped; asking for
history before the oldest kept record is 404, as Gmail answers.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import getaddresses

from ..clock import Clock
from . import gmail_mime as mime
from .errors import ApiError, not_found
from .state import State

SYSTEM_LABELS = [
    "INBOX",
    "SENT",
    "DRAFT",
    "SPAM",
    "TRASH",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "CHAT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
]
DEFAULT_RETENTION = 7 * 24 * 3600
HISTORY_GAP = 3


@dataclass
class Message:
    id: str
    thread_id: str
    label_ids: list[str]
    internal_date: int  # ms since epoch
    raw: bytes
    history_id: int
    snippet: str
    rfc822_id: str

    def ref(self, with_labels: bool = False) -> dict:
        out: dict = {"id": self.id, "threadId": self.thread_id}
        if with_labels:
            out["labelIds"] = list(self.label_ids)
        return out


@dataclass
class HistoryRecord:
    id: int
    kind: str  # messageAdded | messageDeleted | labelAdded | labelRemoved
    message: dict
    label_ids: list[str]
    at: float


@dataclass
class Mailbox:
    email: str
    history_id: int = 1000
    messages: dict[str, Message] = field(default_factory=dict)
    threads: dict[str, list[str]] = field(default_factory=dict)
    history: list[HistoryRecord] = field(default_factory=list)
    min_history_id: int = 0
    labels: dict[str, str] = field(default_factory=dict)  # user label id -> name
    issued: set[str] = field(default_factory=set)  # every message id given out, deleted too


class GmailStore:
    """Mailbox operations; callers hold ``state.lock``."""

    def __init__(self, state: State, clock: Clock, seed: int = 0):
        self.state = state
        self.clock = clock
        self.seed = seed
        self.reset_knobs()

    def reset_knobs(self) -> None:
        self.retention = DEFAULT_RETENTION
        # Gmail's history ids rise but skip values (other changes take ids too): a change
        # takes the next id plus a random gap of up to this many. 0: contiguous ids.
        self.history_gap = HISTORY_GAP
        self._rng = random.Random(self.seed)

    def mailbox(self, email: str) -> Mailbox:
        box = self.state.mailboxes.get(email)
        if box is None:
            box = self.state.mailboxes[email] = Mailbox(email)
        return box

    def resolve(self, caller: str, user_id: str) -> Mailbox:
        if user_id not in ("me", caller):
            raise ApiError(403, f"Delegation denied for {caller}", "forbidden", api="gmail")
        return self.mailbox(caller)

    def label_ok(self, box: Mailbox, label: str) -> bool:
        return label in SYSTEM_LABELS or label in box.labels

    # ----- history ---------------------------------------------------------------------
    def _record(self, box: Mailbox, kind: str, msg: Message, labels: list[str]) -> None:
        box.history_id += 1 + (self._rng.randint(0, self.history_gap) if self.history_gap else 0)
        msg.history_id = box.history_id
        box.history.append(
            HistoryRecord(
                box.history_id, kind, msg.ref(with_labels=True), list(labels), self.clock.time()
            )
        )

    def prune(self, box: Mailbox) -> None:
        horizon = self.clock.time() - self.retention
        keep = [r for r in box.history if r.at >= horizon]
        if len(keep) != len(box.history):
            box.min_history_id = max(
                box.min_history_id, box.history[len(box.history) - len(keep) - 1].id
            )
            box.history = keep

    def expire_history(self, email: str) -> None:
        """Knob: every historyId older than the current one becomes 404."""
        box = self.mailbox(email)
        box.min_history_id = box.history_id
        box.history.clear()

    def history_since(self, box: Mailbox, start: int) -> list[HistoryRecord]:
        self.prune(box)
        if start < box.min_history_id or start > box.history_id:
            raise not_found("gmail")
        return [r for r in box.history if r.id > start]

    # ----- writes ----------------------------------------------------------------------
    def new_id(self, box: Mailbox, internal_ms: int) -> str:
        """Gmail's shape (the time in the high bits), and never an id the mailbox gave out
        before, even to a message since deleted: messages sent at one instant share the
        high bits, so the low ones are drawn again."""
        issued = box.__dict__.setdefault("issued", set(box.messages))  # a state file of old
        while True:
            candidate = f"{(internal_ms << 20) | secrets.randbits(20):x}"
            if candidate not in issued:
                issued.add(candidate)
                return candidate

    def add(
        self,
        email: str,
        *,
        from_: str,
        to: list[str],
        subject: str = "",
        body_text: str | None = None,
        body_html: str | None = None,
        cc: list[str] | None = None,
        date: datetime | None = None,
        thread_of: str | None = None,
        message_id: str | None = None,
        label_ids: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Message:
        box = self.mailbox(email)
        when = date or self.clock.now()
        thread_id, in_reply_to = None, None
        if thread_of:
            parent = box.messages.get(thread_of)
            if parent is None:
                parent = next(
                    (m for m in box.messages.values() if thread_of in (m.thread_id, m.rfc822_id)),
                    None,
                )
            if parent is None:
                raise KeyError(f"no message or thread {thread_of} in {email}")
            thread_id, in_reply_to = parent.thread_id, parent.rfc822_id
        raw = mime.build(
            from_=from_,
            to=list(to),
            cc=cc,
            subject=subject,
            text=body_text,
            html_body=body_html,
            date=when,
            message_id=message_id,
            in_reply_to=in_reply_to,
            extra_headers=headers,
        )
        parsed = mime.parse(raw)
        sender = [a for _, a in getaddresses([from_])]
        if label_ids is None:
            label_ids = ["SENT"] if email in (s.lower() for s in sender) else ["INBOX", "UNREAD"]
        for label in label_ids:
            if not self.label_ok(box, label):
                raise ApiError(400, f"Invalid label: {label}", "invalidArgument", api="gmail")
        internal = int(when.timestamp() * 1000)
        msg = Message(
            id=self.new_id(box, internal),
            thread_id="",
            label_ids=list(label_ids),
            internal_date=internal,
            raw=raw,
            history_id=0,
            snippet=mime.snippet(parsed),
            rfc822_id=str(parsed["Message-ID"]),
        )
        msg.thread_id = thread_id or msg.id
        box.messages[msg.id] = msg
        box.threads.setdefault(msg.thread_id, []).append(msg.id)
        box.threads[msg.thread_id].sort(key=lambda i: box.messages[i].internal_date)
        self._record(box, "messageAdded", msg, msg.label_ids)
        return msg

    def get(self, box: Mailbox, message_id: str) -> Message:
        msg = box.messages.get(message_id)
        if msg is None:
            try:
                int(message_id, 16)
            except ValueError as exc:
                raise ApiError(400, "Invalid id value", "invalidArgument", api="gmail") from exc
            raise not_found("gmail")
        return msg

    def modify(self, box: Mailbox, message_id: str, add: list[str], remove: list[str]) -> Message:
        msg = self.get(box, message_id)
        for label in [*add, *remove]:
            if not self.label_ok(box, label):
                raise ApiError(400, f"Invalid label: {label}", "invalidArgument", api="gmail")
        added = [lab for lab in add if lab not in msg.label_ids]
        removed = [lab for lab in remove if lab in msg.label_ids and lab not in add]
        if added:
            msg.label_ids.extend(added)
            self._record(box, "labelAdded", msg, added)
        if removed:
            msg.label_ids = [lab for lab in msg.label_ids if lab not in removed]
            self._record(box, "labelRemoved", msg, removed)
        return msg

    def delete(self, box: Mailbox, message_id: str) -> None:
        msg = self.get(box, message_id)
        del box.messages[msg.id]
        thread = box.threads.get(msg.thread_id, [])
        if msg.id in thread:
            thread.remove(msg.id)
        if not thread:
            box.threads.pop(msg.thread_id, None)
        self._record(box, "messageDeleted", msg, [])
