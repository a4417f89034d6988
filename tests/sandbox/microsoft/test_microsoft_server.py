"""Slice 1: the CLI, the in-process fixture and the control plane, driven by msgraph-sdk."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from kiota_abstractions.api_error import APIError
from microsoft_helpers import ALL, ANN, BOB, CLIENT, run, token_for

from sandbox.clock import Clock
from sandbox.microsoft import MicrosoftSandbox

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def test_in_process_start_serves_at_once():
    """How fast: bench/bench_microsoft_sandbox.py (no timed assertions in tests)."""
    sb = MicrosoftSandbox(clock=Clock(frozen=True))
    base = sb.start()
    try:
        assert requests.get(f"{base}/_sandbox/users", timeout=5).json() == []
    finally:
        sb.stop()


def test_cli_serves_a_linked_ready_mailbox(tmp_path):
    state = tmp_path / "ms.pkl"
    cmd = [
        sys.executable,
        "-m",
        "sandbox.microsoft",
        "--port",
        "0",
        "--state-file",
        str(state),
        "--client-id",
        CLIENT,
        "--client-secret",
        "s",
        "--redirect-uri",
        "http://x/cb",
        "--user",
        "carol@acme.com:pw",
        "--seed-demo",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "listening" in line
        base = line.rsplit(" ", 1)[-1].strip()
        assert base.startswith("http://127.0.0.1:")
        users = {u["email"] for u in requests.get(f"{base}/_sandbox/users", timeout=5).json()}
        assert {"ann@acme.com", "bob@acme.com", "carol@acme.com"} <= users
        tok = requests.post(
            f"{base}/_sandbox/tokens",
            timeout=5,
            json={"email": ANN, "scopes": ALL, "client_id": CLIENT},
        ).json()
        me = requests.get(
            f"{base}/v1.0/me", timeout=5, headers={"Authorization": f"Bearer {tok['access_token']}"}
        ).json()
        assert me["mail"] == ANN and me["displayName"] == "Ann Lee"
        inbox = requests.get(
            f"{base}/v1.0/me/mailFolders/inbox/messages/delta",
            timeout=5,
            headers={"Authorization": f"Bearer {tok['access_token']}"},
        ).json()
        assert inbox["value"] and "@odata.deltaLink" in inbox
    finally:
        proc.terminate()
        proc.wait(10)
    again = MicrosoftSandbox(state_file=str(state))
    assert "carol@acme.com" in again.state.users and CLIENT in again.state.apps


def test_tokens_from_the_control_plane(msb):
    url = f"{msb.base_url}/_sandbox/tokens"
    plain = requests.post(
        url, json={"email": ANN, "scopes": ["User.Read"], "client_id": CLIENT}, timeout=5
    ).json()
    assert plain["token_type"] == "Bearer" and plain["expires_in"] > 0
    assert "refresh_token" not in plain and "id_token" not in plain
    full = requests.post(
        url,
        json={
            "email": ANN,
            "scopes": "openid offline_access https://graph.microsoft.com/Calendars.Read",
            "client_id": CLIENT,
        },
        timeout=5,
    ).json()
    assert full["refresh_token"] and full["id_token"]
    assert "Calendars.Read" in full["scope"].split()
    me = run(msb, lambda c: c.me.get(), token=full["access_token"])
    assert me.mail == ANN


def test_calls_are_counted_per_operation_and_user(msb):
    run(msb, lambda c: c.me.get())
    run(msb, lambda c: c.me.get(), email=BOB)
    calls = requests.get(f"{msb.base_url}/_sandbox/calls", timeout=5).json()
    assert calls["me.get"] == 2
    assert requests.get(f"{msb.base_url}/_sandbox/calls?email={BOB}", timeout=5).json() == {
        "me.get": 1
    }


def test_reset_empties_mailboxes_invalidates_delta_and_keeps_users(msb):
    tok = token_for(msb)
    auth = {"Authorization": f"Bearer {tok}"}
    msb_post = f"{msb.base_url}/_sandbox/outlook/{ANN}/receive_mail"
    requests.post(msb_post, json={"from": "x@globex.com", "subject": "hi", "body": "b"}, timeout=5)
    first = requests.get(
        f"{msb.graph_url}/me/mailFolders/inbox/messages/delta", headers=auth, timeout=5
    ).json()
    assert len(first["value"]) == 1
    msb.throttle.budget = 3
    requests.post(f"{msb.base_url}/_sandbox/reset", timeout=5)
    assert msb.throttle.budget == 10_000
    tok = token_for(msb)  # reset forgets issued tokens
    auth = {"Authorization": f"Bearer {tok}"}
    gone = requests.get(first["@odata.deltaLink"], headers=auth, timeout=5)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "syncStateNotFound"
    fresh = requests.get(
        f"{msb.graph_url}/me/mailFolders/inbox/messages/delta", headers=auth, timeout=5
    ).json()
    assert fresh["value"] == []
    assert {
        u["email"] for u in requests.get(f"{msb.base_url}/_sandbox/users", timeout=5).json()
    } == {ANN, BOB}


def test_fault_next_answers_then_recovers(msb):
    requests.post(
        f"{msb.base_url}/_sandbox/faults",
        timeout=5,
        json={"fail_next": {"count": 2, "status": 503, "op": "me.get"}},
    )
    tok = token_for(msb)
    auth = {"Authorization": f"Bearer {tok}"}
    answers = [requests.get(f"{msb.graph_url}/me", headers=auth, timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json()["error"]["code"] == "ServiceNotAvailable"
    assert answers[0].headers["Retry-After"]


def test_latency_overlaps_requests_and_hits_mailbox_concurrency(msb):
    requests.post(f"{msb.base_url}/_sandbox/faults", json={"latency": 0.4}, timeout=5)
    auth = {"Authorization": f"Bearer {token_for(msb)}"}

    def one(_):
        return requests.get(f"{msb.graph_url}/me", headers=auth, timeout=10)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(one, range(6)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) == 4 and statuses.count(429) == 2
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["Retry-After"].isdigit()
    assert refused.json()["error"]["message"] == "Application is over its MailboxConcurrency limit."


def test_users_clock_and_outlook_changes(msb):
    base = f"{msb.base_url}/_sandbox"
    requests.post(f"{base}/users", json={"email": "dan@acme.com", "name": "Dan Roe"}, timeout=5)
    assert "dan@acme.com" in {u["email"] for u in requests.get(f"{base}/users", timeout=5).json()}
    before = requests.get(f"{base}/clock", timeout=5).json()["time"]
    after = requests.post(f"{base}/clock", json={"advance": 3600}, timeout=5).json()["time"]
    assert after - before == pytest.approx(3600)
    created = requests.post(
        f"{base}/outlook/{ANN}/create_event",
        timeout=5,
        json={
            "subject": "Made in Outlook",
            "start": {"dateTime": "2026-12-10T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-10T10:00:00", "timeZone": "UTC"},
        },
    ).json()
    event = run(msb, lambda c: c.me.events.by_event_id(created["id"]).get())
    assert event.subject == "Made in Outlook"
    assert msb.calls().get("events.create") is None  # Outlook changes are not API calls


def test_unknown_token_is_401_in_graph_shape(msb):
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.get(), token="not-a-token")
    assert err.value.response_status_code == 401
    assert err.value.error.code == "InvalidAuthenticationToken"


@pytest.mark.parametrize(("per", "refused"), [("app", 2), ("mailbox", 0)])
def test_concurrency_is_counted_per_app_unless_told_per_mailbox(msb, per, refused):
    requests.post(f"{msb.base_url}/_sandbox/throttling", json={"concurrency_per": per}, timeout=5)
    requests.post(f"{msb.base_url}/_sandbox/faults", json={"latency": 0.4}, timeout=5)
    tokens = [token_for(msb, ANN), token_for(msb, BOB)]

    def one(i):
        headers = {"Authorization": f"Bearer {tokens[i % 2]}"}
        return requests.get(f"{msb.graph_url}/me", headers=headers, timeout=10).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(one, range(6)))
    assert statuses.count(429) == refused and statuses.count(200) == 6 - refused
