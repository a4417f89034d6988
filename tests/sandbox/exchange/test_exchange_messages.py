"""Slice 5: mail between stand-in users, and meeting requests/cancellations."""

from __future__ import annotations

import pytest
from exchange_helpers import ANN, BOB, account, raw_soap
from exchangelib import Attendee, CalendarItem, EWSDateTime, EWSTimeZone, HTMLBody, Mailbox
from exchangelib.items import MeetingCancellation, MeetingRequest, Message

CARL = "carl@acme.com"


@pytest.fixture
def carl(xsb):
    xsb.add_user(CARL, "Carl Diaz")
    return CARL


def test_sent_mail_lands_in_the_recipients_inbox_and_the_senders_sent_items(xsb, carl):
    ann = account(xsb)
    Message(
        account=ann,
        folder=ann.sent,
        subject="Proposal",
        body=HTMLBody("<p>Please find the <b>proposal</b>.</p>"),
        to_recipients=[Mailbox(email_address=BOB)],
        cc_recipients=[Mailbox(email_address=carl)],
    ).send_and_save()
    [sent] = list(ann.sent.all())
    bob = account(xsb, BOB)
    [received] = list(bob.inbox.all())
    [cc_copy] = list(account(xsb, carl).inbox.all())
    for msg in (sent, received, cc_copy):
        assert msg.subject == "Proposal"
        assert isinstance(msg.body, HTMLBody) and "<b>proposal</b>" in msg.body
        assert msg.author.email_address == ANN
        assert [r.email_address for r in msg.to_recipients] == [BOB]
        assert [r.email_address for r in msg.cc_recipients] == [carl]
        assert msg.datetime_sent is not None
    assert received.message_id == sent.message_id and sent.message_id.startswith("<")
    assert received.conversation_id.id == sent.conversation_id.id
    assert sent.is_read and not received.is_read
    assert list(ann.inbox.all()) == []


def test_a_reply_carries_in_reply_to_references_and_the_conversation(xsb):
    ann = account(xsb)
    Message(
        account=ann,
        folder=ann.sent,
        subject="Question",
        body="Price?",
        to_recipients=[Mailbox(email_address=BOB)],
    ).send_and_save()
    bob = account(xsb, BOB)
    [question] = list(bob.inbox.all())
    Message(
        account=bob,
        folder=bob.sent,
        subject="RE: Question",
        body="100",
        to_recipients=[Mailbox(email_address=ANN)],
        in_reply_to=question.message_id,
        references=question.message_id,
    ).send_and_save()
    [answer] = list(ann.inbox.all())
    assert answer.in_reply_to == question.message_id
    assert answer.references == question.message_id
    assert answer.conversation_id.id == question.conversation_id.id
    assert answer.body == "100"


def _uid(xsb, item_id: str) -> str:
    """exchangelib does not model a meeting message's UID: read it with a raw GetItem."""
    r = raw_soap(
        xsb,
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="calendar:UID"/></t:AdditionalProperties></m:ItemShape>'
        f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>',
        email=BOB,
    )
    return r.text.split("<t:UID>")[1].split("<")[0]


def test_meeting_requests_and_cancellations_reach_attendees_with_the_uid(xsb):
    ann = account(xsb)
    tz = EWSTimeZone("Europe/Berlin")
    meeting = CalendarItem(
        account=ann,
        folder=ann.calendar,
        subject="Kickoff",
        start=EWSDateTime(2027, 2, 1, 10, tzinfo=tz),
        end=EWSDateTime(2027, 2, 1, 11, tzinfo=tz),
        required_attendees=[Attendee(mailbox=Mailbox(email_address=BOB))],
    )
    meeting.save(send_meeting_invitations="SendToAllAndSaveCopy")
    uid = ann.calendar.get(id=meeting.id).uid
    bob = account(xsb, BOB)
    [request] = list(bob.inbox.all())
    assert isinstance(request, MeetingRequest)
    assert _uid(xsb, request.id) == uid and request.subject == "Kickoff"
    assert request.author.email_address == ANN
    meeting.delete(send_meeting_cancellations="SendToAllAndSaveCopy")
    kinds = sorted(type(i).__name__ for i in bob.inbox.all())
    assert kinds == ["MeetingCancellation", "MeetingRequest"]
    [cancel] = [i for i in bob.inbox.all() if isinstance(i, MeetingCancellation)]
    assert _uid(xsb, cancel.id) == uid
    assert [i["action"] for i in xsb.invitations] == ["created", "cancelled"]


def test_updating_a_message_needs_a_message_disposition(xsb):
    """exchangelib always sends MessageDisposition on a message, so raw SOAP leaves it out."""
    xsb.outlook.send_mail(BOB, [ANN], "Quote", "Numbers")
    acc = account(xsb)
    [mail] = list(acc.inbox.all())
    change = (
        '<m:UpdateItem ConflictResolution="AlwaysOverwrite"{disposition}><m:ItemChanges>'
        '<t:ItemChange><t:ItemId Id="{id}"/><t:Updates><t:SetItemField>'
        '<t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>true</t:IsRead>'
        "</t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges>"
        "</m:UpdateItem>"
    )
    r = raw_soap(xsb, change.format(disposition="", id=mail.id))
    assert "ErrorMessageDispositionRequired" in r.text
    assert not acc.inbox.get(id=mail.id).is_read
    mail.is_read = True
    mail.save(update_fields=["is_read"])  # exchangelib: MessageDisposition="SaveOnly"
    assert acc.inbox.get(id=mail.id).is_read


def test_a_read_flag_change_gives_the_message_a_new_change_key(xsb):
    xsb.outlook.send_mail(BOB, [ANN], "Quote", "Numbers")
    acc = account(xsb)
    [mail] = list(acc.inbox.all())
    before = mail.changekey
    mail.is_read = True
    mail.save(update_fields=["is_read"])
    got = acc.inbox.get(id=mail.id)
    assert got.is_read and got.changekey != before
    xsb.outlook.mark_read(ANN, mail.id, is_read=False)  # as in Outlook: a new key again
    again = acc.inbox.get(id=mail.id)
    assert not again.is_read and again.changekey not in (before, got.changekey)


def test_mail_from_outside_lands_in_the_inbox_as_delivered(xsb):
    """Mail from someone who is no user here (a customer), as the transport delivers it:
    read back with exchangelib, the sender, date, Message-ID and thread are as sent."""
    import requests
    from exchangelib import EWSDateTime

    when = "2026-11-20T08:30:00+00:00"
    first = requests.post(
        f"{xsb.base_url}/_sandbox/mailbox/{ANN}/receive",
        json={
            "from_": "joe@customer.com",
            "from_name": "Joe Client",
            "subject": "Quote",
            "body": "<p>Our <b>quote</b></p>",
            "html": True,
            "received": when,
            "message_id": "<q1@customer.com>",
            "cc": [BOB],
        },
    ).json()
    xsb.outlook.receive_mail(
        ANN, "joe@customer.com", "RE: Quote", "Any news?", in_reply_to="<q1@customer.com>"
    )
    assert xsb.calls() == {}  # the transport's doing, not an EWS call
    ann = account(xsb)
    quote, reply = sorted(ann.inbox.all(), key=lambda m: m.datetime_received)
    assert quote.id == first["id"] and reply.subject == "RE: Quote"
    assert quote.sender.email_address == "joe@customer.com" and quote.sender.name == "Joe Client"
    assert [r.email_address for r in quote.to_recipients] == [ANN]
    assert [r.email_address for r in quote.cc_recipients] == [BOB]
    assert isinstance(quote.body, HTMLBody) and "<b>quote</b>" in quote.body
    assert quote.message_id == "<q1@customer.com>" and not quote.is_read
    assert quote.datetime_received == EWSDateTime.fromisoformat("2026-11-20T08:30:00+00:00")
    assert quote.datetime_sent == quote.datetime_received
    assert reply.in_reply_to == "<q1@customer.com>"
    assert reply.conversation_id.id == quote.conversation_id.id
    assert list(ann.sent.all()) == []  # nobody here sent it
    assert list(account(xsb, BOB).inbox.all()) == []  # delivered to this mailbox only


def _meeting_fields(xsb, item_id: str) -> str:
    return raw_soap(
        xsb,
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="calendar:UID"/><t:FieldURI FieldURI="calendar:RecurrenceId"/>'
        '<t:FieldURI FieldURI="calendar:Start"/><t:FieldURI FieldURI="calendar:Recurrence"/>'
        '</t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="'
        f'{item_id}"/></m:ItemIds></m:GetItem>',
        email=BOB,
    ).text


def test_one_occurrence_updated_or_cancelled_is_sent_as_that_occurrence_only(xsb):

    from exchangelib import EWSDate
    from exchangelib.recurrence import Recurrence, WeeklyPattern

    ann = account(xsb)
    tz = EWSTimeZone("Europe/Berlin")
    series = CalendarItem(
        account=ann,
        folder=ann.calendar,
        subject="Weekly review",
        start=EWSDateTime(2027, 3, 3, 9, tzinfo=tz),
        end=EWSDateTime(2027, 3, 3, 10, tzinfo=tz),
        recurrence=Recurrence(
            pattern=WeeklyPattern(interval=1, weekdays=[3]), start=EWSDate(2027, 3, 3), number=6
        ),
        required_attendees=[Attendee(mailbox=Mailbox(email_address=BOB))],
    )
    series.save(send_meeting_invitations="SendToAllAndSaveCopy")
    uid = ann.calendar.get(id=series.id).uid
    view = list(
        ann.calendar.view(
            start=EWSDateTime(2027, 3, 1, tzinfo=tz), end=EWSDateTime(2027, 5, 1, tzinfo=tz)
        )
    )
    third = view[2]
    second = view[1]
    second.location = "Room 2"
    second.save(update_fields=["location"], send_meeting_invitations="SendToAllAndSaveCopy")
    bob = account(xsb, BOB)
    updates = [i for i in bob.inbox.all() if i.subject.startswith("Updated: ")]
    assert len(updates) == 1
    once = _meeting_fields(xsb, updates[0].id)
    when = second.start.astimezone(EWSTimeZone("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"<t:RecurrenceId>{when}</t:RecurrenceId>" in once and "<t:Recurrence>" not in once
    third.delete(send_meeting_cancellations="SendToAllAndSaveCopy")
    [cancel] = [i for i in bob.inbox.all() if isinstance(i, MeetingCancellation)]
    xml = _meeting_fields(xsb, cancel.id)
    utc = third.start.astimezone(EWSTimeZone("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"<t:UID>{uid}</t:UID>" in xml
    assert f"<t:RecurrenceId>{utc}</t:RecurrenceId>" in xml
    assert f"<t:Start>{utc}</t:Start>" in xml
    assert "<t:Recurrence>" not in xml  # not the series: an Outlook would cancel it all
    assert len(list(ann.calendar.view(start=view[0].start, end=view[-1].end))) == 5
