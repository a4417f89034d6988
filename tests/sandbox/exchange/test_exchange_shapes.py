"""What FindItem, CalendarView and SyncFolderItems may return (no bodies, no recipient
lists: those come from GetItem), which fields a shape or an update may name, and the
paging cap (EWSFindCountLimit)."""

from __future__ import annotations

import pytest
from exchange_helpers import ANN, BOB, account, raw_soap, sync_page
from exchangelib import Attendee, Body, CalendarItem, EWSDateTime, EWSTimeZone, Mailbox
from exchangelib.errors import ErrorInvalidPropertyRequest
from exchangelib.fields import FieldPath
from exchangelib.properties import CalendarView
from exchangelib.services import FindItem

UTC = EWSTimeZone("UTC")


def _meeting(acc):
    item = CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject="Review",
        body=Body("The agenda"),
        start=EWSDateTime(2027, 1, 5, 9, tzinfo=UTC),
        end=EWSDateTime(2027, 1, 5, 10, tzinfo=UTC),
        required_attendees=[Attendee(mailbox=Mailbox(email_address=BOB))],
    )
    item.save(send_meeting_invitations="SendToNone")
    return item


def _find(acc, fields, shape="IdOnly", calendar_view=None):
    paths = {FieldPath(field=CalendarItem.get_field_by_fieldname(f)) for f in fields}
    svc = FindItem(account=acc)
    return list(
        svc.call(
            folders=[acc.calendar],
            additional_fields=paths,
            restriction=None,
            order_fields=None,
            shape=shape,
            query_string=None,
            depth="Shallow",
            calendar_view=calendar_view,
            max_items=None,
            offset=0,
        )
    )


def test_find_item_refuses_a_body_or_recipient_list_get_item_reads_them(xsb):
    acc = account(xsb)
    item = _meeting(acc)
    for field in ("body", "required_attendees"):
        with pytest.raises(ErrorInvalidPropertyRequest):
            _find(acc, [field])
    [found] = _find(acc, ["subject"], shape="AllProperties")
    assert found.subject == "Review"
    assert found.body is None and found.required_attendees is None
    got = acc.calendar.get(id=item.id)  # GetItem has them
    assert got.body == "The agenda"
    assert [a.mailbox.email_address for a in got.required_attendees] == [BOB]


def test_calendar_view_leaves_out_bodies_and_attendees(xsb):
    acc = account(xsb)
    _meeting(acc)
    view = CalendarView(
        start=EWSDateTime(2027, 1, 1, tzinfo=UTC), end=EWSDateTime(2027, 2, 1, tzinfo=UTC)
    )
    [found] = _find(acc, ["subject"], shape="AllProperties", calendar_view=view)
    assert found.subject == "Review"
    assert found.body is None and found.required_attendees is None
    # exchangelib's own view() asks GetItem for what FindItem cannot give
    [occ] = acc.calendar.view(start=view.start, end=view.end)
    assert occ.body == "The agenda"


def test_sync_folder_items_leaves_out_bodies_and_attendees(xsb):
    acc = account(xsb)
    _meeting(acc)
    changes, _, _ = sync_page(acc, acc.calendar, None, 100, "AllProperties")
    [(kind, item)] = changes
    assert kind == "create" and item.subject == "Review"
    assert item.body is None and item.required_attendees is None
    # exchangelib's sync_items names every field, body and attendees included
    [(kind, item)] = list(acc.calendar.sync_items())
    assert item.subject == "Review" and item.body is None and item.required_attendees is None


ITEM_CHANGE = (
    '<m:UpdateItem ConflictResolution="AlwaysOverwrite"'
    ' SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>'
    '<t:ItemId Id="{id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="{uri}"/>'
    "<t:CalendarItem>{prop}</t:CalendarItem></t:SetItemField></t:Updates>"
    "</t:ItemChange></m:ItemChanges></m:UpdateItem>"
)


def test_an_unknown_field_uri_in_a_shape_fails_schema_validation(xsb):
    acc = account(xsb)
    item = _meeting(acc)
    body = (
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="{uri}"/></t:AdditionalProperties></m:ItemShape>'
        '<m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>'
    )
    for uri in ("calendar:Bogus", "calendar:Subject"):  # unknown; known under item: only
        r = raw_soap(xsb, body.format(uri=uri, id=item.id))
        assert r.status_code == 500 and "ErrorSchemaValidation" in r.text, uri
    r = raw_soap(xsb, body.format(uri="item:Subject", id=item.id))
    assert r.status_code == 200 and "<t:Subject>Review</t:Subject>" in r.text


def test_set_item_field_must_carry_the_property_its_uri_names(xsb):
    acc = account(xsb)
    item = _meeting(acc)
    wrong = ITEM_CHANGE.format(
        id=item.id, uri="calendar:Location", prop="<t:Subject>Hijacked</t:Subject>"
    )
    r = raw_soap(xsb, wrong)
    assert "ErrorIncorrectUpdatePropertyCount" in r.text
    assert acc.calendar.get(id=item.id).subject == "Review"  # nothing was set
    r = raw_soap(xsb, ITEM_CHANGE.format(id=item.id, uri="calendar:Bogus", prop=""))
    assert r.status_code == 500 and "ErrorSchemaValidation" in r.text
    right = ITEM_CHANGE.format(
        id=item.id, uri="calendar:Location", prop="<t:Location>Room 2</t:Location>"
    )
    assert "NoError" in raw_soap(xsb, right).text
    assert acc.calendar.get(id=item.id).location == "Room 2"


def test_find_item_pages_are_capped_at_the_find_count_limit(xsb, monkeypatch):
    """EWSFindCountLimit is 1000; lowered to 10 here so that the test stays fast."""
    import datetime as dt

    from sandbox.exchange import ews_items

    monkeypatch.setattr(ews_items, "FIND_COUNT_LIMIT", 10)
    base = dt.datetime(2027, 1, 4, 8, tzinfo=dt.UTC)
    for n in range(15):
        start = base + dt.timedelta(minutes=5 * n)
        xsb.outlook.create_event(ANN, f"Slot {n}", start, start + dt.timedelta(minutes=5))
    acc = account(xsb)
    xsb.reset_calls()
    qs = acc.calendar.all().only("subject")
    qs.page_size = 5000  # one page asked for; Exchange serves the cap and says there is more
    assert len(list(qs)) == 15
    assert xsb.calls()["FindItem"] == 2
    unpaged = (
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        '</m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/>'
        "</m:ParentFolderIds></m:FindItem>"
    )
    assert "ErrorExceededFindCountLimit" in raw_soap(xsb, unpaged).text


def test_a_calendar_view_is_capped_at_the_find_count_limit(xsb, monkeypatch):
    """A CalendarView is a FindItem too: EWSFindCountLimit (1000; 10 here) serves at most
    that many rows with IncludesLastItemInRange false, and refuses a view over it that names
    no MaxEntriesReturned."""
    import datetime as dt

    from sandbox.exchange import ews_items

    monkeypatch.setattr(ews_items, "FIND_COUNT_LIMIT", 10)
    base = dt.datetime(2027, 1, 4, 8, tzinfo=dt.UTC)
    for n in range(15):
        start = base + dt.timedelta(hours=n)
        xsb.outlook.create_event(ANN, f"Slot {n}", start, start + dt.timedelta(minutes=30))
    view = (
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        '</m:ItemShape><m:CalendarView {max} StartDate="2027-01-04T00:00:00Z" '
        'EndDate="2027-01-06T00:00:00Z"/><m:ParentFolderIds>'
        '<t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>'
    )
    assert "ErrorExceededFindCountLimit" in raw_soap(xsb, view.format(max="")).text
    for asked in ('MaxEntriesReturned="50"', 'MaxEntriesReturned="10"'):
        text = raw_soap(xsb, view.format(max=asked)).text
        assert 'IncludesLastItemInRange="false"' in text and 'TotalItemsInView="15"' in text
        assert text.count("<t:CalendarItem>") == 10
    text = raw_soap(xsb, view.format(max='MaxEntriesReturned="5"')).text
    assert text.count("<t:CalendarItem>") == 5
