"""The batch wire format on our side: calls out, answers back in call order, and a reply
that is not a whole answer is refused rather than half-read."""

from __future__ import annotations

import json

import pytest

from plugin.sync.providers.google import batch as google_batch
from plugin.sync.providers.google import batch_url_for


def _answer(parts: list[tuple[str | None, int, dict]], boundary: str = "b_1") -> bytes:
    out = []
    for content_id, status, body in parts:
        head = "Content-Type: application/http\r\n"
        if content_id is not None:
            head += f"Content-ID: {content_id}\r\n"
        out.append(
            f"--{boundary}\r\n{head}\r\nHTTP/1.1 {status} X\r\n"
            f"Content-Type: application/json; charset=UTF-8\r\n\r\n{json.dumps(body)}\r\n"
        )
    return ("".join(out) + f"--{boundary}--\r\n").encode()


def test_calls_go_out_as_paths_with_their_query_and_numbered_content_ids():
    content_type, body = google_batch.build(
        [
            ("https://gmail.googleapis.com/gmail/v1/users/me/messages/a1", {"format": "full"}),
            ("https://gmail.googleapis.com/gmail/v1/users/me/messages/b2", None),
        ]
    )
    boundary = content_type.split("boundary=")[1]
    text = body.decode()
    assert content_type.startswith("multipart/mixed; ")
    assert "GET /gmail/v1/users/me/messages/a1?format=full HTTP/1.1" in text
    assert "GET /gmail/v1/users/me/messages/b2 HTTP/1.1" in text
    assert "googleapis.com" not in text  # paths only, as Google requires
    assert text.count("Content-ID: <0>") == 1 and text.count("Content-ID: <1>") == 1
    assert text.endswith(f"--{boundary}--\r\n")


def test_answers_are_paired_by_content_id_not_by_position():
    body = _answer(
        [("<response-1>", 404, {"error": {"code": 404}}), ("<response-0>", 200, {"id": "a"})]
    )
    first, second = google_batch.parse("multipart/mixed; boundary=b_1", body, 2)
    assert first.status_code == 200 and first.json() == {"id": "a"}
    assert second.status_code == 404


def test_answers_without_content_ids_are_taken_in_order():
    body = _answer([(None, 200, {"id": "a"}), (None, 429, {"error": {"code": 429}})])
    first, second = google_batch.parse('multipart/mixed; boundary="b_1"', body, 2)
    assert first.json() == {"id": "a"} and second.status_code == 429


@pytest.mark.parametrize(
    "content_type, body, message",
    [
        ("application/json", b"{}", "multipart/mixed"),
        ("multipart/mixed", b"", "boundary"),
        ("multipart/mixed; boundary=b_1", _answer([("<response-0>", 200, {})]), "lacks 1 of 2"),
        ("multipart/mixed; boundary=b_1", _answer([("<response-9>", 200, {})]), "Content-ID"),
    ],
)
def test_a_reply_that_is_not_a_whole_answer_is_refused(content_type, body, message):
    with pytest.raises(ValueError, match=message):
        google_batch.parse(content_type, body, 2)


@pytest.mark.parametrize(
    "gmail_url, batch_url",
    [
        ("https://gmail.googleapis.com/gmail/v1", "https://gmail.googleapis.com/batch/gmail/v1"),
        ("http://127.0.0.1:8765/gmail/v1/", "http://127.0.0.1:8765/batch/gmail/v1"),
        ("https://proxy.example/google/gmail/v1", "https://proxy.example/google/batch/gmail/v1"),
        ("https://proxy.example/mail", ""),  # no way to tell: one request per message
    ],
)
def test_the_batch_endpoint_follows_the_gmail_url(gmail_url, batch_url):
    assert batch_url_for(gmail_url) == batch_url


def test_a_query_already_in_the_url_is_kept_and_a_spaced_boundary_is_read():
    _, body = google_batch.build(
        [("https://g.example/gmail/v1/x?fields=id", {"format": "minimal"})]
    )
    assert "GET /gmail/v1/x?fields=id&format=minimal HTTP/1.1" in body.decode()
    (only,) = google_batch.parse(
        "multipart/mixed; boundary = b_1", _answer([("<response-0>", 200, {})]), 1
    )
    assert only.status_code == 200
