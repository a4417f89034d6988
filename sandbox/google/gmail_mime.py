"""RFC 822 messages as Gmail stores and shows them: raw bytes, payload trees, snippets.

Bodies are base64url *with* padding, part ids are "", "0", "1", "0.1"... as Gmail numbers
them, and the snippet is the first ~200 characters of text, HTML-escaped like Gmail's.
"""

from __future__ import annotations

import base64
import html
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid

SNIPPET_LEN = 200
_TAGS = re.compile(r"<[^>]+>")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def build(
    *,
    from_: str,
    to: list[str],
    cc: list[str] | None,
    subject: str,
    text: str | None,
    html_body: str | None,
    date: datetime,
    message_id: str | None,
    in_reply_to: str | None = None,
    references: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["MIME-Version"] = "1.0"
    msg["Date"] = format_datetime(date.astimezone(UTC) if date.tzinfo else date.replace(tzinfo=UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="mail.gmail.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    msg["Subject"] = subject
    msg["From"] = from_
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    for name, value in (extra_headers or {}).items():
        msg[name] = value
    if text is not None and html_body is not None:
        msg.set_content(text)
        msg.add_alternative(html_body, subtype="html")
    elif html_body is not None:
        msg.set_content(html_body, subtype="html")
    else:
        msg.set_content(text or "")
    return msg.as_bytes()


def parse(raw: bytes) -> Message:
    return message_from_bytes(raw, policy=policy.SMTP)


def headers_of(msg: Message) -> list[dict[str, str]]:
    return [{"name": k, "value": str(v)} for k, v in msg.items()]


def payload(msg: Message, part_id: str = "") -> dict:
    """The ``payload`` MessagePart tree of format=full."""
    node: dict = {
        "partId": part_id,
        "mimeType": msg.get_content_type(),
        "filename": msg.get_filename() or "",
        "headers": headers_of(msg),
    }
    if msg.is_multipart():
        node["body"] = {"size": 0}
        node["parts"] = [
            payload(sub, f"{part_id}.{i}" if part_id else str(i))
            for i, sub in enumerate(msg.iter_parts())
        ]
    else:
        data = msg.get_payload(decode=True) or b""
        node["body"] = {"size": len(data), "data": b64url(data)} if data else {"size": 0}
    return node


def text_of(msg: Message) -> tuple[str, str]:
    """(plain text, html) bodies, for snippets and searching."""
    plain, rich = "", ""
    for part in msg.walk():
        if part.is_multipart():
            continue
        content = part.get_content() if part.get_content_maintype() == "text" else ""
        if part.get_content_type() == "text/plain" and not plain:
            plain = content
        elif part.get_content_type() == "text/html" and not rich:
            rich = content
    return plain, rich


def snippet(msg: Message) -> str:
    plain, rich = text_of(msg)
    text = plain or html.unescape(_TAGS.sub(" ", rich))
    text = " ".join(text.split())[:SNIPPET_LEN]
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")
