"""Defects that once gave werkzeug's HTML 500: every answer is in Graph's OData error shape."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from microsoft_helpers import run
from msgraph.generated.users.item.calendar_view.delta.delta_request_builder import (
    DeltaRequestBuilder,
)

from sandbox.microsoft.routes import ROUTES

START, END = "2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z"


def calendar_delta_link(sb) -> str:
    q = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
        start_date_time=START, end_date_time=END
    )
    page = run(sb, lambda c: c.me.calendar_view.delta.get(RequestConfiguration(query_parameters=q)))
    return page.odata_delta_link


def mail_delta_link(sb) -> str:
    page = run(sb, lambda c: c.me.mail_folders.by_mail_folder_id("inbox").messages.delta.get())
    return page.odata_delta_link


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["$deltatoken"][0]


def test_a_calendar_token_on_mail_delta_is_410(msb):
    token = token_of(calendar_delta_link(msb))
    url = f"{msb.graph_url}/me/mailFolders/inbox/messages/delta?$deltatoken={token}"
    with pytest.raises(APIError) as err:
        run(
            msb,
            lambda c: (
                c.me.mail_folders.by_mail_folder_id("inbox").messages.delta.with_url(url).get()
            ),
        )
    assert err.value.response_status_code == 410
    assert err.value.error.code == "syncStateNotFound"


def test_a_mail_token_on_calendar_delta_is_410(msb):
    token = token_of(mail_delta_link(msb))
    url = f"{msb.graph_url}/me/calendarView/delta?$deltatoken={token}"
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.calendar_view.delta.with_url(url).get())
    assert err.value.response_status_code == 410
    assert err.value.error.code == "syncStateNotFound"


@pytest.mark.parametrize("query", ["$top=abc", "$skip=x", "$top=-1"])
def test_a_malformed_top_or_skip_is_400(msb, query):
    # msgraph-sdk types $top/$skip as int, so the malformed value goes through with_url
    url = f"{msb.graph_url}/me/events?{query}"
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.events.with_url(url).get())
    assert err.value.response_status_code == 400
    assert err.value.error.code == "BadRequest"


def test_an_unexpected_failure_answers_500_in_graphs_shape(msb, monkeypatch):
    def boom(ctx):
        raise RuntimeError("stand-in bug")

    (me,) = [r for r in ROUTES if r.op == "me.get"]
    monkeypatch.setattr(me, "fn", boom)
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.get())
    assert err.value.response_status_code == 500
    assert err.value.error.code == "generalException" and err.value.error.message


def test_inner_error_date_is_the_sandbox_clock(msb):
    msb.clock.set(datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC))
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.events.by_event_id("AAMkAGnope").get())
    assert err.value.response_status_code == 404
    assert err.value.error.inner_error.date == datetime(2031, 5, 6, 7, 8, 9)  # no zone, as Graph
