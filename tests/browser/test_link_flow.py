"""The link flow and the calendars in a real browser (Debian's Chromium via playwright):
profile dropdown -> provider screen -> Google sandbox consent -> synced meeting and email on
the calendar, plus denial, re-link, the "Events" list, an inert script and another user's
calendar. Saves the main screens to docs/screenshots/.

The live server is the demo host with CSRF on, the in-process scheduler running (so the
first sync starts at once, as in production), and Google pointed at a sandbox.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sandbox.google import GoogleSandbox
from tests.browser.shots import screenshot_dir

pytestmark = pytest.mark.browser

SHOTS = screenshot_dir()
SAM_GOOGLE = "sam.seller@gmail.com"
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def sandbox():
    sb = GoogleSandbox()
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def live_server_config(sandbox) -> dict:
    """The shared live server, with Google at the sandbox and the in-process scheduler on."""
    return {
        "CRM_SYNC_GOOGLE_BASE_URL": sandbox.base_url,
        "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-live",
        "CRM_SYNC_GOOGLE_CLIENT_SECRET": "crm-live-secret",
        "CRM_SYNC_RUN_SCHEDULER": True,
        "CRM_SYNC_DISPATCH_SECONDS": 1,
    }


@pytest.fixture(scope="module")
def live(live_server, sandbox):
    """(base_url, app), with the CRM registered as a client at the sandbox and Sam's Google
    account holding a customer meeting and email."""
    base = live_server.url
    sandbox.add_client(
        "crm-live", "crm-live-secret", [f"{base}/crm-sync/link/google/callback"], name="CRM Sync"
    )
    sandbox.add_user(SAM_GOOGLE, name="Sam Seller", password="pw")
    seed_google(sandbox)
    return base, live_server.app


@pytest.fixture
def page(browser_page):
    """browser_page, recording dialogs (dismissed) and uncaught page errors."""
    browser_page.dialogs = []
    browser_page.errors = []
    browser_page.on("pageerror", lambda e: browser_page.errors.append(str(e)))
    browser_page.on("dialog", lambda d: (browser_page.dialogs.append(d.message), d.dismiss()))
    return browser_page


def open_menu(page, label: str) -> None:
    page.click("#crm-sync-profile-toggle")
    page.click(f"#crm-sync-profile-menu .dropdown-item:text-is('{label}')")


def consent(page, action: str = "allow", email: str | None = None) -> None:
    page.wait_for_selector("#password")
    if email:
        page.fill("#email", email)
    page.fill("#password", "pw")
    page.click(f"#{action}")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def db_do(app, fn):
    from demo.app import db

    with app.app_context():
        result = fn(db.session)
        db.session.commit()
        return result


def seed_google(sandbox) -> None:
    """A customer meeting and a customer email (with a script) in Sam's Google, today."""
    start = datetime.combine(TODAY, datetime.min.time()).replace(hour=10)
    sandbox.calendar.insert_event(
        SAM_GOOGLE,
        {
            "summary": "Globex renewal <review>",
            "start": {"dateTime": start.isoformat() + "Z"},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat() + "Z"},
            "organizer": {"email": SAM_GOOGLE},
            "attendees": [
                {"email": SAM_GOOGLE, "responseStatus": "accepted"},
                {"email": "hank@globex.com", "displayName": "Hank Scorpio"},
            ],
        },
    )
    sandbox.gmail.add_message(
        SAM_GOOGLE,
        from_="hank@globex.com",
        to=[SAM_GOOGLE],
        subject="Pricing question",
        body_html='<p>Hello Sam</p><script>window.__pwned = 1; alert("xss")</script>'
        '<img src="x" onerror="window.__pwned = 2">',
        date=start - timedelta(hours=1),
    )


def wait_synced(app, timeout: float = 30.0):
    from plugin.models import LinkedAccount

    deadline = datetime.now() + timedelta(seconds=timeout)
    while datetime.now() < deadline:
        state = db_do(
            app,
            lambda s: s.execute(
                select(LinkedAccount.initial_sync_done, LinkedAccount.lease_owner)
            ).first(),
        )
        if state is not None and state[0] and state[1] is None:
            return
        threading.Event().wait(0.5)
    raise AssertionError("the first sync did not finish")


def link_sam(page, base: str, app, login_as) -> None:
    """Sam links his Google account from the profile dropdown and the first sync finishes."""
    login_as(page, "sam@crm.example")
    open_menu(page, "Link External Calendar/Email")
    page.wait_for_selector("#detected-provider")
    assert page.text_content("#detected-provider") == "Google"
    shot(page, "provider-picker.png")
    page.click("#continue")
    consent(page)
    page.wait_for_url(f"{base}/crm-sync/settings/")
    message = page.text_content(".alert-success")
    assert "Google account sam.seller@gmail.com" in message
    assert "The first sync has started." in message
    wait_synced(app)


@pytest.fixture
def linked(live, browser, login_as):
    """Sam's account linked and synced, whichever test runs first (or alone, or elsewhere)."""
    from plugin.models import LinkedAccount

    base, app = live
    if db_do(app, lambda s: s.scalar(select(LinkedAccount.id))) is None:
        context = browser.new_context()
        link_sam(context.new_page(), base, app, login_as)
        context.close()
    return live


def test_link_sync_calendar_and_details(live, page, login_as):
    base, app = live
    link_sam(page, base, app, login_as)
    # The page updates in place once the first sync is done: the message stays, the counts
    # and the runs table come in, and "no error" is not shown as an alarm.
    page.wait_for_selector('#crm-sync-accounts[data-settled="true"]')
    page.wait_for_selector("#sync-runs")
    assert "The first sync has started." in page.text_content(".alert-success")
    assert "Active" in page.text_content(".crm-sync-linked")
    assert page.text_content('[data-field="synced"]') == "1 meeting, 1 email"
    assert "from 30 days ago to 180 days ahead" in page.text_content("#sync-window")
    error = page.locator('[data-field="last_error"]')
    assert error.text_content() == "none" and "text-danger" not in error.get_attribute("class")
    shot(page, "profile-settings.png")

    # The month view folds the busy day (meeting + email) into one "Events" item.
    open_menu(page, "My Calendar")
    page.wait_for_selector(".crm-sync-day-events")
    assert page.text_content(".crm-sync-day-events").strip() == "Events"
    shot(page, "calendar-month.png")
    page.dblclick(".crm-sync-day-events")
    page.wait_for_selector(".crm-sync-day-item")
    items = page.locator(".crm-sync-day-item").all_text_contents()
    assert any("Globex renewal <review>" in t for t in items)
    assert any("Pricing question" in t for t in items)

    # The week view lists the meeting itself; its title opens the appointment.
    shot(page, "calendar-events-list.png")
    page.click("#crm-sync-day-modal .btn-close")
    page.wait_for_selector("#crm-sync-day-modal", state="hidden")
    page.click(".fc-timeGridWeek-button")
    page.click(".fc-event:has-text('Globex renewal')")
    page.wait_for_selector("#appointment-detail")
    assert page.text_content("#appointment-title") == "Globex renewal <review>"
    assert "Globex" in page.text_content("#appointment-client")
    assert "Hank Scorpio" in page.text_content("#appointment-attendees")
    assert page.text_content("#appointment-source") == "Google Calendar"
    shot(page, "appointment-detail.png")

    # Account Calendar from the Accounts list.
    open_menu(page, "Accounts")
    page.click("#crm-sync-accounts-list tr:has-text('Globex') a")
    page.wait_for_selector(".fc-event")
    assert "Hank Scorpio" in page.text_content("#account-interactions")
    shot(page, "account-calendar.png")
    assert page.dialogs == [] and page.errors == []


def test_email_script_is_inert(linked, page, login_as):
    """Even a stored body that still holds a script (sanitized again at display) stays inert."""
    from plugin.models import Email

    base, app = linked
    mail_id = db_do(
        app, lambda s: s.scalar(select(Email.id).where(Email.subject == "Pricing question"))
    )
    assert mail_id is not None
    db_do(
        app,
        lambda s: setattr(
            s.get(Email, mail_id),
            "body_html",
            '<p>Raw</p><script>window.__pwned=3;alert("raw")</script>'
            '<img src="x" onerror="window.__pwned=4">',
        ),
    )
    login_as(page, "sam@crm.example")
    page.goto(f"{base}/crm-sync/calendar/")
    page.click(".fc-timeGridWeek-button")
    page.click(".fc-event:has-text('Pricing question')")
    page.wait_for_selector("#email-body")
    page.wait_for_timeout(300)
    assert "Raw" in page.text_content("#email-body")
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []
    assert page.locator("#email-body script").count() == 0


def test_select_a_different_provider_and_denied_consent(live, page, login_as):
    base, app = live
    login_as(page, "riley@crm.example")
    open_menu(page, "Link External Calendar/Email")
    page.wait_for_url(f"{base}/crm-sync/link/providers")  # crm.example: no provider detected
    login_as(page, "sam@crm.example")
    page.goto(f"{base}/crm-sync/link/")
    page.click("#select-different")
    page.wait_for_selector("#crm-sync-choose")
    assert page.locator("[data-provider]").all_text_contents()[0].strip().startswith("Google")
    assert page.locator("[data-provider]").count() == 1
    page.click("[data-provider='google']")
    consent(page, action="deny", email=SAM_GOOGLE)
    page.wait_for_url(f"{base}/crm-sync/link/?provider=google")
    assert "Google access was not allowed, so nothing was linked." in page.text_content("body")
    # The message says "Choose Continue again": the button it names is on the page.
    assert "Choose Continue again" in page.text_content(".alert-danger")
    assert page.locator("#continue").is_visible()
    assert page.text_content("#detected-provider") == "Google"


def test_after_a_declined_consent_from_the_list_continue_is_there(live, page, login_as):
    """Riley's domain names no provider: he picks Google from the list, declines, and the
    page he comes back to has the Continue button the message tells him to press."""
    base, app = live
    login_as(page, "riley@crm.example")
    page.goto(f"{base}/crm-sync/link/")
    page.wait_for_url(f"{base}/crm-sync/link/providers")
    page.click("[data-provider='google']")
    consent(page, action="deny", email=SAM_GOOGLE)
    page.wait_for_url(f"{base}/crm-sync/link/?provider=google")
    assert "Choose Continue again" in page.text_content(".alert-danger")
    page.click("#continue")
    page.wait_for_selector("#password")  # back on Google's consent page


def test_needs_relink_and_relink_button(linked, page, login_as):
    from plugin.models import LinkedAccount

    base, app = linked
    db_do(app, lambda s: setattr(s.scalar(select(LinkedAccount)), "status", "needs_relink"))
    login_as(page, "sam@crm.example")
    open_menu(page, "Calendar & Email Settings")
    card = page.locator(".crm-sync-linked")
    assert "Needs re-link" in card.text_content()
    page.click(".relink")
    page.wait_for_selector("#password")
    assert page.input_value("#email") == SAM_GOOGLE  # login_hint pre-fills it
    consent(page)
    page.wait_for_url(f"{base}/crm-sync/settings/")
    assert "sam.seller@gmail.com re-linked" in page.text_content(".alert-success")
    assert db_do(app, lambda s: s.scalar(select(LinkedAccount.status))) == "active"
    assert db_do(app, lambda s: len(s.scalars(select(LinkedAccount)).all())) == 1


def test_another_users_calendar_is_refused(linked, page, login_as):
    from plugin.models import CalendarEvent, User, UserEmail

    base, app = linked
    event_id = db_do(app, lambda s: s.scalar(select(CalendarEvent.id)))
    sam_id = db_do(
        app,
        lambda s: s.scalar(
            select(User.id).join(UserEmail).where(UserEmail.email == "sam@crm.example")
        ),
    )
    login_as(page, "riley@crm.example")
    resp = page.goto(f"{base}/crm-sync/calendar/events/{event_id}")
    assert resp.status == 404
    assert page.goto(f"{base}/crm-sync/calendar/?user_id={sam_id}").status == 404
    page.goto(f"{base}/crm-sync/calendar/")
    page.wait_for_selector(".fc-daygrid-body")
    page.wait_for_timeout(500)
    assert page.locator(".fc-event").count() == 0


def test_first_sync_progress_refreshes_until_done(linked, page, login_as):
    """While initial_sync_done is False the page polls the status endpoint and shows counts."""
    from plugin.models import CalendarEvent, EventLink, LinkedAccount, SyncRun

    base, app = linked

    def running(s):
        account = s.scalar(select(LinkedAccount))
        account.initial_sync_done = False
        account.next_sync_at = None  # keep the scheduler away while the test plays the engine
        s.add(SyncRun(linked_account_id=account.id, status="running", fetched=3, created=1))

    db_do(app, running)
    login_as(page, "sam@crm.example")
    page.goto(f"{base}/crm-sync/settings/")
    progress = page.locator(".crm-sync-progress")
    assert progress.is_visible()
    assert "1 meeting, 1 email so far" in progress.text_content()

    def more(s):
        account = s.scalar(select(LinkedAccount))
        start = datetime(2026, 3, 10, 15)
        for n in range(2):
            event = CalendarEvent(
                ical_uid=f"more-{n}@test",
                title="More",
                origin="google",
                start_at=start,
                end_at=start + timedelta(hours=1),
            )
            event.links = [EventLink(linked_account_id=account.id, external_id=f"more{n}")]
            s.add(event)

    db_do(app, more)
    page.wait_for_function(
        "document.querySelector('[data-field=progress_text]').textContent"
        ".includes('3 meetings, 1 email so far')"
    )

    def finished(s):
        s.scalar(select(SyncRun).where(SyncRun.status == "running")).status = "ok"
        s.scalar(select(LinkedAccount)).initial_sync_done = True

    page.evaluate("window.__sameDocument = true")
    db_do(app, finished)
    page.wait_for_selector(".crm-sync-progress", state="hidden")
    page.wait_for_selector('#crm-sync-accounts[data-settled="true"]')
    assert page.evaluate("window.__sameDocument === true")  # updated in place, not reloaded
