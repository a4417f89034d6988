"""Slice 2: calendar items through exchangelib - create, read, update with change keys and
conflict resolution, delete, and Exchange's errors."""

from __future__ import annotations

import datetime as dt

import pytest
from exchange_helpers import ANN, BOB, account, raw_soap
from exchangelib import (
    UTC,
    Attendee,
    CalendarItem,
    EWSDate,
    EWSDateTime,
    EWSTimeZone,
    ExtendedProperty,
    Mailbox,
)
from exchangelib.errors import (
    ErrorInvalidChangeKey,
    ErrorInvalidIdMalformed,
    ErrorIrresolvableConflict,
    ErrorItemNotFound,
)
from exchangelib.items import ALWAYS_OVERWRITE, AUTO_RESOLVE, NEVER_OVERWRITE


class CrmId(ExtendedProperty):
    distinguished_property_set_id = "PublicStrings"
    property_name = "CrmSyncId"
    property_type = "String"


@pytest.fixture(autouse=True, scope="module")
def _crm_id():
    CalendarItem.register("crm_id", CrmId)
    yield
    CalendarItem.deregister("crm_id")


BERLIN = EWSTimeZone("Europe/Berlin")


def _meeting(acc, **kw):
    fields = {
        "subject": "Quarterly review",
        "body": "Agenda",
        "start": EWSDateTime(2026, 12, 3, 10, 0, tzinfo=BERLIN),
        "end": EWSDateTime(2026, 12, 3, 11, 0, tzinfo=BERLIN),
        "location": "Room 1",
        "crm_id": "crm-42",
    }
    fields.update(kw)
    return CalendarItem(account=acc, folder=acc.calendar, **fields)


def test_create_then_get_reads_what_a_sync_needs(xsb):
    acc = account(xsb)
    item = _meeting(acc, required_attendees=[Attendee(mailbox=Mailbox(email_address=BOB))])
    item.save(send_meeting_invitations="SendToAllAndSaveCopy")
    got = acc.calendar.get(id=item.id)
    assert got.subject == "Quarterly review" and got.location == "Room 1"
    assert got.uid and got.type == "Single"
    assert got.start == EWSDateTime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert got.end == EWSDateTime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert got._start_timezone.key == "Europe/Berlin"
    assert got.is_all_day is False
    assert got.organizer.email_address == ANN
    assert [a.mailbox.email_address for a in got.required_attendees] == [BOB]
    assert got.crm_id == "crm-42"
    assert got.changekey == item.changekey and got.last_modified_time is not None
    sent = xsb.invitations
    assert [(i["action"], i["send"], i["recipients"]) for i in sent] == [
        ("created", "SendToAllAndSaveCopy", [BOB])
    ]
    assert sent[0]["uid"] == got.uid


def test_send_to_none_records_no_invitation(xsb):
    acc = account(xsb)
    _meeting(acc, required_attendees=[Attendee(mailbox=Mailbox(email_address=BOB))]).save(
        send_meeting_invitations="SendToNone"
    )
    assert xsb.invitations == []


@pytest.mark.parametrize(
    "zone",
    [
        "America/New_York",
        "America/Los_Angeles",
        "America/Sao_Paulo",
        "Europe/London",
        "Europe/Berlin",
        "Asia/Kolkata",
        "Asia/Shanghai",
        "Asia/Tokyo",
        "Australia/Sydney",
    ],
)
def test_all_day_events_fall_on_local_midnight_in_their_zone(xsb, zone):
    acc = account(xsb)
    tz = EWSTimeZone(zone)
    item = CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject="Offsite",
        start=EWSDateTime(2026, 7, 14, 0, 0, tzinfo=tz),
        end=EWSDateTime(2026, 7, 15, 0, 0, tzinfo=tz),
        is_all_day=True,
    )
    item.save()
    got = acc.calendar.get(id=item.id)
    assert got.is_all_day is True
    assert got._start_timezone.ms_id == tz.ms_id  # the Windows id went both ways
    assert got.start == EWSDate(2026, 7, 14)
    # On the wire: UTC, at local midnight of the item's zone, one whole day long.
    raw = raw_soap(
        xsb,
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="calendar:Start"/><t:FieldURI FieldURI="calendar:End"/>'
        "</t:AdditionalProperties></m:ItemShape>"
        f'<m:ItemIds><t:ItemId Id="{item.id}"/></m:ItemIds></m:GetItem>',
    ).text
    start = dt.datetime.fromisoformat(raw.split("<t:Start>")[1].split("<")[0])
    end = dt.datetime.fromisoformat(raw.split("<t:End>")[1].split("<")[0])
    assert start.tzinfo == dt.UTC
    local = start.astimezone(tz)
    assert (local.date(), local.hour, local.minute) == (dt.date(2026, 7, 14), 0, 0)
    assert end.astimezone(tz).date() == dt.date(2026, 7, 15) and end.astimezone(tz).hour == 0


def test_all_day_from_dates_uses_the_account_zone(xsb):
    acc = account(xsb)
    item = CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject="Holiday",
        start=EWSDate(2026, 12, 24),
        end=EWSDate(2026, 12, 24),
        is_all_day=True,
    )
    item.save()
    got = acc.calendar.get(id=item.id)
    assert got.is_all_day and got.start == EWSDate(2026, 12, 24)


def test_is_all_day_event_is_read_as_xs_boolean(xsb):
    acc = account(xsb)
    ids = []
    for spelled in ("true", "1"):
        r = raw_soap(
            xsb,
            '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
            f"<t:Subject>{spelled}</t:Subject><t:Start>2026-07-14T00:00:00</t:Start>"
            f"<t:End>2026-07-15T00:00:00</t:End><t:IsAllDayEvent>{spelled}</t:IsAllDayEvent>"
            "</t:CalendarItem></m:Items></m:CreateItem>",
        )
        assert r.status_code == 200 and b'ResponseClass="Success"' in r.content, r.text
        ids.append(r.text.split('ItemId Id="')[1].split('"')[0])
    assert [acc.calendar.get(id=i).is_all_day for i in ids] == [True, True]
    r = raw_soap(
        xsb,
        '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
        "<t:IsAllDayEvent>yes</t:IsAllDayEvent></t:CalendarItem></m:Items></m:CreateItem>",
    )
    assert r.status_code == 500 and b"ErrorSchemaValidation" in r.content


def test_every_change_makes_a_new_change_key(xsb):
    acc = account(xsb)
    item = _meeting(acc)
    item.save()
    keys = {item.changekey}
    for subject in ("one", "two"):
        item.subject = subject
        item.save(update_fields=["subject"])
        keys.add(item.changekey)
    assert len(keys) == 3
    assert acc.calendar.get(id=item.id).changekey == item.changekey


def test_stale_change_key_never_overwrite_is_an_irresolvable_conflict(xsb):
    acc = account(xsb)
    item = _meeting(acc)
    item.save()
    mine = acc.calendar.get(id=item.id)
    theirs = acc.calendar.get(id=item.id)
    theirs.subject = "moved by Outlook"
    theirs.save(update_fields=["subject"])
    mine.location = "Room 2"
    with pytest.raises(ErrorIrresolvableConflict):
        mine.save(update_fields=["location"], conflict_resolution=NEVER_OVERWRITE)
    assert acc.calendar.get(id=item.id).location == "Room 1"


def test_auto_resolve_merges_other_fields_and_refuses_the_same_field(xsb):
    acc = account(xsb)
    item = _meeting(acc)
    item.save()
    stale = acc.calendar.get(id=item.id)
    fresh = acc.calendar.get(id=item.id)
    fresh.subject = "renamed"
    fresh.save(update_fields=["subject"])
    stale.location = "Room 9"
    stale.save(update_fields=["location"], conflict_resolution=AUTO_RESOLVE)
    got = acc.calendar.get(id=item.id)
    assert (got.subject, got.location) == ("renamed", "Room 9")
    stale.subject = "mine"
    stale.changekey = item.changekey  # the key from before "renamed"
    with pytest.raises(ErrorIrresolvableConflict):
        stale.save(update_fields=["subject"], conflict_resolution=AUTO_RESOLVE)


def test_always_overwrite_wins_over_a_stale_change_key(xsb):
    acc = account(xsb)
    item = _meeting(acc)
    item.save()
    stale = acc.calendar.get(id=item.id)
    fresh = acc.calendar.get(id=item.id)
    fresh.subject = "theirs"
    fresh.save(update_fields=["subject"])
    stale.subject = "ours"
    stale.save(update_fields=["subject"], conflict_resolution=ALWAYS_OVERWRITE)
    assert acc.calendar.get(id=item.id).subject == "ours"


def test_delete_then_get_is_item_not_found(xsb):
    acc = account(xsb)
    item = _meeting(acc)
    item.save()
    item_id = item.id
    item.delete(send_meeting_cancellations="SendToNone")
    [result] = list(acc.fetch(ids=[(item_id, None)]))
    assert isinstance(result, ErrorItemNotFound)


def test_malformed_id_is_malformed_not_missing(xsb):
    acc = account(xsb)
    results = list(acc.fetch(ids=[("not-an-id!", None), ("AAMkAGI2TG93AAA=", None)]))
    assert [type(r) for r in results] == [ErrorInvalidIdMalformed, ErrorInvalidIdMalformed]


def test_invalid_change_key(xsb):
    acc = account(xsb)
    item = _meeting(acc)
    item.save()
    item.changekey = "bogus!!"
    item.subject = "x"
    with pytest.raises(ErrorInvalidChangeKey):
        item.save(update_fields=["subject"], conflict_resolution=NEVER_OVERWRITE)


def test_end_before_start_is_refused(xsb):
    r = raw_soap(
        xsb,
        '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
        "<t:Start>2026-07-14T10:00:00Z</t:Start><t:End>2026-07-14T09:00:00Z</t:End>"
        "</t:CalendarItem></m:Items></m:CreateItem>",
    )
    assert b"ErrorCalendarEndDateIsEarlierThanStartDate" in r.content
    acc = account(xsb)
    item = _meeting(acc)
    item.save()
    item.end = item.start - dt.timedelta(hours=1)
    from exchangelib.errors import ErrorCalendarEndDateIsEarlierThanStartDate

    with pytest.raises(ErrorCalendarEndDateIsEarlierThanStartDate):
        item.save(update_fields=["end"])


def test_malformed_xml_is_a_schema_validation_fault(xsb):
    r = raw_soap(xsb, "<m:GetItem><m:ItemShape>")
    assert r.status_code == 500
    assert b"ErrorSchemaValidation" in r.content and b"LineNumber" in r.content
    r = raw_soap(
        xsb,
        '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
        "<t:Colour>red</t:Colour></t:CalendarItem></m:Items></m:CreateItem>",
    )
    assert r.status_code == 500 and b"ErrorSchemaValidation" in r.content
    r = raw_soap(  # End before Start breaks the schema's sequence order
        xsb,
        '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
        "<t:End>2026-07-14T11:00:00Z</t:End><t:Start>2026-07-14T10:00:00Z</t:Start>"
        "</t:CalendarItem></m:Items></m:CreateItem>",
    )
    assert r.status_code == 500 and b"ErrorSchemaValidation" in r.content


def test_times_with_offsets_and_microseconds_are_answered_in_utc(xsb):
    acc = account(xsb)
    r = raw_soap(
        xsb,
        '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
        "<t:Start>2026-07-14T10:00:00.123456+05:30</t:Start>"
        "<t:End>2026-07-14T11:00:00-04:00</t:End></t:CalendarItem></m:Items></m:CreateItem>",
    )
    item_id = r.text.split('ItemId Id="')[1].split('"')[0]
    got = acc.calendar.get(id=item_id)
    assert got.start == EWSDateTime(2026, 7, 14, 4, 30, tzinfo=UTC)
    assert got.end == EWSDateTime(2026, 7, 14, 15, 0, tzinfo=UTC)
    raw = raw_soap(
        xsb,
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="calendar:Start"/></t:AdditionalProperties></m:ItemShape>'
        f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>',
    )
    assert b"<t:Start>2026-07-14T04:30:00Z</t:Start>" in raw.content


def test_time_zone_context_reads_times_without_offset(xsb):
    acc = account(xsb)
    body = (
        '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
        "<t:Start>2026-07-14T10:00:00</t:Start><t:End>2026-07-14T11:00:00</t:End>"
        "</t:CalendarItem></m:Items></m:CreateItem>"
    )
    import base64

    import requests
    from exchange_helpers import SOAP

    envelope = SOAP.format(version="Exchange2016", body=body).replace(
        "</s:Header>",
        '<t:TimeZoneContext><t:TimeZoneDefinition Id="Tokyo Standard Time"/>'
        "</t:TimeZoneContext></s:Header>",
    )
    r = requests.post(
        xsb.ews_url,
        data=envelope.encode(),
        headers={
            "Authorization": "Basic " + base64.b64encode(b"ann@acme.com:password").decode(),
            "Content-Type": "text/xml",
        },
        timeout=10,
    )
    item_id = r.text.split('ItemId Id="')[1].split('"')[0]
    got = acc.calendar.get(id=item_id)
    assert got.start == EWSDateTime(2026, 7, 14, 1, 0, tzinfo=UTC)  # 10:00 Tokyo
    assert got._start_timezone.ms_id == "Tokyo Standard Time"
