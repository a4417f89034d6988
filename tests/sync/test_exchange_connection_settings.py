"""CRM_SYNC_EXCHANGE_TIMEOUT, _VERIFY_TLS and _CA_BUNDLE apply to the sync's EWS client as
to the link check: a server that never answers fails after the configured timeout, and a
company CA bundle gets past an otherwise untrusted certificate."""

from __future__ import annotations

import time

import exchangelib
import pytest

from plugin.config import DEFAULTS
from plugin.sync.errors import SyncError
from plugin.sync.providers.exchange import exchange_config
from plugin.sync.providers.exchange.client import EwsClient
from tests.web.exchange_fixtures import self_signed_cert, silent_server, web_server

SETTINGS = {"username": "pat@corp.example", "password": "pw", "auth_type": "ntlm"}


def client(server: str, **config) -> EwsClient:
    merged = {**DEFAULTS, "CRM_SYNC_RETRY_ATTEMPTS": 1, **config}
    return EwsClient(exchange_config(merged), {**SETTINGS, "server": server}, SETTINGS["username"])


def open_calendar(c: EwsClient) -> BaseException:
    with pytest.raises(SyncError) as excinfo:
        c.call(lambda: c.account.calendar)
    c.close()
    exchangelib.close_connections()
    return excinfo.value.__cause__


def test_a_server_that_never_answers_fails_after_the_configured_timeout():
    with silent_server() as port:
        began = time.monotonic()
        open_calendar(
            client(f"http://127.0.0.1:{port}/EWS/Exchange.asmx", CRM_SYNC_EXCHANGE_TIMEOUT=1)
        )
        assert time.monotonic() - began < 10  # exchangelib's own default is 120 s


def test_an_untrusted_certificate_fails_unless_its_ca_bundle_is_configured(tmp_path):
    cert = self_signed_cert(tmp_path)
    with web_server(tls=cert) as base:
        url = base + "/EWS/Exchange.asmx"
        refused = open_calendar(client(url))
        reached = open_calendar(client(url, CRM_SYNC_EXCHANGE_CA_BUNDLE=cert[0]))
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused)
    assert "404" in str(reached) and "CERTIFICATE_VERIFY_FAILED" not in str(reached)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_verification_switched_off_reaches_the_server(tmp_path):
    with web_server(tls=self_signed_cert(tmp_path)) as base:
        reached = open_calendar(
            client(base + "/EWS/Exchange.asmx", CRM_SYNC_EXCHANGE_VERIFY_TLS=False)
        )
    assert "404" in str(reached)
