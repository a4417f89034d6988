"""A request without RequestServerVersion is served as Exchange2007, as Exchange does: what
later schemas added is refused, and left out of the answer.

Raw SOAP over requests throughout: exchangelib always sends RequestServerVersion (the sync
adapter, which speaks only through exchangelib, therefore never meets this)."""

from __future__ import annotations

import base64

import requests
from exchange_helpers import ANN, account
from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone

ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"'
    ' xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    "<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
)
BERLIN = (
    '<t:TimeZoneContext><t:TimeZoneDefinition Id="W. Europe Standard Time"/></t:TimeZoneContext>'
)


def _post(sb, body, header=""):
    token = base64.b64encode(f"{ANN}:password".encode()).decode()
    return requests.post(
        sb.ews_url,
        data=ENVELOPE.format(header=header, body=body).encode(),
        headers={"Authorization": "Basic " + token, "Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )


def _version(v):
    return f'<t:RequestServerVersion Version="{v}"/>'


def _get_item(item_id, uri=None, base="IdOnly"):
    extra = (
        f'<t:AdditionalProperties><t:FieldURI FieldURI="{uri}"/></t:AdditionalProperties>'
        if uri
        else ""
    )
    return (
        f"<m:GetItem><m:ItemShape><t:BaseShape>{base}</t:BaseShape>{extra}</m:ItemShape>"
        f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>'
    )


def _event(acc):
    utc = EWSTimeZone("UTC")
    item = CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject="Call",
        start=EWSDateTime(2027, 1, 5, 9, tzinfo=utc),
        end=EWSDateTime(2027, 1, 5, 10, tzinfo=utc),
    )
    item.save()
    return item


def test_without_the_header_what_exchange_2007_had_is_served(xsb):
    item = _event(account(xsb))
    r = _post(xsb, _get_item(item.id, "item:Subject"))
    assert r.status_code == 200 and "<t:Subject>Call</t:Subject>" in r.text


def test_without_the_header_later_elements_are_refused_as_schema_errors(xsb):
    item = _event(account(xsb))
    for uri in ("calendar:StartTimeZone", "calendar:EndTimeZone"):
        r = _post(xsb, _get_item(item.id, uri))
        assert r.status_code == 500
        assert "a:ErrorSchemaValidation</faultcode>" in r.text and uri in r.text
        # The same request naming Exchange2010 is served.
        assert _post(xsb, _get_item(item.id, uri), _version("Exchange2010")).status_code == 200
    r = _post(xsb, _get_item(item.id, "item:Subject"), BERLIN)
    assert r.status_code == 500 and "TimeZoneContext" in r.text
    create = (
        '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
        "<t:Subject>Old</t:Subject><t:Start>2027-01-06T09:00:00Z</t:Start>"
        "<t:End>2027-01-06T10:00:00Z</t:End>"
        '<t:StartTimeZone Id="W. Europe Standard Time"/></t:CalendarItem></m:Items>'
        "</m:CreateItem>"
    )
    r = _post(xsb, create)
    assert r.status_code == 500 and "a:ErrorSchemaValidation</faultcode>" in r.text
    assert [i["subject"] for i in xsb.outlook.items(ANN)] == ["Call"]


def test_the_answer_keeps_to_the_request_version(xsb):
    item = _event(account(xsb))
    old = _post(xsb, _get_item(item.id, base="AllProperties"))
    assert old.status_code == 200 and "<t:Subject>Call" in old.text
    assert "StartTimeZone" not in old.text and "EndTimeZone" not in old.text
    new = _post(xsb, _get_item(item.id, base="AllProperties"), _version("Exchange2016"))
    assert "<t:StartTimeZone" in new.text
