"""Mail text read in the charset it declares (issue 13.4a), end to end through the Gmail
stand-in: the bytes of a part as sent, its Content-Type's charset, RFC 2047 headers."""

from __future__ import annotations

import base64

from sqlalchemy import select
from sync_helpers import at

from plugin.models import Email, SyncProblem
from plugin.sync.engine import sync_account
from plugin.sync.providers.google.mail import parse_message

PHRASE = "café déjà vu"


def seed_raw(sb, mailbox: str, raw: bytes) -> dict:
    """A message in the stand-in whose RFC 822 bytes are exactly `raw`."""
    msg = sb.gmail.add_message(mailbox, from_="x@customer.com", to=[mailbox], date=at(days=-1))
    with sb.state.lock:
        sb.gmail_store.mailbox(mailbox).messages[msg["id"]].raw = raw
    return msg


def latin1(content_type: str, body: bytes, subject: bytes, message_id: str) -> bytes:
    return (
        b"MIME-Version: 1.0\r\n"
        b"Date: " + at(days=-1).strftime("%a, %d %b %Y %H:%M:%S +0000").encode() + b"\r\n"
        b"Message-ID: " + message_id.encode() + b"\r\n"
        b"Subject: " + subject + b"\r\n"
        b"From: =?iso-8859-1?q?Ren=E9_Dupr=E9?= <rene@customer.com>\r\n"
        b"To: ann@acme.com\r\n"
        b"Content-Type: " + content_type.encode() + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    )


def test_iso_8859_1_parts_and_encoded_headers_are_stored_right(sb, make_account, db):
    acc = make_account("ann@acme.com", sync_calendar=False)
    plain = seed_raw(
        sb,
        "ann@acme.com",
        latin1(
            "text/plain; charset=ISO-8859-1",
            PHRASE.encode("latin-1"),
            b"=?iso-8859-1?q?caf=E9_d=E9j=E0_vu?=",
            "<latin-plain@customer.com>",
        ),
    )
    rich = seed_raw(
        sb,
        "ann@acme.com",
        latin1(
            'text/html; charset="iso-8859-1"',
            f"<p>{PHRASE}</p>".encode("latin-1"),
            b"=?utf-8?b?" + base64.b64encode(PHRASE.encode()) + b"?=",
            "<latin-html@customer.com>",
        ),
    )
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    mails = {m.message_id: m for m in db.session.scalars(select(Email))}
    text_mail, html_mail = mails["<latin-plain@customer.com>"], mails["<latin-html@customer.com>"]
    assert text_mail.body_text == PHRASE and text_mail.subject == PHRASE
    assert PHRASE in html_mail.body_html and html_mail.subject == PHRASE
    assert text_mail.from_name == "René Dupré"
    assert run.problems == 0, [p.message for p in db.session.scalars(select(SyncProblem))]
    assert plain["id"] != rich["id"]


def test_unknown_charset_is_read_as_utf8_with_a_problem(sb, make_account, db):
    acc = make_account("ann@acme.com", sync_calendar=False)
    odd = seed_raw(
        sb,
        "ann@acme.com",
        latin1(
            "text/plain; charset=x-no-such-charset",
            PHRASE.encode(),
            b"Odd charset",
            "<odd-charset@customer.com>",
        ),
    )
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    mail = db.session.scalar(select(Email))
    assert mail.subject == "Odd charset" and mail.body_text == PHRASE
    problem = db.session.scalar(select(SyncProblem).where(SyncProblem.external_id == odd["id"]))
    assert "x-no-such-charset" in problem.message and "UTF-8" in problem.message


def test_encoded_word_headers_as_gmail_may_send_them():
    body = base64.urlsafe_b64encode(PHRASE.encode("latin-1")).decode()
    raw = {
        "id": "m1",
        "internalDate": "1700000000000",
        "payload": {
            "mimeType": "text/plain",
            "headers": [
                {"name": "Subject", "value": "=?iso-8859-1?q?caf=E9_d=E9j=E0_vu?="},
                {"name": "From", "value": "=?iso-8859-1?q?Ren=E9?= <rene@customer.com>"},
                {"name": "To", "value": "=?x-unknown?q?Zo=E9?= <zoe@customer.com>"},
                {"name": "Content-Type", "value": "text/plain; charset=latin1"},
            ],
            "body": {"data": body},
        },
    }
    msg = parse_message(raw)
    assert msg.subject == PHRASE and msg.body_text == PHRASE
    assert msg.sender.name == "René" and msg.to[0].email == "zoe@customer.com"
    assert any("could not be decoded" in n for n in msg.notes)
