"""The CLI with --state-file: what a client holds (deltaLinks, a refresh token) keeps
working after the stand-in restarts, even after a crash (SIGKILL, no exit save).

Real Graph keeps delta state server-side for as long as the token is valid (the
calendarView delta page: "the deltaLink ... can be used in the next round", and
https://learn.microsoft.com/graph/delta-query-overview: tokens stay valid until they expire
or the cache is evicted); a refresh token stays valid for 90 days of inactivity
(https://learn.microsoft.com/entra/identity-platform/refresh-tokens). A restart of the
stand-in is not an event the real service has, so it must not end either.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from authlib.integrations.requests_client import OAuth2Session
from microsoft_helpers import ANN, CLIENT, REDIRECT, SECRET, graph_client, sign_in

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
SCOPE = "openid offline_access User.Read Calendars.ReadWrite Mail.ReadWrite"
VERIFIER = "r" * 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cli(port: int, state: str) -> tuple[subprocess.Popen, str]:
    cmd = [
        sys.executable,
        "-m",
        "sandbox.microsoft",
        "--port",
        str(port),
        "--state-file",
        state,
        "--client-id",
        CLIENT,
        "--client-secret",
        SECRET,
        "--redirect-uri",
        REDIRECT,
        "--seed-demo",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert "listening" in line, line
    return proc, line.rsplit(" ", 1)[-1].strip()


class At:
    """Just what microsoft_helpers.graph_client needs from a sandbox: its Graph URL."""

    def __init__(self, base: str):
        self.graph_url = f"{base}/v1.0"


def delta_round(base: str, token: str, link: str | None = None) -> tuple[list, str]:
    import asyncio

    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.users.item.calendar_view.delta.delta_request_builder import (
        DeltaRequestBuilder,
    )

    async def go():
        delta = graph_client(At(base), token).me.calendar_view.delta
        if link is None:
            q = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
                start_date_time="2000-01-01T00:00:00Z", end_date_time="2100-01-01T00:00:00Z"
            )
            page = await delta.get(RequestConfiguration(query_parameters=q))
        else:
            page = await delta.with_url(link).get()
        items = list(page.value)
        while page.odata_next_link:
            page = await delta.with_url(page.odata_next_link).get()
            items.extend(page.value)
        return items, page.odata_delta_link

    return asyncio.run(go())


def inbox_round(base: str, token: str, link: str | None = None) -> tuple[list, str]:
    import asyncio

    async def go():
        delta = (
            graph_client(At(base), token).me.mail_folders.by_mail_folder_id("inbox").messages.delta
        )
        page = await (delta.with_url(link) if link else delta).get()
        items = list(page.value)
        while page.odata_next_link:
            page = await delta.with_url(page.odata_next_link).get()
            items.extend(page.value)
        return items, page.odata_delta_link

    return asyncio.run(go())


def test_a_delta_link_and_a_refresh_token_survive_a_crash(tmp_path):
    port, state = free_port(), str(tmp_path / "ms.pkl")
    proc, base = start_cli(port, state)
    try:
        oauth = OAuth2Session(
            CLIENT, SECRET, scope=SCOPE, redirect_uri=REDIRECT, code_challenge_method="S256"
        )
        url, _ = oauth.create_authorization_url(
            f"{base}/common/oauth2/v2.0/authorize", code_verifier=VERIFIER
        )
        back = sign_in(url, ANN)
        assert back.status_code == 302, back.text
        token = oauth.fetch_token(
            f"{base}/common/oauth2/v2.0/token",
            authorization_response=back.headers["Location"],
            code_verifier=VERIFIER,
        )
        items, link = delta_round(base, token["access_token"])
        assert items and link.startswith(base)
        mail, mail_link = inbox_round(base, token["access_token"])
        assert mail and mail_link.startswith(base)
    finally:
        proc.send_signal(signal.SIGKILL)  # a crash: no save at exit
        proc.wait(10)
    proc, again = start_cli(port, state)
    try:
        assert again == base
        fresh = oauth.refresh_token(
            f"{base}/common/oauth2/v2.0/token", refresh_token=token["refresh_token"]
        )
        items, next_link = delta_round(base, fresh["access_token"], link)
        assert items == [] and next_link.startswith(base)
        mail, _ = inbox_round(base, fresh["access_token"], mail_link)
        assert mail == []
    finally:
        proc.terminate()
        proc.wait(10)
