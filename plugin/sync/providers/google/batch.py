"""The wire format of Google's batch endpoint: several GETs in one multipart/mixed POST, and
their answers out of the multipart/mixed reply.

https://developers.google.com/gmail/api/guides/batch: at most 100 calls a batch (50 advised),
each part a whole HTTP request naming a path only, each answer a whole HTTP response whose
Content-ID is "response-" and the call's own. Pure functions: GoogleHttp sends and retries.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from urllib.parse import urlencode, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

MAX_CALLS = 100


def build(calls: Sequence[tuple[str, dict | None]]) -> tuple[str, bytes]:
    """(Content-Type, body) for GETs of these (url, params); part n has Content-ID <n>."""
    boundary = "crm_sync_" + secrets.token_hex(12)
    out = []
    for n, (url, params) in enumerate(calls):
        parts = urlsplit(url)
        query = "&".join(q for q in (parts.query, urlencode(params or {})) if q)
        target = parts.path + ("?" + query if query else "")
        out.append(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <{n}>\r\n\r\n"
            f"GET {target} HTTP/1.1\r\n\r\n"
        )
    out.append(f"--{boundary}--\r\n")
    return f"multipart/mixed; boundary={boundary}", "".join(out).encode()


def parse(content_type: str, body: bytes, count: int) -> list[requests.Response]:
    """The answers to a build() of `count` calls, in call order, each as a requests.Response
    (so they are classified exactly as a plain call's answer is).

    :raises ValueError: the reply is not a multipart answer to every call.
    """
    boundary = _boundary(content_type)
    answers: list[requests.Response | None] = [None] * count
    delimiter = b"--" + boundary.encode()
    for n, chunk in enumerate(body.split(delimiter)[1:]):
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        part_head, payload = _split_head(chunk.lstrip(b"\r\n"))
        content_id = _header(part_head, "content-id")
        index = _index(content_id) if content_id else n
        if index is None or not 0 <= index < count:
            raise ValueError(f"unexpected Content-ID {content_id!r} in a batch answer")
        answers[index] = _response(payload)
    if any(a is None for a in answers):
        missing = sum(a is None for a in answers)
        raise ValueError(f"the batch answer lacks {missing} of {count} parts")
    return answers  # type: ignore[return-value]


def _boundary(content_type: str) -> str:
    kind, _, rest = content_type.partition(";")
    if kind.strip().lower() != "multipart/mixed":
        raise ValueError(f"a batch answer must be multipart/mixed, not {kind.strip()!r}")
    for param in rest.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "boundary" and value.strip():
            return value.strip().strip('"')
    raise ValueError("a multipart answer without a boundary")


def _split_head(chunk: bytes) -> tuple[list[str], bytes]:
    """A block's header lines, and what follows the blank line after them (untouched)."""
    crlf, lf = chunk.find(b"\r\n\r\n"), chunk.find(b"\n\n")
    if crlf != -1 and (lf == -1 or crlf < lf):
        head, rest = chunk[:crlf], chunk[crlf + 4 :]
    elif lf != -1:
        head, rest = chunk[:lf], chunk[lf + 2 :]
    else:
        head, rest = chunk, b""
    return head.decode("latin-1").replace("\r", "").split("\n"), rest


def _header(lines: list[str], name: str) -> str | None:
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name:
            return value.strip()
    return None


def _index(content_id: str) -> int | None:
    """<response-7> (or <7>) -> 7."""
    value = content_id.strip("<>").removeprefix("response-")
    return int(value) if value.isdigit() else None


def _response(payload: bytes) -> requests.Response:
    lines, body = _split_head(payload)
    status = lines[0].split(" ", 2)
    if len(status) < 2 or not status[0].startswith("HTTP/") or not status[1].isdigit():
        raise ValueError(f"bad status line in a batch answer: {lines[0][:80]!r}")
    resp = requests.Response()
    resp.status_code = int(status[1])
    resp.reason = status[2] if len(status) > 2 else ""
    resp.headers = CaseInsensitiveDict()
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep:
            resp.headers[key.strip()] = value.strip()
    resp._content = body.rstrip(b"\r\n")  # the line break before the next delimiter
    resp.encoding = "utf-8"
    return resp
