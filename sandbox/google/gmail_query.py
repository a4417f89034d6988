"""The subset of Gmail search (``q``) a sync engine uses, with Gmail's date rules.

Dates written ``YYYY/MM/DD`` mean midnight US Pacific time (Gmail's documented rule);
integers are epoch seconds. ``after:`` keeps messages at or after the moment, ``before:``
keeps those strictly before it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import getaddresses
from zoneinfo import ZoneInfo

from . import gmail_mime as mime
from .errors import ApiError
from .gmail_store import Mailbox, Message

PACIFIC = ZoneInfo("America/Los_Angeles")
_RELATIVE = re.compile(r"^(\d+)([dmy])$")


def _bad(q: str) -> ApiError:
    return ApiError(400, f"Invalid query: {q}", "invalidArgument", api="gmail")


def moment(value: str, q: str) -> float:
    """Seconds since epoch for an after:/before: operand."""
    if value.isdigit() and len(value) > 8:
        return float(value)
    for fmt in ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            day = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return day.replace(tzinfo=PACIFIC).timestamp()
    raise _bad(q)


def _header(msg: Message, parsed, name: str) -> str:
    return str(parsed.get(name, "") or "").lower()


def _addresses(parsed, name: str) -> str:
    values = parsed.get_all(name, []) or []
    return " ".join(f"{n} {a}" for n, a in getaddresses([str(v) for v in values])).lower()


def _label_match(box: Mailbox, msg: Message, name: str) -> bool:
    wanted = name.lower().replace("-", " ").replace("/", " ")
    for label in msg.label_ids:
        label_name = box.labels.get(label, label)
        if label.lower() == name.lower() or label_name.lower().replace("-", " ") == wanted:
            return True
    return False


def compile_query(q: str, now: float) -> tuple[Callable[[Mailbox, Message], bool], bool]:
    """A predicate for ``q`` and whether the query itself reaches into spam/trash."""
    try:
        tokens = shlex.split(q)
    except ValueError as exc:
        raise _bad(q) from exc
    tests: list[Callable[[Mailbox, Message], bool]] = []
    spam_trash = False
    for token in tokens:
        negate = token.startswith("-") and len(token) > 1
        token = token[1:] if negate else token
        op, sep, value = token.partition(":")
        op = op.lower() if sep else ""
        value = value if sep else token
        if op in ("after", "newer", "before", "older"):
            at = moment(value, q) * 1000
            if op in ("after", "newer"):
                fn = lambda b, m, at=at: m.internal_date >= at  # noqa: E731
            else:
                fn = lambda b, m, at=at: m.internal_date < at  # noqa: E731
        elif op in ("newer_than", "older_than"):
            match = _RELATIVE.match(value)
            if not match:
                raise _bad(q)
            n, unit = int(match.group(1)), match.group(2)
            days = n * {"d": 1, "m": 30, "y": 365}[unit]
            edge = (now - timedelta(days=days).total_seconds()) * 1000
            fn = (
                (lambda b, m, e=edge: m.internal_date >= e)
                if op == "newer_than"
                else (lambda b, m, e=edge: m.internal_date < e)
            )
        elif op == "in":
            place = value.upper()
            if place == "ANYWHERE":
                spam_trash = True
                continue
            spam_trash = spam_trash or place in ("SPAM", "TRASH")

            def fn(b, m, p=place):
                return p in m.label_ids
        elif op == "label":

            def fn(b, m, v=value):
                return _label_match(b, m, v)
        elif op == "is":
            flag = {"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}.get(
                value.lower()
            )
            if value.lower() == "read":

                def fn(b, m):
                    return "UNREAD" not in m.label_ids
            elif flag:

                def fn(b, m, f=flag):
                    return f in m.label_ids
            else:
                raise _bad(q)
        elif op in ("from", "to", "cc", "bcc"):
            name = op.capitalize()

            def fn(b, m, n=name, v=value.lower()):
                return v in _addresses(mime.parse(m.raw), n)
        elif op == "subject":

            def fn(b, m, v=value.lower()):
                return v in _header(m, mime.parse(m.raw), "Subject")
        elif op == "rfc822msgid":

            def fn(b, m, v=value.strip("<>").lower()):
                return m.rfc822_id.strip("<>").lower() == v
        elif op:
            raise _bad(q)
        else:

            def fn(b, m, v=value.lower()):
                return v in _fulltext(m)

        tests.append((lambda b, m, f=fn: not f(b, m)) if negate else fn)
    return (lambda box, msg: all(t(box, msg) for t in tests)), spam_trash


def _fulltext(msg: Message) -> str:
    parsed = mime.parse(msg.raw)
    plain, rich = mime.text_of(parsed)
    return " ".join(
        [
            str(parsed.get("Subject", "")),
            _addresses(parsed, "From"),
            _addresses(parsed, "To"),
            plain,
            rich,
        ]
    ).lower()
