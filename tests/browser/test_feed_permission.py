"""A missing grant scope in a real browser: Sam links Google with Gmail unticked, ticks Email
later, sees "Email: needs permission" while his calendar keeps syncing, and re-links for the
Gmail permission alone. Its own sandbox and live server, so it runs alone or beside others.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from sandbox.google import GoogleSandbox
from tests.browser.test_link_flow import SAM_GOOGLE, consent, db_do, open_menu, seed_google

pytestmark = pytest.mark.browser

GMAIL = "https://www.googleapis.com/auth/gmail.readonly"


@pytest.fixture(scope="module")
def sandbox():
    sb = GoogleSandbox()
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def live_server_config(sandbox) -> dict:
    return {
        "CRM_SYNC_GOOGLE_BASE_URL": sandbox.base_url,
        "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-live",
        "CRM_SYNC_GOOGLE_CLIENT_SECRET": "crm-live-secret",
        "CRM_SYNC_RUN_SCHEDULER": True,
        "CRM_SYNC_DISPATCH_SECONDS": 1,
    }


@pytest.fixture(scope="module")
def live(live_server, sandbox):
    base = live_server.url
    sandbox.add_client(
        "crm-live", "crm-live-secret", [f"{base}/crm-sync/link/google/callback"], name="CRM Sync"
    )
    sandbox.add_user(SAM_GOOGLE, name="Sam Seller", password="pw")
    seed_google(sandbox)
    return base, live_server.app


def _until(app, query, wanted, timeout: float = 30.0):
    """Poll the database until `query(session)` gives `wanted`."""
    deadline = datetime.now() + timedelta(seconds=timeout)
    while datetime.now() < deadline:
        got = db_do(app, query)
        if got == wanted:
            return
        threading.Event().wait(0.3)
    raise AssertionError(f"still {got!r}, not {wanted!r}")


def _count(model):
    return lambda s: s.scalar(select(func.count()).select_from(model))


def test_missing_gmail_scope_stops_only_email_and_a_relink_asks_for_it_alone(
    live, browser_page, login_as
):
    from plugin.models import CalendarEvent, Email, LinkedAccount

    page = browser_page
    base, app = live
    login_as(page, "sam@crm.example")
    open_menu(page, "Link External Calendar/Email")
    page.click("#continue")
    page.wait_for_selector("#password")
    page.uncheck(f"input[name=granted_scope][value='{GMAIL}']")
    consent(page)
    page.wait_for_url(f"{base}/crm-sync/settings/")
    message = page.text_content(".alert-success")
    assert "linked: Calendar only — Email was not granted." in message
    _until(app, _count(CalendarEvent), 1)  # the first sync brought the calendar

    # Sam ticks Email: the card asks for that permission; the account stays Active.
    page.check("input[name$='-sync_email']")
    page.click(".crm-sync-linked form:has(input[name$='-sync_email']) button[type=submit]")
    page.wait_for_selector(".crm-sync-permission[data-feed='mail']")
    card = page.locator(".crm-sync-linked")
    assert "Email: needs permission" in card.text_content()
    assert card.locator("[data-field=status_text]").text_content() == "Active"
    assert "Needs re-link" not in card.text_content()

    # A sync now runs the calendar and skips the mail feed; nothing turns to "Needs re-link".
    page.click("button:text-is('Sync now')")
    _until(app, lambda s: s.scalar(select(LinkedAccount.status)), "active")
    _until(app, lambda s: s.scalar(select(LinkedAccount.lease_owner)), None)
    assert db_do(app, _count(Email)) == 0

    # Re-link for Email: Google's consent lists the Gmail permission alone.
    page.reload()
    page.click(".relink-feed")
    page.wait_for_selector("#password")
    offered = page.locator("input[name=granted_scope]").evaluate_all(
        "boxes => boxes.map(b => b.value)"
    )
    assert GMAIL in offered
    assert not any(s.endswith("/auth/calendar") for s in offered)
    assert page.input_value("#email") == SAM_GOOGLE
    consent(page)
    page.wait_for_url(f"{base}/crm-sync/settings/")
    assert "re-linked: Calendar and Email." in page.text_content(".alert-success")
    assert page.locator(".crm-sync-permission").count() == 0
    _until(app, _count(Email), 1)  # the email syncs now
    assert db_do(app, _count(CalendarEvent)) == 1
