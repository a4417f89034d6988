"""Scripted faults answer in Exchange's two shapes: a per-item code once per element of the
request, a request-level code as a SOAP fault."""

from __future__ import annotations

import pytest
from exchange_helpers import account, raw_soap
from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib.errors import ErrorItemNotFound, ErrorSchemaValidation, ErrorServerBusy

UTC = EWSTimeZone("UTC")


def _events(acc, n):
    items = []
    for i in range(n):
        item = CalendarItem(
            account=acc,
            folder=acc.calendar,
            subject=f"Call {i}",
            start=EWSDateTime(2027, 1, 5 + i, 9, tzinfo=UTC),
            end=EWSDateTime(2027, 1, 5 + i, 10, tzinfo=UTC),
        )
        item.save()
        items.append(item)
    return items


def test_a_per_item_code_answers_every_element_of_the_request(xsb):
    acc = account(xsb)
    items = _events(acc, 3)
    xsb.faults.queue(1, "ErrorItemNotFound", "GetItem")
    results = list(acc.fetch(ids=[(i.id, i.changekey) for i in items]))
    # Exchange answers one ResponseMessage per ItemId; exchangelib hands each back.
    assert len(results) == 3
    assert all(isinstance(r, ErrorItemNotFound) for r in results)
    assert [r.subject for r in acc.fetch(ids=[(i.id, i.changekey) for i in items])] == [
        "Call 0",
        "Call 1",
        "Call 2",
    ]


def test_a_per_item_code_on_sync_keeps_the_sync_elements(xsb):
    account(xsb).calendar.refresh()
    xsb.faults.queue(1, "ErrorMailboxStoreUnavailable", "SyncFolderItems")
    body = (
        "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
        '<m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId>'
        "<m:MaxChangesReturned>10</m:MaxChangesReturned></m:SyncFolderItems>"
    )
    # Raw SOAP: exchangelib raises on the error and never shows the elements kept beside it.
    r = raw_soap(xsb, body)
    assert r.status_code == 200
    assert r.text.count('SyncFolderItemsResponseMessage ResponseClass="Error"') == 1
    assert "<m:SyncState" in r.text and "<m:IncludesLastItemInRange>true" in r.text


def test_schema_validation_is_a_soap_fault_as_exchangelib_reads_it(xsb):
    acc = account(xsb)
    (item,) = _events(acc, 1)
    xsb.faults.queue(1, "ErrorSchemaValidation", "GetItem")
    with pytest.raises(ErrorSchemaValidation):
        acc.calendar.get(id=item.id)
    assert acc.calendar.get(id=item.id).subject == "Call 0"


@pytest.mark.parametrize(
    "code",
    ["ErrorInvalidRequest", "ErrorInvalidServerVersion", "ErrorIncorrectSchemaVersion"],
)
def test_request_level_codes_are_soap_faults_not_response_messages(xsb, code):
    # Raw SOAP: exchangelib meets these three codes by retrying under older versions, so the
    # shape of one answer is only visible on the wire.
    xsb.faults.queue(1, code, "GetFolder")
    body = (
        "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
        '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
    )
    r = raw_soap(xsb, body)
    assert r.status_code == 500
    assert "<s:Fault>" in r.text and f"a:{code}</faultcode>" in r.text
    assert "ResponseMessage" not in r.text


def test_server_busy_stays_a_fault_with_its_back_off(xsb):
    acc = account(xsb)
    (item,) = _events(acc, 1)
    xsb.faults.queue(1, "ErrorServerBusy", "GetItem", backoff_ms=1500)
    with pytest.raises(ErrorServerBusy) as busy:
        acc.calendar.get(id=item.id)
    assert busy.value.back_off == 1.5
