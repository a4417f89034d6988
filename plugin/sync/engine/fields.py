"""What the engine does with a field that does not fit its column, before anything is stored.

One odd field never loses a whole item: SQLite stores an over-long string as it is, while
PostgreSQL refuses the whole statement ("value too long", "NUL character"), which used to
fail the item. Each item is cleaned here first, the same way on both databases, and every
change made is recorded as one SyncProblem on the item (the rest of it is stored).

=======================  ======  =====================================================
Field                    Column  What happens to an odd value
=======================  ======  =====================================================
any text (title, body,   -       NUL characters removed (no column can hold one) and
subject, names, ...)             unpaired surrogates replaced by U+FFFD.
meeting title            1024    clipped to the column.
meeting location         1024    clipped to the column.
meeting description      Text    kept whole (the detail page shows a bounded preview).
email subject            998     clipped to the column.
email bodies             Text    kept whole (the detail page shows a bounded preview).
person name              200     clipped to the column (organizer, attendee, sender).
person address           320     not a valid address (email-validator, syntax only;
                                 unicode and IDNA domains accepted, special-use ones
                                 such as corp.local too): that person is dropped, the
                                 rest of the item kept. Over 320 is never valid.
response status          16      dropped (it is one of a few provider words).
time zone                64      dropped (a clipped zone name means nothing).
iCalUID, Message-ID,     1024,   a key: replaced by its first characters and a SHA-256
In-Reply-To, References  998     of the whole value, so the same long key still finds
                                 the same row in every calendar or mailbox.
=======================  ======  =====================================================

No column is widened (so no migration): each clipped field is display text whose column
already holds far more than any real one, and a clipped title reaches the provider only if
the meeting is then edited in the CRM. Provider ids (event id, message id, etag) are
bounded by the providers' own limits and are left as they are. What an adapter had to do
to read an item (an unknown charset, a header that is no address) comes in the item's
`notes` and joins the same problem.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from ..providers.base import ChangeSet, Person, RemoteEvent, RemoteMessage

TITLE = 1024
LOCATION = 1024
SUBJECT = 998
NAME = 200
ADDRESS = 320
RESPONSE = 16
TIMEZONE = 64
ICAL_UID = 1024
MESSAGE_ID = 998

_SURROGATE = re.compile("[\ud800-\udfff]")


def text(value: str | None, notes: list[str], label: str) -> str | None:
    """NUL removed and unpaired surrogates replaced, noting either."""
    if not value:
        return value
    if "\x00" in value:
        value = value.replace("\x00", "")
        notes.append(f"NUL characters removed from the {label}")
    if not value.isascii() and _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
        notes.append(f"Unreadable characters replaced in the {label}")
    return value


def clipped(value: str | None, limit: int, notes: list[str], label: str) -> str | None:
    value = text(value, notes, label)
    if value and len(value) > limit:
        notes.append(f"The {label} was shortened to {limit:,} characters (from {len(value):,})")
        value = value[:limit]
    return value


def key(value: str | None, limit: int, notes: list[str], label: str) -> str | None:
    """A natural key that fits: its head and a digest of the whole (the same every time)."""
    value = text(value, notes, label)
    if value and len(value) > limit:
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
        notes.append(f"The {label} is {len(value):,} characters; stored as a digest")
        value = f"{value[: limit - len(digest) - 8]}…sha256:{digest}"
    return value


@lru_cache(maxsize=65536)
def valid_address(address: str) -> bool:
    """Syntax only (no DNS). Special-use domains (corp.local) pass: they are real inside a
    company network, though not on the internet."""
    if not address or len(address) > ADDRESS:
        return False
    candidate = address
    last = address.rsplit(".", 1)[-1].rsplit("@", 1)[-1].lower()
    if last in SPECIAL_USE_DOMAIN_NAMES:
        candidate = f"{address}.example"
    try:
        validate_email(candidate, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError:
        return False
    return True


def person(p: Person | None, notes: list[str], role: str) -> Person | None:
    """The person with a name that fits, or None (noted) when the address is not valid."""
    if p is None:
        return None
    address = text(p.email, notes, f"{role} address")
    address = (address or "").strip()
    if not valid_address(address):
        shown = address if len(address) <= 80 else f"{address[:80]}… ({len(address):,} chars)"
        notes.append(f"The {role} {shown!r} is not a valid address and was left out")
        return None
    name = clipped(p.name, NAME, notes, f"{role} name")
    status = text(p.response_status, notes, f"{role} response")
    if status and len(status) > RESPONSE:
        notes.append(f"The {role} response {status[:40]!r} was not understood")
        status = None
    if (address, name, status) == (p.email, p.name, p.response_status):
        return p
    return Person(address, name, status)


def people(values, notes: list[str], role: str) -> tuple[Person, ...]:
    kept = (person(p, notes, role) for p in values)
    return tuple(p for p in kept if p is not None)


def clean_event(remote: RemoteEvent) -> tuple[RemoteEvent, list[str]]:
    """The event as it can be stored, and what was changed to store it."""
    notes: list[str] = list(remote.notes)
    timezone = text(remote.timezone, notes, "time zone")
    if timezone and len(timezone) > TIMEZONE:
        notes.append(f"The time zone {timezone[:40]!r}… is too long and was left out")
        timezone = None
    changes = {
        "title": clipped(remote.title, TITLE, notes, "title") or "",
        "description": text(remote.description, notes, "description"),
        "location": clipped(remote.location, LOCATION, notes, "location"),
        "timezone": timezone,
        "ical_uid": key(remote.ical_uid, ICAL_UID, notes, "iCalUID"),
        "organizer": person(remote.organizer, notes, "organizer"),
        "attendees": people(remote.attendees, notes, "attendee"),
    }
    if not notes:
        return remote, notes
    return replace(remote, **changes), notes


def clean_message(msg: RemoteMessage) -> tuple[RemoteMessage, list[str]]:
    """The message as it can be stored, and what was changed to store it."""
    notes: list[str] = list(msg.notes)
    changes = {
        "message_id": key(msg.message_id, MESSAGE_ID, notes, "Message-ID"),
        "in_reply_to": key(msg.in_reply_to, MESSAGE_ID, notes, "In-Reply-To"),
        "references": tuple(key(r, MESSAGE_ID, notes, "References") for r in msg.references),
        "subject": clipped(msg.subject, SUBJECT, notes, "subject") or "",
        "sender": person(msg.sender, notes, "sender"),
        "to": people(msg.to, notes, "recipient"),
        "cc": people(msg.cc, notes, "recipient"),
        "snippet": text(msg.snippet, notes, "snippet"),
        "body_text": text(msg.body_text, notes, "text body"),
        "body_html": text(msg.body_html, notes, "HTML body"),
    }
    if not notes:
        return msg, notes
    return replace(msg, **changes), notes


def summary(notes: list[str]) -> str:
    """One problem's message for all the changes made to one item."""
    return "Stored with changes: " + "; ".join(dict.fromkeys(notes))


def cleaned(ctx, kind: str, page: ChangeSet, clean) -> ChangeSet:
    """The page with each item cleaned; one SyncProblem per item that had to change."""
    items = []
    for item in page.items:
        item, notes = clean(item)
        if notes:
            ctx.problem(kind, item.external_id, summary(notes))
        items.append(item)
    return replace(page, items=tuple(items))
