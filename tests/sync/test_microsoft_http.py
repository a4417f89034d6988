"""The Graph HTTP layer against the Microsoft 365 stand-in: rotated refresh tokens saved
before reuse, Graph's errors as sync error classes, retries, four requests in flight at
most, and $batch."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sync_helpers import MS_CLIENT, MS_SCOPES

from plugin.sync.errors import (
    AuthRevoked,
    EditConflict,
    ItemGone,
    ScopeMissing,
    SyncTokenInvalid,
    Throttled,
)
from plugin.sync.providers.microsoft import microsoft_config
from plugin.sync.providers.microsoft.http import MicrosoftHttp

ANN = "ann@acme.com"
START = datetime.now(UTC).replace(microsecond=0)
WINDOW = {
    "startDateTime": (START - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "endDateTime": (START + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
}


def token(msb, email=ANN, scopes=MS_SCOPES, expired=False) -> dict:
    msb.add_user(email, "Ann")
    tok = msb.issue_token(email, scopes, MS_CLIENT)
    tok["expires_at"] = int(msb.clock.time()) + (-10 if expired else int(tok["expires_in"]))
    return tok


def http(app, msb, tok, on_token=None, sleeps=None) -> MicrosoftHttp:
    sleep = sleeps.append if sleeps is not None else (lambda s: None)
    return MicrosoftHttp(microsoft_config(app.config), tok, on_token, sleep=sleep)


def outlook(msb, action, body, email=ANN):
    import requests

    url = f"{msb.base_url}/_sandbox/outlook/{email}/{action}"
    answer = requests.post(url, json=body, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def event(msb, subject="Call", days=1):
    start = START + timedelta(days=days)
    return outlook(
        msb,
        "create_event",
        {
            "subject": subject,
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {
                "dateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
        },
    )


def test_a_rotated_refresh_token_is_saved_before_the_next_request_uses_it(app, msb):
    old = token(msb, expired=True)
    saved = []

    def on_token(new):
        # At this moment Graph has seen no request with the new access token yet.
        saved.append((dict(new), sum(msb.calls(ANN).values())))

    client = http(app, msb, old, on_token)
    me = client.get("/me")
    assert me["mail"] == ANN
    [(new, graph_calls_then)] = saved
    assert graph_calls_then == 0
    assert new["refresh_token"] != old["refresh_token"]
    assert new["access_token"] != old["access_token"]
    assert client.session.token["refresh_token"] == new["refresh_token"]
    assert client.calls == 2  # the refresh and the GET


def test_a_save_that_fails_sends_nothing_with_the_unsaved_token(app, msb):
    def on_token(new):
        raise RuntimeError("database down")

    client = http(app, msb, token(msb, expired=True), on_token)
    with pytest.raises(RuntimeError):
        client.get("/me")
    assert sum(msb.calls(ANN).values()) == 0


def test_access_token_ended_early_is_refreshed_once_and_the_call_repeated(app, msb):
    saved = []
    client = http(app, msb, token(msb), saved.append)
    msb.identity.expire_access_tokens(ANN)  # Graph answers 401 though expires_at is ahead
    assert client.get("/me")["mail"] == ANN
    assert len(saved) == 1


def test_revoked_grant_is_auth_revoked(app, msb):
    client = http(app, msb, token(msb, expired=True))
    msb.clock.advance(1)
    msb.set_password(ANN, "changed")  # every older refresh token: invalid_grant
    with pytest.raises(AuthRevoked, match="re-link"):
        client.get("/me")


def test_missing_scope_is_scope_missing(app, msb):
    client = http(app, msb, token(msb, scopes=["offline_access", "User.Read", "Calendars.Read"]))
    with pytest.raises(ScopeMissing):
        client.get("/me/mailFolders/inbox/messages/delta")


def test_expired_delta_link_is_sync_token_invalid(app, msb):
    client = http(app, msb, token(msb))
    page = client.get("/me/calendarView/delta", WINDOW, sync_cursor=False)
    link = page["@odata.deltaLink"]
    msb.state.epoch += 1  # the service forgot every sync state (410 syncStateNotFound)
    with pytest.raises(SyncTokenInvalid):
        client.get(link, sync_cursor=True)


def test_gone_item_and_stale_etag(app, msb):
    client = http(app, msb, token(msb))
    with pytest.raises(ItemGone):
        client.get("/me/events/AAMkAGnothere")
    made = event(msb)
    with pytest.raises(EditConflict):
        client.request(
            "PATCH",
            f"/me/events/{made['id']}",
            json={"subject": "x"},
            headers={"If-Match": 'W/"stale"'},
        )
    assert client.request("DELETE", f"/me/events/{made['id']}") == {}
    with pytest.raises(ItemGone):
        client.request("DELETE", f"/me/events/{made['id']}")


def test_server_errors_are_retried_with_backoff(app, msb):
    sleeps = []
    client = http(app, msb, token(msb), sleeps=sleeps)
    msb.faults.queue(2, 500, op="me.get")
    assert client.get("/me")["mail"] == ANN
    assert len(sleeps) == 2 and client.calls == 3


def test_long_retry_after_ends_the_call_as_throttled(app, msb):
    sleeps = []
    client = http(app, msb, token(msb), sleeps=sleeps)
    msb.throttle.budget, msb.throttle.window_seconds = 1, 60
    client.get("/me")
    with pytest.raises(Throttled) as caught:
        client.get("/me")
    assert 50 < caught.value.retry_after <= 60 and sleeps == []


def test_short_retry_after_is_waited_out_in_the_call(app, msb):
    sleeps = []
    client = http(app, msb, token(msb), sleeps=sleeps)
    msb.faults.queue(1, 503, op="me.get", backoff_ms=2000)
    assert client.get("/me")["mail"] == ANN
    assert sleeps == [2.0]


def test_503_past_the_retries_is_throttled_with_its_retry_after(app, msb):
    client = http(app, msb, token(msb))
    msb.faults.queue(3, 503, op="me.get", backoff_ms=1000)
    with pytest.raises(Throttled) as caught:
        client.get("/me")
    assert caught.value.retry_after == 1


def test_never_more_than_four_requests_in_flight(app, msb):
    """Eight threads and a batch on one mailbox's session: the stand-in counts mailbox
    concurrency exactly (429 past four) and never has to refuse one."""
    for i in range(6):
        event(msb, f"E{i}", days=1 + i)
    client = http(app, msb, token(msb))
    msb.throttle.concurrency_per = "mailbox"
    msb.faults.latency = 0.1
    ids = [e["id"] for e in client.get("/me/events")["value"]]
    errors = []

    def work():
        try:
            client.get("/me")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    threads.append(
        threading.Thread(target=lambda: client.batch_get([f"/me/events/{i}" for i in ids]))
    )
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and msb.throttle.throttled == 0
    assert client.slots.used == 0


def test_batch_get_answers_each_path_on_its_own_in_steps_of_twenty(app, msb):
    made = [event(msb, f"E{i}", days=1 + i / 10) for i in range(24)]
    client = http(app, msb, token(msb))
    paths = [f"/me/events/{m['id']}?$select=subject" for m in made]
    paths.insert(5, "/me/events/AAMkAGmissing")
    msb.reset_calls()
    before = client.calls
    answers = client.batch_get(paths)
    assert isinstance(answers[5], ItemGone)
    got = [a["subject"] for i, a in enumerate(answers) if i != 5]
    assert got == [f"E{i}" for i in range(24)]
    calls = msb.calls(ANN)
    assert calls["batch"] == 2  # 20 + 5 steps
    assert client.calls - before == sum(calls.values()) == 2 + 25


def test_batch_steps_answered_5xx_are_asked_again(app, msb):
    made = [event(msb, f"E{i}") for i in range(3)]
    sleeps = []
    client = http(app, msb, token(msb), sleeps=sleeps)
    msb.faults.queue(1, 500, op="events.get")
    answers = client.batch_get([f"/me/events/{m['id']}" for m in made])
    assert sorted(a["subject"] for a in answers) == ["E0", "E1", "E2"]
    assert len(sleeps) == 1
