"""A CRM appointment booked on the User Calendar in a real browser ends up in the user's
Google calendar (the sandbox), pushed by the in-process scheduler's sync, with its guest."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from sandbox.google import GoogleSandbox

pytestmark = pytest.mark.browser

SAM_GOOGLE = "sam.seller@gmail.com"
SCOPES = [
    "openid",
    "email",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/gmail.readonly",
]


@pytest.fixture(scope="module")
def sandbox():
    sb = GoogleSandbox()
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def live(sandbox, tmp_path_factory):
    """(base_url, app): the demo CRM with CSRF on and the scheduler running; Sam's Google
    account is already linked (the link flow has its own browser test)."""
    from demo.app import create_app, db
    from demo.seed import seed_demo
    from plugin.models import Base, LinkedAccount, User, UserEmail

    path = tmp_path_factory.mktemp("push") / "live.sqlite"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "browser-secret",
            "CRM_SYNC_GOOGLE_BASE_URL": sandbox.base_url,
            "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-live",
            "CRM_SYNC_GOOGLE_CLIENT_SECRET": "crm-live-secret",
            "CRM_SYNC_RUN_SCHEDULER": True,
            "CRM_SYNC_DISPATCH_SECONDS": 1,
            "DEBUG": True,
        }
    )
    sandbox.add_client("crm-live", "crm-live-secret", ["http://127.0.0.1/cb"])
    sandbox.add_user(SAM_GOOGLE, name="Sam Seller", password="pw")
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed_demo()
        sam = db.session.scalar(
            select(User).join(UserEmail).where(UserEmail.email == "sam@crm.example")
        )
        db.session.add(
            LinkedAccount(
                user=sam,
                provider="google",
                external_email=SAM_GOOGLE,
                credentials=sandbox.issue_token(SAM_GOOGLE, scopes=SCOPES, client_id="crm-live"),
            )
        )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    scheduler = app.extensions["crm_sync"].scheduler
    if scheduler is not None:
        scheduler.shutdown(wait=False)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield b
        b.close()


def _wait_for(predicate, timeout: float = 30.0):
    """Poll until predicate() answers something truthy (the scheduler works in the
    background); fail with a clear message when it never does."""
    deadline = datetime.now() + timedelta(seconds=timeout)
    while datetime.now() < deadline:
        found = predicate()
        if found:
            return found
        threading.Event().wait(0.3)
    raise AssertionError("the scheduler did not push the appointment")


def test_appointment_created_on_the_calendar_reaches_google(live, sandbox, browser):
    base, app = live
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/login")
    page.fill("#email", "sam@crm.example")
    page.fill("#password", "demo1234")
    page.click("#login")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/crm-sync/calendar/")
    page.click("#new-appointment")
    page.wait_for_selector("#appointment-form")
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    page.fill("#title", "Browser-booked demo")
    page.fill("#day", day.isoformat())
    page.fill("#start", "14:00")
    page.fill("#end", "15:00")
    page.fill("#location", "Room 7")
    guest = "tess@hooli.com"  # a demo contact, found by typing part of her name
    page.click("#attendees-ts-control")
    page.fill("#attendees-ts-control", "Tess")
    page.locator(".ts-dropdown .option", has_text=guest).click()
    page.click("#appointment-save")
    page.wait_for_selector("#appointment-detail")
    assert page.text_content("#appointment-title").strip() == "Browser-booked demo"

    def pushed():
        events = sandbox.calendar.events(SAM_GOOGLE, include_cancelled=False)
        return [e for e in events if e.get("summary") == "Browser-booked demo"]

    [remote] = _wait_for(pushed)
    assert remote["location"] == "Room 7"
    assert [a["email"] for a in remote["attendees"]] == [guest]
    assert remote["extendedProperties"]["private"]["crmSyncId"]

    # Deleted from the appointment detail, it leaves Google too.
    page.once("dialog", lambda d: d.accept())
    page.click("#appointment-delete")
    page.wait_for_url(f"{base}/crm-sync/calendar/")
    _wait_for(lambda: not pushed())
    page.close()
