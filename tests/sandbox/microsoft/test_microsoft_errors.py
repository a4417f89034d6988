"""Graph's OData error shape: every error status as msgraph-sdk parses it, and defects that
once gave werkzeug's HTML 500."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.middleware.options import RetryHandlerOption
from microsoft_helpers import run, token_for
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.event import Event
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


def test_every_error_status_reaches_the_sdk_as_an_odata_error(msb):
    """msgraph-sdk parses each refusal into ODataError (code, message, innerError with date,
    request-id and client-request-id: https://learn.microsoft.com/graph/errors), and its
    retry handler waits out a 429's Retry-After and asks again."""

    def once() -> RequestConfiguration:
        return RequestConfiguration(options=[RetryHandlerOption(max_retries=0)])

    async def refusals(client):
        made = await client.me.events.post(
            Event(subject="x", start=_time("09:00"), end=_time("10:00"))
        )
        stale = RequestConfiguration()
        stale.headers.add("If-Match", 'W/"old"')
        tries = {
            400: lambda: client.me.with_url(f"{msb.graph_url}/me/nonsense").get(),
            404: lambda: client.me.events.by_event_id("AAMkAGnone").get(),
            409: lambda: client.me.events.by_event_id(made.id).patch(
                Event(subject="y", change_key="old")
            ),
            412: lambda: client.me.events.by_event_id(made.id).patch(Event(subject="y"), stale),
            410: lambda: client.me.calendar_view.delta.with_url(
                f"{msb.graph_url}/me/calendarView/delta?$deltatoken=nope"
            ).get(),
        }
        seen = {}
        for status, call in tries.items():
            with pytest.raises(APIError) as err:
                await call()
            seen[status] = err.value
        msb.throttle.budget = 0
        with pytest.raises(APIError) as err:
            await client.me.get(once())
        seen[429] = err.value
        msb.throttle.budget = None
        return seen

    seen = run(msb, refusals)
    seen[401] = _refused(msb, "not-a-token")
    seen[403] = _refused(msb, token_for(msb, scopes=["User.Read"]), events=True)
    codes = {
        400: "BadRequest",
        401: "InvalidAuthenticationToken",
        403: "ErrorAccessDenied",
        404: "ErrorItemNotFound",
        409: "ErrorIrresolvableConflict",
        410: "syncStateNotFound",
        412: "ErrorIrresolvableConflict",
        429: "ApplicationThrottled",
    }
    for status, code in codes.items():
        err = seen[status]
        assert (err.response_status_code, err.error.code) == (status, code), status
        assert err.error.message and err.error.inner_error.request_id
        assert err.error.inner_error.client_request_id and err.error.inner_error.date
    assert int(seen[429].response_headers["retry-after"]) > 0

    msb.faults.queue(count=1, code=429, op="me.get")  # Retry-After 1: the SDK waits, retries
    assert run(msb, lambda c: c.me.get()).mail == "ann@acme.com"
    assert msb.calls()["me.get"] == 1  # the refused answer was never executed


def _time(hhmm: str) -> DateTimeTimeZone:
    return DateTimeTimeZone(date_time=f"2026-12-03T{hhmm}:00", time_zone="UTC")


def _refused(sb, token: str, events: bool = False) -> APIError:
    async def go(client):
        with pytest.raises(APIError) as err:
            await (client.me.events.get() if events else client.me.get())
        return err.value

    return run(sb, go, token=token)
