"""Slice 1: the server, authentication, versions and folders, as exchangelib meets them."""

from __future__ import annotations

import base64
import http.client
import os
import subprocess
import sys
import time

import exchangelib
import pytest
import requests
from exchange_helpers import ANN, BOB, account
from exchangelib.errors import (
    ErrorAccessDenied,
    ErrorInvalidOperation,
    UnauthorizedError,
)
from exchangelib.folders import Calendar, Inbox, SentItems

from sandbox.exchange import ExchangeSandbox

SOAP = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"'
    ' xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    '<s:Header><t:RequestServerVersion Version="{version}"/></s:Header>'
    "<s:Body>{body}</s:Body></s:Envelope>"
)
GET_INBOX = (
    "<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>"
    '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
)


def _basic(email=ANN, password="password"):
    return "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_exchangelib_opens_the_mailbox_with_either_auth_type(xsb, auth):
    acc = account(xsb, auth=auth)
    assert acc.version.build.major_version == 15
    assert acc.version.api_version == "Exchange2016"
    assert isinstance(acc.calendar, Calendar)
    assert isinstance(acc.inbox, Inbox)
    assert isinstance(acc.sent, SentItems)
    assert acc.calendar.name == "Calendar"
    assert acc.msg_folder_root.name == "Top of Information Store"
    # Every call answered counts once, whatever the NTLM handshake cost in 401 legs: a new
    # connection (a new handshake) for one GetFolder counts one GetFolder.
    exchangelib.close_connections()
    xsb.reset_calls()
    acc.calendar.refresh()
    assert xsb.calls() == {"GetFolder": 1}


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_wrong_password_is_unauthorized(xsb, auth):
    with pytest.raises(UnauthorizedError):
        account(xsb, password="wrong", auth=auth).calendar  # noqa: B018
    assert xsb.calls() == {}


def test_each_auth_type_can_be_switched_off(xsb):
    xsb.auth.basic = False
    with pytest.raises(UnauthorizedError):
        account(xsb, auth="basic").calendar  # noqa: B018
    assert account(xsb, BOB, auth="ntlm").calendar.name == "Calendar"
    xsb.auth.basic, xsb.auth.ntlm = True, False
    import exchangelib

    exchangelib.close_connections()
    with pytest.raises(UnauthorizedError):
        account(xsb, auth="ntlm").calendar  # noqa: B018
    exchangelib.close_connections()  # its protocol cache would reuse the NTLM session
    assert account(xsb, auth="basic").inbox.name == "Inbox"


def test_a_401_keeps_the_connection_open(xsb):
    conn = http.client.HTTPConnection("127.0.0.1", int(xsb.base_url.rsplit(":", 1)[1]))
    body = SOAP.format(version="Exchange2016", body=GET_INBOX).encode()
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    conn.request("POST", "/EWS/Exchange.asmx", body, headers)
    first = conn.getresponse()
    first.read()
    assert first.status == 401
    assert "NTLM" in first.headers.get_all("WWW-Authenticate")
    assert first.headers.get("Connection", "").lower() != "close"
    sock = conn.sock
    conn.request("POST", "/EWS/Exchange.asmx", body, {**headers, "Authorization": _basic()})
    second = conn.getresponse()
    assert second.status == 200 and b"GetFolderResponseMessage" in second.read()
    assert conn.sock is sock  # same TCP connection


def test_unserved_request_server_version_is_refused(xsb):
    r = requests.post(
        xsb.ews_url,
        data=SOAP.format(version="Exchange2019", body=GET_INBOX),
        headers={"Authorization": _basic(), "Content-Type": "text/xml"},
    )
    assert r.status_code == 500
    assert b"ErrorInvalidServerVersion" in r.content and b"Fault" in r.content


def test_unserved_operation_is_a_fault_naming_it_not_invalid_request(xsb):
    acc = account(xsb)
    acc.calendar  # noqa: B018
    with pytest.raises(ErrorInvalidOperation, match="GetRoomLists"):
        list(acc.protocol.get_roomlists())
    assert "GetRoomLists" not in xsb.calls()


def test_find_folder_and_sync_folder_hierarchy(xsb):
    acc = account(xsb)
    names = {f.name for f in acc.root.walk()}
    assert {"Calendar", "Inbox", "Sent Items", "Top of Information Store"} <= names
    assert xsb.calls().get("FindFolder", 0) >= 1
    created = [f.name for change, f in acc.msg_folder_root.sync_hierarchy() if change == "create"]
    assert "Calendar" in created and "Inbox" in created
    state = acc.msg_folder_root.folder_sync_state
    assert list(acc.msg_folder_root.sync_hierarchy(sync_state=state)) == []
    assert xsb.calls()["SyncFolderHierarchy"] == 2


def test_another_users_mailbox_is_refused(xsb):
    acc = account(xsb, ANN, mailbox=BOB)
    with pytest.raises(ErrorAccessDenied):
        acc.calendar.refresh()


def test_in_process_start_is_fast():
    start = time.perf_counter()
    sb = ExchangeSandbox()
    sb.add_user(ANN)
    sb.start()
    try:
        assert time.perf_counter() - start < 0.5
        assert account(sb).inbox.name == "Inbox"
    finally:
        sb.stop()


def test_command_line_serves_a_mailbox_exchangelib_opens(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    state = tmp_path / "ex.pkl"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.exchange",
            "--port",
            str(port),
            "--user",
            "ann@acme.com",
            "--user",
            "carl@acme.com:s3cret",
            "--state-file",
            str(state),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert "listening" in line and f"127.0.0.1:{port}" in line

        class _Sb:
            ews_url = f"http://127.0.0.1:{port}/EWS/Exchange.asmx"

        for auth in ("ntlm", "basic"):
            import exchangelib

            exchangelib.close_connections()
            assert account(_Sb, auth=auth).calendar.name == "Calendar"
        assert account(_Sb, "carl@acme.com", "s3cret").inbox.name == "Inbox"
    finally:
        proc.terminate()
        proc.wait(10)
    assert state.exists()
