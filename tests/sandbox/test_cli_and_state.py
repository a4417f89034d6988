"""``python -m sandbox.google`` and the state file survive a restart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from sandbox.google import GoogleSandbox

ROOT = Path(__file__).resolve().parents[2]


def start(state_file: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.google",
            "--port",
            "0",
            "--state-file",
            str(state_file),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("Google sandbox listening on "), line
    return proc, line.rsplit(" ", 1)[1]


def test_cli_seeds_demo_and_persists(tmp_path):
    state = tmp_path / "google.pkl"
    proc, base = start(
        state,
        "--seed-demo",
        "--client-id",
        "cid",
        "--client-secret",
        "sec",
        "--redirect-uri",
        "http://localhost:5000/cb",
    )
    try:
        users = requests.get(f"{base}/_sandbox/users", timeout=5).json()
        assert {u["email"] for u in users} == {"ann@acme.com", "bob@acme.com"}
        tok = requests.post(
            f"{base}/_sandbox/tokens", json={"email": "ann@acme.com"}, timeout=5
        ).json()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    proc, base = start(state)
    try:
        listed = requests.get(
            f"{base}/calendar/v3/calendars/primary/events",
            timeout=5,
            headers={"Authorization": f"Bearer {tok['access_token']}"},
        )
        assert listed.status_code == 200
        assert {e["summary"] for e in listed.json()["items"]} >= {"Trade fair"}
        page = requests.get(
            f"{base}/o/oauth2/v2/auth",
            timeout=5,
            params={
                "client_id": "cid",
                "redirect_uri": "http://localhost:5000/cb",
                "response_type": "code",
                "scope": "openid email",
            },
        )
        assert page.status_code == 200 and 'id="allow"' in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_state_file_round_trip_in_process(tmp_path):
    path = str(tmp_path / "s.pkl")
    sb = GoogleSandbox(state_file=path)
    sb.add_user("ann@acme.com")
    sb.gmail.add_message(
        "ann@acme.com", from_="x@y.com", to="ann@acme.com", subject="s", body_text="b"
    )
    sb.save()
    again = GoogleSandbox(state_file=path)
    assert again.gmail.history_id("ann@acme.com") == sb.gmail.history_id("ann@acme.com")
    assert again.signing_key.kid == sb.signing_key.kid
