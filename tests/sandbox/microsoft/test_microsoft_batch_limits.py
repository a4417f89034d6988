"""Slice 6: $batch, throttling and Graph's error shapes.

msgraph-sdk's batch helper (msgraph_core's BatchRequestContent) drives the first tests.
BatchRequestItem copies the RequestInformation's URL as it is, and its ``set_url`` strips only
the host (its version regex never matches: msgraph-sdk-python-core issue 1116). A fresh
msgraph-sdk 1.65 client's request builders give relative URLs, only because
GraphServiceClient stores the base under ``base_url`` while the template reads
``{+baseurl}``; after the client's first call the adapter has filled ``baseurl`` in, and
the helper sends absolute URLs from then on; ``set_url`` sends ``/v1.0/...``. Graph refuses
both (https://learn.microsoft.com/graph/json-batching: "url ... relative to the version";
msgraph-sdk-javascript issue 1178: "Resource not found for the segment 'v1.0'"), and so does
the stand-in. The limits are driven with plain requests, so that each payload is exactly
what the test says.
"""

from __future__ import annotations

import threading

import pytest
import requests
from kiota_abstractions.api_error import APIError
from microsoft_helpers import ANN, run, token_for
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

INNER = {"date", "request-id", "client-request-id"}


def auth(sb, **kw) -> dict:
    return {"Authorization": f"Bearer {token_for(sb, **kw)}"}


def batch(sb, steps: list[dict], headers: dict | None = None) -> requests.Response:
    return requests.post(
        f"{sb.graph_url}/$batch", json={"requests": steps}, headers=headers or auth(sb), timeout=30
    )


def test_the_sdk_batch_helper_with_depends_on(msb):
    async def go(client):
        me = BatchRequestItem(request_information=client.me.to_get_request_information())
        events = BatchRequestItem(request_information=client.me.events.to_get_request_information())
        events.set_depends_on([me])
        assert not me.url.startswith("http")  # a fresh client only (see above)
        answer = await client.batch.post(BatchRequestContent({me.id: me, events.id: events}))
        return {k: v.status for k, v in answer.responses.items()}, me.id, events.id

    statuses, me_id, events_id = run(msb, go)
    assert statuses == {me_id: 200, events_id: 200}
    assert msb.calls()["me.get"] == 1 and msb.calls()["events.list"] == 1


@pytest.mark.parametrize("how", ["after one call", "set_url"])
def test_the_sdk_batch_helper_with_a_versioned_or_absolute_url_is_refused(msb, how):
    """The helper's usual case: the client has already made a call, so the adapter has
    filled the base into the client's path parameters, and every BatchRequestItem made
    from a request builder from then on carries the absolute URL."""

    async def go(client):
        if how == "set_url":
            item = BatchRequestItem(request_information=client.me.to_get_request_information())
            item.set_url(f"{msb.graph_url}/me")
            assert item.url == "/v1.0/me"
        else:
            await client.me.get()
            item = BatchRequestItem(request_information=client.me.to_get_request_information())
            assert item.url == f"{msb.graph_url}/me"
        await client.batch.post(BatchRequestContent({item.id: item}))

    with pytest.raises(APIError) as err:
        run(msb, go)
    assert err.value.response_status_code == 400
    assert msb.calls().get("me.get", 0) == (1 if how == "after one call" else 0)


@pytest.mark.parametrize("chained", [False, True])
def test_batch_steps_are_counted_and_answered_by_id_not_by_position(msb, chained):
    """ "Responses to the batched requests might appear in a different order. The id
    property can be used to correlate individual requests and responses."
    (https://learn.microsoft.com/graph/json-batching). The stand-in never answers in
    request order, so a client that reads the answers by position fails here too."""
    steps = [{"id": str(i), "method": "GET", "url": "/me"} for i in range(1, 6)]
    steps.append({"id": "6", "method": "GET", "url": "me/events"})
    if chained:
        steps[5]["dependsOn"] = ["5"]
    answer = batch(msb, steps)
    assert answer.status_code == 200
    got = answer.json()["responses"]
    assert sorted(r["id"] for r in got) == [str(i) for i in range(1, 7)]
    assert [r["id"] for r in got] != [str(i) for i in range(1, 7)]
    by_id = {r["id"]: r for r in got}
    assert {r["status"] for r in got} == {200} and by_id["1"]["body"]["mail"] == ANN
    assert by_id["6"]["body"]["value"] == []
    calls = msb.calls()
    assert calls["me.get"] == 5 and calls["events.list"] == 1


def test_batch_limits_duplicates_and_absolute_urls(msb):
    me = {"method": "GET", "url": "/me"}
    too_many = batch(msb, [{"id": str(i), **me} for i in range(21)])
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "BadRequest"
    assert batch(msb, [{"id": "1", **me}, {"id": "1", **me}]).status_code == 400
    nested = batch(
        msb,
        [
            {
                "id": "1",
                "method": "POST",
                "url": "/$batch",
                "body": {"requests": [{"id": "a", **me}]},
                "headers": {"Content-Type": "application/json"},
            }
        ],
    )
    assert nested.json()["responses"][0]["status"] == 400
    absolute = batch(msb, [{"id": "1", "method": "GET", "url": f"{msb.graph_url}/me"}])
    assert absolute.status_code == 400
    assert set(absolute.json()["error"]) == {"code", "message", "innerError"}


def test_depends_on_a_failed_step_answers_424(msb):
    answer = batch(
        msb,
        [
            {"id": "1", "method": "GET", "url": "/me/events/AAMkAGmissing"},
            {"id": "2", "method": "GET", "url": "/me", "dependsOn": ["1"]},
            {"id": "3", "method": "GET", "url": "/me"},
            {"id": "4", "method": "GET", "url": "/me", "dependsOn": ["3"]},
        ],
    ).json()["responses"]
    by_id = {r["id"]: r for r in answer}
    assert [by_id[i]["status"] for i in "1234"] == [404, 424, 200, 200]
    assert by_id["2"]["body"]["error"]["code"] == "FailedDependency"


def test_at_most_four_steps_run_at_once(msb, monkeypatch):
    """Counted at the concurrency slot each step takes (the latency is spent inside it)."""
    lock, active, peak = threading.Lock(), [0], [0]
    enter = msb.throttle.enter

    def counted(app, mailbox):
        release = enter(app, mailbox)
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])

        def done():
            with lock:
                active[0] -= 1
            release()

        return done

    monkeypatch.setattr(msb.throttle, "enter", counted)
    requests.post(f"{msb.base_url}/_sandbox/faults", json={"latency": 0.3}, timeout=5)
    answer = batch(msb, [{"id": str(i), "method": "GET", "url": "/me"} for i in range(8)])
    assert [r["status"] for r in answer.json()["responses"]] == [200] * 8  # never self-throttled
    assert peak[0] == 4


def test_ten_thousand_requests_per_ten_minutes_per_app_and_mailbox(msb):
    """How fast: bench/bench_microsoft_sandbox.py (no timed assertions in tests)."""
    headers = auth(msb)
    step = [{"method": "GET", "url": "/me"}]
    for n in range(500):  # 500 batches of 20 steps: 10,000 counted requests
        got = batch(msb, [{"id": str(i), **step[0]} for i in range(20)], headers).json()
        assert {r["status"] for r in got["responses"]} == {200}, n
    assert msb.calls()["me.get"] == 10_000
    over = requests.get(f"{msb.graph_url}/me", headers=headers, timeout=5)
    assert over.status_code == 429 and int(over.headers["Retry-After"]) > 0
    assert over.json()["error"]["code"] == "ApplicationThrottled"
    other = requests.get(f"{msb.graph_url}/me", headers=auth(msb, email="bob@acme.com"), timeout=5)
    assert other.status_code == 200  # the budget is per mailbox
    msb.clock.advance(600)
    assert requests.get(f"{msb.graph_url}/me", headers=headers, timeout=5).status_code == 200


def shape(answer: requests.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"]
    assert set(error["innerError"]) >= INNER


def test_error_shapes(msb):
    h = auth(msb)
    g = msb.graph_url
    shape(requests.get(f"{g}/me/nonsense", headers=h, timeout=5), 400, "BadRequest")
    shape(requests.get(f"{g}/me", timeout=5), 401, "InvalidAuthenticationToken")
    shape(
        requests.get(f"{g}/me/events", headers=auth(msb, scopes=["User.Read"]), timeout=5),
        403,
        "ErrorAccessDenied",
    )
    shape(requests.get(f"{g}/me/events/AAMkAGnone", headers=h, timeout=5), 404, "ErrorItemNotFound")
    made = requests.post(
        f"{g}/me/events",
        headers=h,
        timeout=5,
        json={
            "subject": "x",
            "start": {"dateTime": "2026-12-03T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-03T10:00:00", "timeZone": "UTC"},
        },
    ).json()
    url = f"{g}/me/events/{made['id']}"
    shape(
        requests.patch(url, headers=h, json={"subject": "y", "changeKey": "old"}, timeout=5),
        409,
        "ErrorIrresolvableConflict",
    )
    shape(
        requests.patch(url, headers={**h, "If-Match": 'W/"old"'}, json={"subject": "y"}, timeout=5),
        412,
        "ErrorIrresolvableConflict",
    )
    shape(
        requests.get(f"{g}/me/calendarView/delta?$deltatoken=nope", headers=h, timeout=5),
        410,
        "syncStateNotFound",
    )
    msb.throttle.budget = 0
    shape(requests.get(f"{g}/me", headers=h, timeout=5), 429, "ApplicationThrottled")


EVENT = {
    "subject": "From a batch",
    "start": {"dateTime": "2026-12-03T09:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2026-12-03T10:00:00", "timeZone": "UTC"},
}


def test_a_step_body_needs_a_content_type(msb):
    step = {"id": "1", "method": "POST", "url": "/me/events", "body": EVENT}
    answer = batch(msb, [step])
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "BadRequest"
    assert msb.mailbox(ANN).events == {}
    typed = {**step, "headers": {"content-type": "application/json"}}
    assert batch(msb, [typed]).json()["responses"][0]["status"] == 201


def test_a_step_url_with_the_version_or_no_method_is_refused(msb):
    versioned = batch(msb, [{"id": "1", "method": "GET", "url": "/v1.0/me"}])
    assert versioned.status_code == 400 and versioned.json()["error"]["code"] == "BadRequest"
    no_method = batch(msb, [{"id": "1", "url": "/me"}])
    assert no_method.status_code == 400 and no_method.json()["error"]["code"] == "BadRequest"
    assert "me.get" not in msb.calls()


def test_reset_clears_the_throttle_counters(msb):
    msb.throttle.budget = 3
    for _ in range(3):
        assert run(msb, lambda c: c.me.get()).mail == ANN
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.get())
    assert err.value.response_status_code == 429
    assert requests.post(f"{msb.base_url}/_sandbox/reset", timeout=5).status_code == 200
    msb.throttle.budget = 3  # the same small budget: only the counters decide
    assert run(msb, lambda c: c.me.get()).mail == ANN  # a new token: reset forgets tokens
