"""Linking an on-premises Exchange mailbox in a real browser (Debian's Chromium): the profile
dropdown, Select a Different Provider, the Exchange log-in form against the in-process
Exchange stand-in (seeded as the demo seeds it), a wrong password first, then the linked
account on the settings page; the in-process scheduler's first sync puts the customer meeting
and email on My Calendar and on the Account Calendar, and an appointment booked on My
Calendar reaches the Exchange mailbox."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import exchangelib
import pytest
from sqlalchemy import select

from demo.exchange_seed import ANN, SUBJECT_MEETING, seed_customers
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
    return {
        "CRM_SYNC_EXCHANGE_ENABLED": True,
        "CRM_SYNC_RUN_SCHEDULER": True,
        "CRM_SYNC_DISPATCH_SECONDS": 1,
    }


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


def _wait_for(predicate, what: str, timeout: float = 40.0):
    deadline = datetime.now() + timedelta(seconds=timeout)
    while datetime.now() < deadline:
        found = predicate()
        if found:
            return found
        threading.Event().wait(0.3)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def _first_sync_done(app) -> bool:
    from plugin.models import LinkedAccount

    state = db_do(
        app,
        lambda s: s.execute(
            select(LinkedAccount.initial_sync_done, LinkedAccount.lease_owner, LinkedAccount.status)
        ).first(),
    )
    assert state is None or state[2] == "active", state
    return state is not None and state[0] and state[1] is None


def calendar_items(page, loaded: str = ".fc-event") -> set[str]:
    """Every title on the calendar shown, the month grid's folded "Events" days opened."""
    page.wait_for_selector(".fc-daygrid-body, .fc-timegrid-body")
    page.wait_for_selector(loaded)
    titles = set(page.locator(".fc-event-title").all_text_contents())
    for i in range(page.locator(".crm-sync-day-events").count()):
        page.locator(".crm-sync-day-events").nth(i).dblclick()
        page.wait_for_selector(".crm-sync-day-item")
        titles |= set(page.locator(".crm-sync-day-item").all_text_contents())
        page.click("#crm-sync-day-modal .btn-close")
        page.wait_for_selector("#crm-sync-day-modal", state="hidden")
    return {t.strip() for t in titles}


def _seen(page, *wanted: str) -> set[str]:
    """This month and the next (the seeded meeting is two days ahead)."""
    seen = calendar_items(page)
    if not all(any(w in t for t in seen) for w in wanted):
        title = page.text_content(".fc-toolbar-title")
        page.click(".fc-next-button")
        page.wait_for_function(
            "t => document.querySelector('.fc-toolbar-title').textContent !== t", arg=title
        )
        page.wait_for_timeout(1000)  # the next month's feed
        seen |= calendar_items(page, loaded=".fc-toolbar-title")
    return seen


def test_first_sync_shows_exchange_meeting_and_mail_and_a_booking_reaches_exchange(
    live_server, exchange, browser_page, login_as
):
    from plugin.models import LinkedAccount

    page = browser_page
    app = live_server.app
    if db_do(app, lambda s: s.scalar(select(LinkedAccount.id))) is None:
        link_ann(page, live_server, exchange, login_as)
    else:
        login_as(page, ANN)
    _wait_for(lambda: _first_sync_done(app), "the first Exchange sync")

    page.goto(live_server.path("/crm-sync/calendar/"))
    seen = _seen(page, SUBJECT_MEETING, "Globex expansion")
    assert any(SUBJECT_MEETING in t for t in seen), seen
    assert any("Globex expansion" in t for t in seen), seen  # the mail thread
    assert any("Initech" in t for t in seen), seen  # the weekly series

    page.click("#crm-sync-profile-toggle")
    page.click("#crm-sync-profile-menu .dropdown-item:text-is('Accounts')")
    page.click("#crm-sync-accounts-list tr:has-text('Globex') a")
    page.wait_for_selector("#account-meeting-interactions")
    meetings = page.text_content("#account-meeting-interactions")
    assert "Exchange" in meetings and "hank@globex.com" in meetings
    seen = _seen(page, SUBJECT_MEETING)
    assert any(SUBJECT_MEETING in t for t in seen), seen

    page.goto(live_server.path("/crm-sync/calendar/"))
    page.click("#new-appointment")
    page.wait_for_selector("#appointment-form")
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    page.fill("#title", "Booked in the CRM for Exchange")
    page.fill("#day", day.isoformat())
    page.fill("#start", "11:00")
    page.fill("#end", "11:30")
    guest = "tess@hooli.com"  # a demo contact, found by typing part of her name
    page.click("#attendees-ts-control")
    page.fill("#attendees-ts-control", "Tess")
    page.locator(".ts-dropdown .option", has_text=guest).click()
    page.click("#appointment-save")
    page.wait_for_selector("#appointment-detail")

    def pushed():
        return [
            i
            for i in exchange.outlook.items(ANN, "calendar")
            if i["subject"] == "Booked in the CRM for Exchange"
        ]

    [remote] = _wait_for(pushed, "the push to Exchange")
    assert remote["start"].startswith(day.isoformat())
