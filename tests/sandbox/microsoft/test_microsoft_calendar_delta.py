"""Slice 3: /me and /me/calendarView/delta, driven by msgraph-sdk."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
import requests
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from microsoft_helpers import ANN, run, token_for
from msgraph.generated.users.item.calendar_view.delta.delta_request_builder import (
    DeltaRequestBuilder,
)

START, END = "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"
SEVEN_DIGITS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$")


def outlook(sb, action: str, body: dict, email: str = ANN) -> dict:
    answer = requests.post(f"{sb.base_url}/_sandbox/outlook/{email}/{action}", json=body, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def at(day: int, hour: int, minute: int = 0) -> dict:
    return {"dateTime": f"2026-12-{day:02d}T{hour:02d}:{minute:02d}:00", "timeZone": "UTC"}


def seed(sb) -> dict:
    single = outlook(
        sb, "create_event", {"subject": "Globex call", "start": at(3, 9), "end": at(3, 10)}
    )
    series = outlook(
        sb,
        "create_event",
        {
            "subject": "Weekly Initech",
            "start": at(7, 14),
            "end": at(7, 15),
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                "range": {"type": "numbered", "numberOfOccurrences": 4, "startDate": "2026-12-07"},
            },
        },
    )
    outside = outlook(
        sb,
        "create_event",
        {
            "subject": "Next year",
            "start": {"dateTime": "2027-02-01T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2027-02-01T10:00:00", "timeZone": "UTC"},
        },
    )
    return {"single": single, "series": series, "outside": outside}


def config(page_size: int | None = None, tz: str | None = None, first: bool = False):
    q = (
        DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
            start_date_time=START, end_date_time=END
        )
        if first
        else None
    )
    cfg = RequestConfiguration(query_parameters=q)
    if page_size:
        cfg.headers.add("Prefer", f"odata.maxpagesize={page_size}")
    if tz:
        cfg.headers.add("Prefer", f'outlook.timezone="{tz}"')
    return cfg


def full_round(sb, link: str | None = None, page_size: int | None = None, tz: str | None = None):
    """Every page of one round: (items, the pages' links, the deltaLink)."""

    async def go(client):
        items, links = [], []
        delta = client.me.calendar_view.delta
        if link is None:
            page = await delta.get(request_configuration=config(page_size, tz, first=True))
        else:
            page = await delta.with_url(link).get(request_configuration=config(page_size, tz))
        while True:
            items.extend(page.value)
            if page.odata_next_link:
                links.append(page.odata_next_link)
                page = await delta.with_url(page.odata_next_link).get(
                    request_configuration=config(page_size, tz)
                )
            else:
                return items, links, page.odata_delta_link

    return run(sb, go)


def test_me(msb):
    me = run(msb, lambda c: c.me.get())
    assert me.mail == ANN and me.display_name == "Ann Lee" and me.id == msb.state.users[ANN].oid


def test_first_round_pages_with_absolute_links_and_bare_occurrences(msb):
    made = seed(msb)
    items, links, delta_link = full_round(msb, page_size=2)
    assert len(links) == 2 and delta_link
    for link in [*links, delta_link]:
        parsed = urlparse(link)
        assert f"{parsed.scheme}://{parsed.netloc}" == msb.base_url
    kinds = sorted(str(i.type.value) for i in items)
    assert kinds == ["occurrence"] * 4 + ["singleInstance"]
    occurrence = next(i for i in items if i.type.value == "occurrence")
    assert occurrence.series_master_id == made["series"]["id"]
    assert occurrence.subject is None and occurrence.attendees is None  # bare, as Graph
    assert SEVEN_DIGITS.match(occurrence.start.date_time)
    assert occurrence.start.time_zone == "UTC"
    assert made["outside"]["id"] not in {i.id for i in items}
    master = run(msb, lambda c: c.me.events.by_event_id(occurrence.series_master_id).get())
    assert master.subject == "Weekly Initech" and master.type.value == "seriesMaster"


def test_outlook_timezone_preference(msb):
    seed(msb)
    items, _, _ = full_round(msb, tz="Pacific Standard Time")
    single = next(i for i in items if i.type.value == "singleInstance")
    assert single.start.time_zone == "Pacific Standard Time"
    assert single.start.date_time == "2026-12-03T01:00:00.0000000"


def test_changes_and_removals_in_the_next_round(msb):
    made = seed(msb)
    items, _, delta_link = full_round(msb)
    occurrences = sorted(
        (i for i in items if i.type.value == "occurrence"), key=lambda i: i.start.date_time
    )
    outlook(msb, "update_event", {"id": made["single"]["id"], "changes": {"subject": "Moved"}})
    outlook(msb, "delete_event", {"id": occurrences[1].id})
    late = outlook(msb, "create_event", {"subject": "Added", "start": at(20, 9), "end": at(20, 10)})
    changed, _, second_link = full_round(msb, delta_link)
    by_id = {i.id: i for i in changed}
    assert by_id[made["single"]["id"]].subject == "Moved"
    assert by_id[late["id"]].subject == "Added"
    assert by_id[occurrences[1].id].additional_data["@removed"] == {"reason": "deleted"}
    assert occurrences[0].id not in by_id  # unchanged: not sent again
    outlook(msb, "delete_event", {"id": made["single"]["id"]})
    gone, _, _ = full_round(msb, second_link)
    assert [(i.id, i.additional_data.get("@removed")) for i in gone] == [
        (made["single"]["id"], {"reason": "deleted"})
    ]


def test_changes_outside_the_window_come_as_removed(msb):
    """Graph: "a delta call returning two types of events under @removed with the reason
    deleted: events within the date range deleted since the previous delta call, and events
    outside the date range that have been added, deleted, or updated since the previous
    delta call" (https://learn.microsoft.com/graph/api/event-delta, Response). So a client
    meets @removed for ids it was never sent, and must ignore them."""
    made = seed(msb)
    items, _, delta_link = full_round(msb)
    assert made["outside"]["id"] not in {i.id for i in items}
    beyond = {"dateTime": "2027-03-01T09:00:00", "timeZone": "UTC"}
    added = outlook(
        msb,
        "create_event",
        {"subject": "Far", "start": beyond, "end": beyond | {"dateTime": "2027-03-01T10:00:00"}},
    )
    outlook(msb, "update_event", {"id": made["outside"]["id"], "changes": {"subject": "Later"}})
    changed, _, second_link = full_round(msb, delta_link)
    assert sorted((i.id, i.additional_data.get("@removed")) for i in changed) == sorted(
        [
            (added["id"], {"reason": "deleted"}),
            (made["outside"]["id"], {"reason": "deleted"}),
        ]
    )
    outlook(msb, "delete_event", {"id": added["id"]})
    gone, _, third_link = full_round(msb, second_link)
    assert [(i.id, i.additional_data.get("@removed")) for i in gone] == [
        (added["id"], {"reason": "deleted"})
    ]
    quiet, _, _ = full_round(msb, third_link)
    assert quiet == []  # nothing changed: nothing reported, inside or out


def test_the_window_is_fixed_by_the_first_call(msb):
    seed(msb)
    _, _, delta_link = full_round(msb)
    beyond = outlook(
        msb,
        "create_event",
        {
            "subject": "Beyond",
            "start": {"dateTime": "2027-01-05T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2027-01-05T10:00:00", "timeZone": "UTC"},
        },
    )
    # A client may not move the window: extra parameters are ignored with a token, so the
    # new event stays outside it (an outside change is reported only as @removed).
    wider = delta_link + "&startDateTime=2026-12-01T00:00:00Z&endDateTime=2027-06-01T00:00:00Z"
    items, _, _ = full_round(msb, wider)
    assert [(i.id, i.subject, i.additional_data.get("@removed")) for i in items] == [
        (beyond["id"], None, {"reason": "deleted"})
    ]


def test_both_spellings_and_refused_query_options(msb):
    seed(msb)
    auth = {"Authorization": f"Bearer {token_for(msb)}"}
    window = f"startDateTime={START}&endDateTime={END}"
    for spelling in ("delta", "delta()"):
        answer = requests.get(
            f"{msb.graph_url}/me/calendarView/{spelling}?{window}", headers=auth, timeout=5
        )
        assert answer.status_code == 200 and len(answer.json()["value"]) == 5
    for option in ("$select=subject", "$filter=subject eq 'x'"):
        answer = requests.get(
            f"{msb.graph_url}/me/calendarView/delta?{window}&{option}", headers=auth, timeout=5
        )
        assert answer.status_code == 400
        assert set(answer.json()["error"]) == {"code", "message", "innerError"}
    missing = requests.get(f"{msb.graph_url}/me/calendarView/delta", headers=auth, timeout=5)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "ErrorInvalidParameter"


def test_both_spellings_and_refused_options_through_the_sdk(msb):
    """msgraph-sdk's builder writes ``delta()`` and offers $select/$filter on it; Graph
    refuses both options on calendarView delta (https://learn.microsoft.com/graph/api/
    event-delta: "$select, $filter ... are not supported"), and so must the stand-in."""
    seed(msb)

    async def go(client):
        delta = client.me.calendar_view.delta
        plain = delta.to_get_request_information(config(first=True)).url.replace(
            "/users/me-token-to-replace", "/me"
        )  # relative until the adapter fills the base into the builder on its first send
        assert plain.startswith("/me/calendarView/delta()?")
        builder_spelling = await delta.get(config(first=True))
        other_spelling = await delta.with_url(
            msb.graph_url + plain.replace("delta()?", "delta?")
        ).get()
        refused = []
        for option in ({"select": ["subject"]}, {"filter": "subject eq 'x'"}):
            q = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
                start_date_time=START, end_date_time=END, **option
            )
            with pytest.raises(APIError) as err:
                await delta.get(RequestConfiguration(query_parameters=q))
            refused.append((err.value.response_status_code, err.value.error.code))
        return builder_spelling, other_spelling, refused

    builder_spelling, other_spelling, refused = run(msb, go)
    assert len(builder_spelling.value) == len(other_spelling.value) == 5
    assert refused == [(400, "ErrorInvalidUrlQuery")] * 2


def test_altered_and_expired_tokens_answer_410(msb):
    seed(msb)
    _, _, delta_link = full_round(msb)
    with pytest.raises(APIError) as err:
        full_round(msb, delta_link[:-3] + "xyz")
    assert err.value.response_status_code == 410
    assert err.value.error.code == "syncStateNotFound"
    msb.clock.advance(days=31)
    with pytest.raises(APIError) as err:
        full_round(msb, delta_link)
    assert err.value.response_status_code == 410
    assert err.value.error.code == "resyncRequired"


def test_an_edited_occurrence_comes_back_in_full_as_an_exception(msb):
    made = seed(msb)
    items, _, delta_link = full_round(msb)
    third = sorted(
        (i for i in items if i.type.value == "occurrence"), key=lambda i: i.start.date_time
    )[2]
    outlook(
        msb,
        "update_event",
        {
            "id": third.id,
            "changes": {"subject": "Initech (moved)", "start": at(21, 16), "end": at(21, 17)},
        },
    )
    changed, _, _ = full_round(msb, delta_link)
    assert [(i.id, i.type.value, i.subject, i.series_master_id) for i in changed] == [
        (third.id, "exception", "Initech (moved)", made["series"]["id"])
    ]
    assert changed[0].start.date_time == "2026-12-21T16:00:00.0000000"
