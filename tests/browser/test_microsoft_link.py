"""Linking a Microsoft 365 mailbox in a real browser (Debian's Chromium): the profile dropdown,
Microsoft 365 detected from the email domain, Continue to the in-process identity platform
stand-in's sign-in page (seeded as the demo seeds it), a wrong password first, then Accept;
back on the settings page the mailbox is linked, the in-process scheduler's first sync puts
the customer meeting and email on My Calendar, and an appointment booked on My Calendar
reaches the mailbox, as Graph itself lists it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from sandbox.microsoft import MicrosoftSandbox
from sandbox.microsoft.demo_seed import seed_demo
from tests.browser.shots import screenshot_dir

pytestmark = pytest.mark.browser

SHOTS = screenshot_dir()
ANN = "ann@acme.com"
CLIENT, SECRET = "crm-browser", "browser-secret"
MEETING, SERIES, MAIL = (
    "Renewal call with Globex",
    "Weekly check-in with Initech",
    "Contract renewal",
)
BOOKED = "Booked in the CRM for Microsoft 365"


@pytest.fixture(scope="module")
def microsoft():
    sb = MicrosoftSandbox()
    seed_demo(sb)
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def live_server_config(microsoft) -> dict:
    return {
        "CRM_SYNC_MICROSOFT_CLIENT_ID": CLIENT,
        "CRM_SYNC_MICROSOFT_CLIENT_SECRET": SECRET,
        "CRM_SYNC_MICROSOFT_LOGIN_URL": microsoft.base_url,
        "CRM_SYNC_MICROSOFT_GRAPH_URL": microsoft.graph_url,
        "CRM_SYNC_PROVIDER_DOMAINS": {"acme.com": "microsoft"},
        "CRM_SYNC_RUN_SCHEDULER": True,
        "CRM_SYNC_DISPATCH_SECONDS": 1,
    }


@pytest.fixture(scope="module")
def registered(live_server, microsoft):
    """Our app registration at the stand-in, redirecting to this module's live server."""
    callback = live_server.path("/crm-sync/link/microsoft/callback")
    microsoft.add_client(CLIENT, SECRET, [callback], name="CRM Sync")
    return microsoft


def db_do(app, fn):
    from demo.app import db

    with app.app_context():
        result = fn(db.session)
        db.session.commit()
        return result


def link_ann(page, live_server, microsoft, login_as) -> None:
    login_as(page, ANN)
    page.click("#crm-sync-profile-toggle")
    page.click("#crm-sync-profile-menu .dropdown-item:text-is('Link External Calendar/Email')")
    page.wait_for_selector("#crm-sync-provider")
    assert page.text_content("#detected-provider").strip() == "Microsoft 365"
    assert page.is_visible("#select-different")
    page.click("#continue")
    page.wait_for_selector("#consent")  # the identity platform's own page
    assert page.url.startswith(f"{microsoft.base_url}/common/oauth2/v2.0/authorize")
    consent = page.text_content("#consent")
    assert "Calendars.ReadWrite" in consent and "Mail.Read" in consent
    page.fill("#email", ANN)
    page.fill("#password", "wrong-password")
    page.click("#allow")
    page.wait_for_selector("#error")
    assert "AADSTS50126" in page.text_content("#error")
    page.fill("#email", ANN)
    page.fill("#password", "password")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "microsoft-sign-in.png"), full_page=True)
    page.click("#allow")
    page.wait_for_url(live_server.path("/crm-sync/settings/"))


def test_link_microsoft_365_through_the_real_pages(live_server, registered, browser_page, login_as):
    from plugin.models import LinkedAccount

    page = browser_page
    link_ann(page, live_server, registered, login_as)
    message = page.text_content(".alert-success")
    assert f"Microsoft 365 account {ANN} linked: Calendar and Email" in message
    assert "The first sync has started." in message
    card = page.text_content(".crm-sync-linked")
    assert "Microsoft 365" in card and ANN in card
    rows = db_do(
        live_server.app,
        lambda s: [
            (a.provider, a.external_email, a.status, bool(a.credentials.get("refresh_token")))
            for a in s.scalars(select(LinkedAccount))
        ],
    )
    assert rows == [("microsoft", ANN, "active", True)]


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
    """This month and the next (the seeded meeting is a day ahead)."""
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


def graph_subjects(microsoft) -> list[dict]:
    """Ann's events as Graph lists them to a client of her own."""
    token = microsoft.issue_token(ANN, ["Calendars.Read"], CLIENT)["access_token"]
    answer = requests.get(
        f"{microsoft.graph_url}/me/events",
        params={"$select": "subject,start,end"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["value"]


def test_first_sync_shows_the_mailbox_and_a_booking_reaches_microsoft_365(
    live_server, registered, browser_page, login_as
):
    from plugin.models import LinkedAccount

    page = browser_page
    app = live_server.app
    if db_do(app, lambda s: s.scalar(select(LinkedAccount.id))) is None:
        link_ann(page, live_server, registered, login_as)
    else:
        login_as(page, ANN)
    _wait_for(lambda: _first_sync_done(app), "the first Microsoft 365 sync")

    page.goto(live_server.path("/crm-sync/calendar/"))
    seen = _seen(page, MEETING, MAIL)
    assert any(MEETING in t for t in seen), seen
    assert any(MAIL in t for t in seen), seen  # the mail from Globex, on its thread's day
    assert any(SERIES in t for t in seen), seen

    page.click("#crm-sync-profile-toggle")
    page.click("#crm-sync-profile-menu .dropdown-item:text-is('Accounts')")
    page.click("#crm-sync-accounts-list tr:has-text('Globex') a")
    page.wait_for_selector("#account-meeting-interactions")
    meetings = page.text_content("#account-meeting-interactions")
    assert "Outlook 365" in meetings and "hank@globex.com" in meetings

    page.goto(live_server.path("/crm-sync/calendar/"))
    page.click("#new-appointment")
    page.wait_for_selector("#appointment-form")
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    page.fill("#title", BOOKED)
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
        return [e for e in graph_subjects(registered) if e["subject"] == BOOKED]

    [remote] = _wait_for(pushed, "the push to Microsoft 365")
    assert remote["start"]["dateTime"].startswith(day.isoformat())
