"""Linking an on-premises Exchange mailbox: the picker, the log-in form against the in-process
Exchange stand-in, every way the check can fail (nothing stored), and re-link."""

from __future__ import annotations

import base64
import logging
import re
import time

import exchangelib
import pytest
from exchange_fixtures import closed_port, self_signed_cert, silent_server, web_server
from sqlalchemy import func, select, text

from plugin.models import LinkedAccount
from sandbox.clock import Clock
from sandbox.exchange import ExchangeSandbox

EMAIL = "pat@corp.example"
PASSWORD = "S3cret-pw!"  # distinctive, so a leak into a page or a log is easy to spot
FORM = "/crm-sync/link/exchange"


@pytest.fixture(scope="module")
def _exchange_server():
    sb = ExchangeSandbox(clock=Clock(frozen=True))
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture
def exchange(app, _exchange_server, monkeypatch):
    """Exchange offered (corp.example detected as Exchange), the stand-in holding Pat."""
    sb = _exchange_server
    sb.reset()
    sb.add_user(EMAIL, "Pat Doe", password=PASSWORD)
    monkeypatch.setitem(app.config, "CRM_SYNC_EXCHANGE_ENABLED", True)
    monkeypatch.setitem(app.config, "CRM_SYNC_PROVIDER_DOMAINS", {"corp.example": "exchange"})
    exchangelib.close_connections()
    yield sb
    sb.reset_faults()
    exchangelib.close_connections()


@pytest.fixture
def pat(world, login):
    return login(world.user(EMAIL, "Pat Doe"))


def submit(client, sb_or_url, password=PASSWORD, **fields):
    server = sb_or_url if isinstance(sb_or_url, str) else sb_or_url.ews_url
    data = {"email": EMAIL, "server": server, "username": "", "password": password}
    data["auth_type"] = "ntlm"
    data.update(fields)
    return client.post(FORM, data=data)


def linked(db) -> list[LinkedAccount]:
    db.session.expire_all()
    return db.session.scalars(select(LinkedAccount)).all()


def test_exchange_domain_is_detected_and_continue_opens_the_form(exchange, client, pat):
    page = client.get("/crm-sync/link/").get_data(as_text=True)
    assert 'id="detected-provider">Microsoft Exchange (on-premises)<' in page
    assert "Select a Different Provider" in page
    resp = client.post("/crm-sync/link/exchange/start", data={"login_hint": EMAIL})
    assert resp.status_code == 302
    form = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f'value="{EMAIL}"' in form
    assert re.search(r'value="ntlm"[^>]*checked|checked[^>]*value="ntlm"', form)
    assert 'type="password"' in form and "Log In" in form


def test_select_a_different_provider_lists_exchange(exchange, app, client, world, login):
    login(world.user("someone@elsewhere.example"))
    resp = client.get("/crm-sync/link/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/providers")
    page = client.get("/crm-sync/link/providers").get_data(as_text=True)
    assert "Microsoft Exchange (on-premises)" in page
    assert 'action="/crm-sync/link/exchange/start"' in page


def test_exchange_is_not_offered_unless_enabled(app, client, pat, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_SYNC_PROVIDER_DOMAINS", {"corp.example": "exchange"})
    page = client.get("/crm-sync/link/providers").get_data(as_text=True)
    assert "Exchange" not in page
    assert client.get(FORM).status_code == 404


def test_configured_default_auth_type_is_preselected(exchange, app, client, pat, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_SYNC_EXCHANGE_AUTH_TYPE", "basic")
    form = client.get(FORM).get_data(as_text=True)
    assert re.search(r'value="basic"[^>]*checked|checked[^>]*value="basic"', form)


@pytest.mark.parametrize("auth_type", ["ntlm", "basic"])
def test_working_credentials_link_the_mailbox(exchange, client, db, pat, auth_type):
    resp = submit(client, exchange, auth_type=auth_type)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/crm-sync/settings/")
    [account] = linked(db)
    assert (account.provider, account.external_email, account.status) == (
        "exchange",
        EMAIL,
        "active",
    )
    assert account.credentials == {
        "server": exchange.ews_url,
        "username": EMAIL,  # the user name defaults to the email
        "password": PASSWORD,
        "auth_type": auth_type,
    }
    assert account.pending_trigger == "link"  # the first sync is asked for at once
    assert account.sync_calendar and account.sync_email  # a password grants both feeds
    assert exchange.calls(EMAIL).get("GetFolder", 0) >= 1  # the check really opened it
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"Exchange account {EMAIL} linked" in page
    assert PASSWORD not in page


def test_password_is_encrypted_at_rest(exchange, client, db, pat):
    submit(client, exchange)
    raw = db.session.execute(text("SELECT credentials FROM crm_linked_accounts")).scalar_one()
    assert PASSWORD not in raw and "auth_type" not in raw


def test_host_name_becomes_the_https_ews_url(app):
    from plugin.sync.providers.exchange.credentials import ews_url

    assert ews_url("mail.corp.example") == "https://mail.corp.example/EWS/Exchange.asmx"
    assert ews_url("https://mail.corp.example/") == "https://mail.corp.example/EWS/Exchange.asmx"
    assert ews_url("http://127.0.0.1:8766/EWS/Exchange.asmx") == (
        "http://127.0.0.1:8766/EWS/Exchange.asmx"
    )


def _fails(client, db, resp, *fragments):
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="exchange-error"' in page and "Nothing was linked." in page
    for fragment in fragments:
        assert fragment in page
    assert PASSWORD not in page
    assert f'value="{EMAIL}"' in page  # what was typed stays, except the password
    assert linked(db) == []


def test_wrong_password_is_reported_and_nothing_stored(exchange, client, db, pat):
    resp = submit(client, exchange, password="not-the-password")
    _fails(client, db, resp, "did not accept the user name", "Check the password")


def test_wrong_password_with_basic_is_reported(exchange, client, db, pat):
    resp = submit(client, exchange, password="not-the-password", auth_type="basic")
    _fails(client, db, resp, "did not accept the user name", "(BASIC)")


def test_unreachable_server_is_reported_and_nothing_stored(exchange, client, db, pat):
    url = f"http://127.0.0.1:{closed_port()}/EWS/Exchange.asmx"
    _fails(client, db, submit(client, url), "could not be reached")


def test_a_server_that_never_answers_times_out_with_the_configured_timeout(
    exchange, app, client, db, pat, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_SYNC_EXCHANGE_TIMEOUT", 1)
    with silent_server() as port:
        began = time.monotonic()
        resp = submit(client, f"http://127.0.0.1:{port}/EWS/Exchange.asmx")
        took = time.monotonic() - began
    _fails(client, db, resp, "did not answer within 1 seconds")
    assert took < 10  # exchangelib's default is 120 s per request


def test_untrusted_certificate_is_a_tls_failure(exchange, client, db, pat, tmp_path):
    with web_server(tls=self_signed_cert(tmp_path)) as base:
        resp = submit(client, base + "/EWS/Exchange.asmx")
    _fails(client, db, resp, "secure (TLS) connection", "CRM_SYNC_EXCHANGE_CA_BUNDLE")


def test_https_to_a_plain_http_server_is_a_tls_failure(exchange, client, db, pat):
    resp = submit(client, exchange.ews_url.replace("http://", "https://"))
    _fails(client, db, resp, "secure (TLS) connection")


def test_configured_ca_bundle_is_trusted(exchange, app, client, db, pat, tmp_path, monkeypatch):
    """With the bundle the TLS handshake passes; that server then is not EWS."""
    cert = self_signed_cert(tmp_path)
    monkeypatch.setitem(app.config, "CRM_SYNC_EXCHANGE_CA_BUNDLE", cert[0])
    with web_server(tls=cert) as base:
        resp = submit(client, base + "/EWS/Exchange.asmx")
    _fails(client, db, resp, "does not answer as Exchange Web Services")


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_verification_can_be_switched_off(
    exchange, app, client, db, pat, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_SYNC_EXCHANGE_VERIFY_TLS", False)
    with web_server(tls=self_signed_cert(tmp_path)) as base:
        resp = submit(client, base + "/EWS/Exchange.asmx")
    _fails(client, db, resp, "does not answer as Exchange Web Services")


@pytest.mark.parametrize("path", ["/EWS/Exchange.asmx", "/owa/"])
def test_a_url_that_is_not_ews_is_reported(exchange, client, db, pat, path):
    with web_server() as base:
        resp = submit(client, base + path)
    _fails(client, db, resp, "does not answer as Exchange Web Services")


def test_a_page_of_the_exchange_server_that_is_not_ews_is_reported(exchange, client, db, pat):
    _fails(client, db, submit(client, exchange.base_url + "/owa/"), "does not answer as Exchange")


def test_another_users_mailbox_is_refused(exchange, client, db, pat):
    exchange.add_user("boss@corp.example", "Boss")
    resp = submit(client, exchange, email="boss@corp.example", username=EMAIL)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "may not open the mailbox boss@corp.example" in page
    assert linked(db) == []


def test_server_that_is_not_a_name_or_url_is_reported(exchange, client, db, pat):
    _fails(client, db, submit(client, "ftp://mail.corp.example"), "is not a server name")


def test_missing_fields_are_errors_not_checks(exchange, client, db, pat):
    resp = client.post(FORM, data={"email": "not-an-email", "server": "", "password": ""})
    assert resp.status_code == 422
    assert exchange.calls() == {}  # no request reached the server
    assert linked(db) == []


def test_password_never_reaches_the_logs(exchange, client, db, pat, caplog):
    caplog.set_level(logging.DEBUG)
    submit(client, exchange, password="not-the-password", auth_type="basic")
    submit(client, exchange, auth_type="basic")
    submit(client, exchange)
    assert len(linked(db)) == 1
    basic = base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
    assert "POST'ing" in caplog.text  # exchangelib's request log was captured
    assert PASSWORD not in caplog.text and basic not in caplog.text


def test_form_needs_its_csrf_token(exchange, app, client, db, pat, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    resp = submit(client, exchange)
    assert resp.status_code == 400
    assert linked(db) == [] and exchange.calls() == {}
    page = client.get(FORM).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = submit(client, exchange, csrf_token=token)
    assert resp.status_code == 302 and len(linked(db)) == 1


def _needs_relink(world, pat, exchange, auth_type="basic"):
    account = world.linked(pat, provider="exchange", status="needs_relink")
    account.credentials = {
        "server": exchange.ews_url,
        "username": "CORP\\pat",
        "password": "old-password",
        "auth_type": auth_type,
    }
    world.db.session.commit()
    return account


def test_relink_opens_the_form_filled_in_except_the_password(exchange, client, world, pat):
    account = _needs_relink(world, pat, exchange)
    settings = client.get("/crm-sync/settings/").get_data(as_text=True)
    assert "Needs re-link" in settings
    action = re.search(
        r'<form method="post" action="([^"]+)"[^>]*>[^<]*(?:<input[^>]*>\s*)*?'
        r'<input[^>]*name="login_hint"[^>]*value="([^"]+)"',
        settings,
    )
    assert action.group(1) == "/crm-sync/link/exchange/start" and action.group(2) == EMAIL
    resp = client.post(action.group(1), data={"login_hint": EMAIL})
    form = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f'value="{exchange.ews_url}"' in form
    assert 'value="CORP\\pat"' in form
    assert re.search(r'value="basic"[^>]*checked|checked[^>]*value="basic"', form)
    assert "old-password" not in form
    assert account.status == "needs_relink"


def test_relink_with_the_new_password_reactivates_the_same_account(
    exchange, client, db, world, pat
):
    account = _needs_relink(world, pat, exchange)
    resp = submit(client, exchange, username=EMAIL, auth_type="basic")
    assert resp.status_code == 302
    assert "re-linked" in client.get(resp.headers["Location"]).get_data(as_text=True)
    [again] = linked(db)
    assert again.id == account.id and again.status == "active"
    assert again.credentials["password"] == PASSWORD


def test_failed_relink_keeps_the_old_credentials(exchange, client, db, world, pat):
    account = _needs_relink(world, pat, exchange)
    submit(client, exchange, password="still-wrong", auth_type="basic")
    [same] = linked(db)
    assert same.id == account.id and same.status == "needs_relink"
    assert same.credentials["password"] == "old-password"


def test_mailbox_linked_by_another_user_is_refused(exchange, client, db, world, pat):
    other = world.user("other@crm.example")
    world.linked(other, EMAIL, provider="exchange")
    resp = submit(client, exchange)
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "already linked by another CRM user" in page
    assert db.session.scalar(select(func.count(LinkedAccount.id))) == 1
