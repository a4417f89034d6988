"""`python -m sandbox.microsoft --seed-demo` serves a mailbox the plugin can sync as it is:
the demo's Microsoft 365 stand-in, started as scripts/demo.sh starts it, with the token the
link flow would store (from the control plane: the Microsoft link screens are issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests
from sqlalchemy import select
from sync_helpers import MS_CLIENT, MS_SCOPES, MS_SECRET, point_at_microsoft

from plugin.models import CalendarEvent, Email, LinkedAccount, User, UserEmail
from plugin.settings import get_settings
from plugin.sync.engine import sync_account

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
ANN = "ann@acme.com"


def test_the_cli_demo_mailbox_syncs_through_the_plugin(app, db, monkeypatch):
    cmd = [
        sys.executable,
        "-m",
        "sandbox.microsoft",
        "--port",
        "0",
        "--seed-demo",
        "--client-id",
        MS_CLIENT,
        "--client-secret",
        MS_SECRET,
        "--redirect-uri",
        "http://localhost/cb",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "listening" in line, line
        base = line.rsplit(" ", 1)[-1].strip()
        assert base.startswith("http://127.0.0.1:")
        for key, value in point_at_microsoft(base).items():
            monkeypatch.setitem(app.config, key, value)
        settings = get_settings()
        settings.sync_scope = "everything"
        token = requests.post(
            f"{base}/_sandbox/tokens",
            json={"email": ANN, "scopes": MS_SCOPES, "client_id": MS_CLIENT},
            timeout=5,
        ).json()
        token["expires_at"] = int(time.time()) + int(token["expires_in"])
        user = User(name="Ann Lee", emails=[UserEmail(email=ANN, is_primary=True)])
        account = LinkedAccount(
            user=user, provider="microsoft", external_email=ANN, credentials=token
        )
        db.session.add_all([user, account])
        db.session.commit()

        run = sync_account(account.id)
        assert run.status == "ok", run.error
        titles = list(db.session.scalars(select(CalendarEvent.title)))
        assert "Renewal call with Globex" in titles
        assert "Weekly check-in with Initech" in titles
        assert list(db.session.scalars(select(Email.subject))) == ["Contract renewal"]
        again = sync_account(account.id)
        assert again.status == "ok" and not again.full_sync and again.fetched == 0
    finally:
        proc.terminate()
        proc.wait(10)
