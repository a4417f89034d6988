"""Linking an on-premises Exchange mailbox in a real browser (Debian's Chromium): the profile
dropdown, Select a Different Provider, the Exchange log-in form against the in-process
Exchange stand-in (seeded as the demo seeds it), a wrong password first, then the linked
account on the settings page.

Seeing the synced meetings on My Calendar waits for the Exchange sync adapter (issue 16
points 2-5); this module then grows that step."""

from __future__ import annotations

import exchangelib
import pytest
from sqlalchemy import select

from demo.exchange_seed import ANN, seed_customers
from sandbox.exchange import ExchangeSandbox
from tests.browser.shots import screenshot_dir

pytestmark = pytest.mark.browser

SHOTS = screenshot_dir()


@pytest.fixture(scope="module")
def exchange():
    sb = ExchangeSandbox()
    seed_customers(sb)
    sb.start()
    yield sb
    sb.stop()
    exchangelib.close_connections()


@pytest.fixture(scope="module")
def live_server_config(exchange) -> dict:
    return {"CRM_SYNC_EXCHANGE_ENABLED": True}


def db_do(app, fn):
    from demo.app import db

    with app.app_context():
        result = fn(db.session)
        db.session.commit()
        return result


def link_ann(page, live_server, exchange, login_as) -> None:
    login_as(page, ANN)
    page.click("#crm-sync-profile-toggle")
    page.click("#crm-sync-profile-menu .dropdown-item:text-is('Link External Calendar/Email')")
    page.wait_for_selector("#crm-sync-choose")  # acme.com names no provider: the choice
    page.click("button[data-provider='exchange']")
    page.wait_for_selector("#exchange-form")
    assert page.input_value("#email") == ANN
    assert page.is_checked("input[name='auth_type'][value='ntlm']")
    page.fill("#server", exchange.ews_url)
    page.fill("#password", "wrong-password")
    page.click("#exchange-login")
    page.wait_for_selector("#exchange-error")
    assert "did not accept the user name" in page.text_content("#exchange-error")
    assert page.input_value("#password") == ""  # never sent back
    assert page.input_value("#server") == exchange.ews_url  # the rest stays as typed
    page.fill("#password", "password")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "exchange-login.png"), full_page=True)
    page.click("#exchange-login")
    page.wait_for_url(live_server.path("/crm-sync/settings/"))


def test_link_exchange_through_the_real_pages(live_server, exchange, browser_page, login_as):
    from plugin.models import LinkedAccount

    page = browser_page
    link_ann(page, live_server, exchange, login_as)
    message = page.text_content(".alert-success")
    assert f"Exchange account {ANN} linked" in message
    assert "The first sync has started." in message
    card = page.text_content(".crm-sync-linked")
    assert "Exchange" in card and ANN in card
    assert "password" not in page.content().replace('type="password"', "")
    rows = db_do(
        live_server.app,
        lambda s: [
            (a.provider, a.external_email, a.status, a.credentials["server"])
            for a in s.scalars(select(LinkedAccount))
        ],
    )
    assert rows == [("exchange", ANN, "active", exchange.ews_url)]
    assert exchange.calls(ANN).get("GetFolder", 0) >= 1
