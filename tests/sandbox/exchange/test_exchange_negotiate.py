"""NTLM under the Negotiate scheme, SPNEGO-wrapped, and bound to its TCP connection, as IIS
runs Windows authentication for EWS.

These tests speak HTTP through http.client with pyspnego as the client: exchangelib's NTLM
(requests_ntlm) always picks the NTLM scheme when the server offers it, so it cannot open
with Negotiate nor split a handshake over two connections. exchangelib's own NTLM is
covered in test_exchange_server.py."""

from __future__ import annotations

import base64
import http.client

import spnego
from exchange_helpers import ANN, SOAP

BODY = SOAP.format(
    version="Exchange2016",
    body=(
        "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
        '<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
    ),
).encode()


def _conn(sb) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", int(sb.base_url.rsplit(":", 1)[1]), timeout=10)


def _post(conn, authorization: str | None = None):
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if authorization:
        headers["Authorization"] = authorization
    conn.request("POST", "/EWS/Exchange.asmx", BODY, headers)
    resp = conn.getresponse()
    return resp, resp.read()


def _token(resp, scheme: str) -> bytes:
    """The token of the WWW-Authenticate header of ``scheme`` (RFC 4559 form)."""
    for value in resp.headers.get_all("WWW-Authenticate") or []:
        name, _, token = value.partition(" ")
        if name == scheme and token:
            return base64.b64decode(token)
    raise AssertionError(f"no {scheme} token in {resp.headers.get_all('WWW-Authenticate')}")


def _client(protocol: str, password: str = "password"):
    return spnego.client(ANN, password, hostname="127.0.0.1", service="HTTP", protocol=protocol)


def _header(scheme: str, token: bytes) -> str:
    return f"{scheme} " + base64.b64encode(token).decode()


def test_spnego_under_negotiate_is_answered_under_negotiate(xsb):
    client = _client("negotiate")  # no Kerberos here: SPNEGO carries NTLM
    conn = _conn(xsb)
    first, _ = _post(conn, _header("Negotiate", client.step()))
    assert first.status == 401
    challenge = _token(first, "Negotiate")
    assert not any(v.startswith("NTLM ") for v in first.headers.get_all("WWW-Authenticate"))
    second, body = _post(conn, _header("Negotiate", client.step(challenge)))
    assert second.status == 200 and b"GetFolderResponseMessage" in body
    # SPNEGO's last token (accept-completed, with its mechListMIC) comes with the 200.
    client.step(_token(second, "Negotiate"))
    assert client.complete
    third, _ = _post(conn)  # the connection stays authenticated
    assert third.status == 200
    assert xsb.calls() == {"GetFolder": 2}


def test_raw_ntlm_under_negotiate_gets_its_challenge_under_negotiate(xsb):
    client = _client("ntlm")
    conn = _conn(xsb)
    first, _ = _post(conn, _header("Negotiate", client.step()))
    assert first.status == 401
    challenge = _token(first, "Negotiate")
    assert challenge.startswith(b"NTLMSSP\x00\x02")
    second, _ = _post(conn, _header("Negotiate", client.step(challenge)))
    assert second.status == 200


def test_a_wrong_password_under_negotiate_is_refused(xsb):
    client = _client("negotiate", password="wrong")
    conn = _conn(xsb)
    first, _ = _post(conn, _header("Negotiate", client.step()))
    second, _ = _post(conn, _header("Negotiate", client.step(_token(first, "Negotiate"))))
    assert second.status == 401
    assert xsb.calls() == {}


def test_the_handshake_is_bound_to_its_connection(xsb):
    client = _client("ntlm")
    a, b = _conn(xsb), _conn(xsb)
    first, _ = _post(a, _header("NTLM", client.step()))
    authenticate = _header("NTLM", client.step(_token(first, "NTLM")))
    # The last leg sent on another connection finds no handshake there.
    refused, _ = _post(b, authenticate)
    assert refused.status == 401
    assert refused.headers.get("Connection", "").lower() != "close"
    assert xsb.calls() == {}


def test_a_token_from_an_authenticated_connection_is_refused_on_another(xsb):
    client = _client("ntlm")
    a, b = _conn(xsb), _conn(xsb)
    first, _ = _post(a, _header("NTLM", client.step()))
    authenticate = _header("NTLM", client.step(_token(first, "NTLM")))
    ok, _ = _post(a, authenticate)
    assert ok.status == 200
    replayed, _ = _post(b, authenticate)
    assert replayed.status == 401
    bare, _ = _post(b)  # and connection B is not authenticated by A's handshake
    assert bare.status == 401
    again, _ = _post(a)
    assert again.status == 200
    assert xsb.calls() == {"GetFolder": 2}
