"""Google's batch endpoints, ``/batch/gmail/v1`` and ``/batch/calendar/v3``: one
multipart/mixed POST whose parts are whole HTTP requests, answered by one multipart/mixed
200 whose parts are whole HTTP responses.

The rules of https://developers.google.com/gmail/api/guides/batch, as a client meets them:

- at most 100 calls in one Gmail batch and 1,000 in one Calendar batch (more: the whole batch
  is refused with 400; https://developers.google.com/calendar/api/guides/batch);
- every call goes to the batch's own API, and names a path only, never a full URL (a call
  that breaks either is answered 400 in its own part);
- the outer request's headers apply to every call unless the call sets its own, except the
  ``Content-`` ones; so one outer Authorization serves every part;
- each call is a request of its own: it is authenticated, counted, faulted and charged to
  the quota like any other, and fails on its own (a throttled part is a 429 inside a 200);
- each answer carries ``Content-ID: <response-ID>`` for the call's ``Content-ID: <ID>``,
  in the order of the calls.

The batch itself is not a call: it is neither counted nor charged (Google: "a set of n
requests batched together counts toward your usage limit as n requests").
"""

from __future__ import annotations

import secrets
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from urllib.parse import urlsplit

from werkzeug.routing import Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from .api_gate import BATCH_SLOT
from .context import Google
from .errors import ApiError, bad_request

MAX_CALLS = {"gmail": 100, "calendar": 1000}
APIS = {"gmail/v1": "/gmail/v1/", "calendar/v3": "/calendar/v3/"}


def batch(sb: Google, request: Request, api: str, version: str) -> Response:
    name = f"{api}/{version}"
    if name not in APIS:
        raise ApiError(404, "Not Found", "notFound", api="gmail")
    dialect = api if api == "gmail" else "calendar"
    content_type = request.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/mixed"):
        raise bad_request("Batch requests must be multipart/mixed.", api=dialect)
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.get_data()
    )
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if not parts:
        raise bad_request("The batch request has no parts.", api=dialect)
    limit = MAX_CALLS[dialect]
    if len(parts) > limit:
        raise bad_request(
            f"A batch request cannot contain more than {limit} requests.", api=dialect
        )
    with sb.state.lock:
        sb.batches.append(len(parts))
    sb.faults.check_api(f"batch.{api}", request.path)  # the batch as a whole
    outer = {
        k.lower(): v for k, v in request.headers.items() if not k.lower().startswith("content-")
    }
    answers = []
    for slot, part in enumerate(parts):
        content_id = (part.get("Content-ID") or "").strip().strip("<>")
        raw = part.get_payload(decode=True) or b""
        answer = _call(sb, raw, outer, APIS[name], dialect, slot)
        answers.append((f"<response-{content_id}>" if content_id else None, answer))
    return _multipart(answers)


def _call(sb, raw: bytes, outer: dict, prefix: str, dialect: str, slot: int) -> Response:
    """One part: parsed as an HTTP request and served as if it had come on its own."""
    try:
        method, target, headers, body = _parse_request(raw)
    except ValueError as exc:
        return bad_request(f"Malformed request in batch: {exc}", api=dialect).response()
    if urlsplit(target).scheme or not target.startswith("/"):
        message = "Batch requests must use a path, not a full URL."
        return bad_request(message, api=dialect).response()
    if not target.startswith(prefix):
        return bad_request(
            "All requests in a batch must go to the batch's own API.", api=dialect
        ).response()
    merged = {**outer, **headers}  # the call's own headers win (names in lower case)
    path, _, query = target.partition("?")
    environ = EnvironBuilder(
        path=path, query_string=query, method=method, headers=merged, data=body
    ).get_environ()
    environ[BATCH_SLOT] = slot  # Gmail runs a batch's calls at once (quota.gmail_concurrent)
    return sb.dispatch(Request(environ))


def _parse_request(raw: bytes) -> tuple[str, str, dict, bytes]:
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = head.decode("latin-1").split("\n")
    request_line = lines[0].strip().split(" ")
    if len(request_line) != 3 or not request_line[2].startswith("HTTP/"):
        raise ValueError(f"bad request line {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    return request_line[0].upper(), request_line[1], headers, body


def _multipart(answers: list[tuple[str | None, Response]]) -> Response:
    boundary = "batch_" + secrets.token_hex(12)
    chunks = []
    for content_id, answer in answers:
        head = "Content-Type: application/http\r\n"
        if content_id:
            head += f"Content-ID: {content_id}\r\n"
        code = answer.status_code
        status = f"HTTP/1.1 {code} {HTTPStatus(code).phrase}\r\n"
        lines = "".join(f"{k}: {v}\r\n" for k, v in answer.headers.items())
        chunks.append(
            f"--{boundary}\r\n{head}\r\n{status}{lines}\r\n".encode() + answer.get_data() + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return Response(b"".join(chunks), content_type=f"multipart/mixed; boundary={boundary}")


RULES = [Rule("/batch/<api>/<version>", endpoint=batch, methods=["POST"])]
