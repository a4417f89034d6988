"""The admin screens in a real browser, CSRF on: settings saved through the page, access
refused to others, a bad domain shown as a form error. Saves docs/screenshots/ of the login,
settings and linked-accounts screens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plugin.models import Account, LinkedAccount, SystemSettings, User, UserEmail, utcnow
from tests.browser.shots import screenshot_dir

pytestmark = pytest.mark.browser

SHOTS = screenshot_dir()


def _query(live_server, fn):
    from demo.app import db

    with live_server.app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def test_admin_changes_system_settings_through_the_page(live_server, browser_page, login_as):
    page = browser_page
    login_as(page, "admin@crm.example")
    page.click("#crm-sync-profile-toggle")
    page.locator("#crm-sync-profile-menu").get_by_role("link", name="Admin", exact=True).click()
    page.wait_for_url(live_server.path("/admin/"))
    page.goto(live_server.path("/admin/crm_settings/"))
    page.wait_for_url("**/admin/crm_settings/edit/?id=1")

    page.select_option("#default_event_manager", label="Sam Seller")
    page.select_option("#default_account", label="Globex")
    page.select_option("#sync_scope", "everything")
    page.uncheck("#auto_assign_booker")
    page.fill("#window_past_days", "14")
    page.fill("#blocklist", "Noreply@Globex.com\n@Spam.example")
    page.click("input[type=submit][value=Save]")
    page.wait_for_selector(".alert-success")

    def check(s):
        row = s.get(SystemSettings, 1)
        return (
            row.default_event_manager.name,
            row.default_account.name,
            row.sync_scope,
            row.auto_assign_booker,
            row.window_past_days,
            row.blocklist,
        )

    assert _query(live_server, check) == (
        "Sam Seller",
        "Globex",
        "everything",
        False,
        14,
        "noreply@globex.com\n@spam.example",
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-settings.png"), full_page=True)

    field = page.locator("#sync_interval_minutes")
    field.fill("0")
    assert field.evaluate("e => e.validity.valid") is False, "the browser refuses first"
    field.evaluate("e => { e.removeAttribute('min'); e.removeAttribute('max'); }")
    page.click("input[type=submit][value=Save]")
    assert page.locator("text=Number must be between 1 and 1440").is_visible()
    assert _query(live_server, lambda s: s.get(SystemSettings, 1).sync_interval_minutes) == 15


def test_ordinary_user_gets_403_on_admin(live_server, browser_page, login_as):
    login_as(browser_page, "sam@crm.example")
    menu = browser_page.locator("#crm-sync-profile-menu")
    assert menu.get_by_role("link", name="Admin", exact=True).count() == 0
    response = browser_page.goto(live_server.path("/admin/"))
    assert response.status == 403
    response = browser_page.goto(live_server.path("/admin/crm_settings/edit/?id=1"))
    assert response.status == 403


def test_anonymous_is_sent_to_login(live_server, browser_page):
    browser_page.goto(live_server.path("/admin/crm_users/"))
    assert browser_page.url.startswith(live_server.path("/login?next="))
    assert browser_page.locator("#demo-logins").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser_page.goto(live_server.path("/login"))
    browser_page.screenshot(path=str(SHOTS / "login.png"), full_page=True)


def test_invalid_domain_shows_form_error_and_saves_nothing(live_server, browser_page, login_as):
    globex_id = _query(
        live_server, lambda s: s.scalar(select(Account.id).where(Account.name == "Globex"))
    )
    login_as(browser_page, "admin@crm.example")
    page = browser_page
    page.goto(live_server.path(f"/admin/crm_accounts/edit/?id={globex_id}"))
    page.fill("#domains-0-domain", "https://globex.com/")
    page.click("input[type=submit][value=Save]")
    assert page.locator("text=is not a valid domain").first.is_visible()
    domains = _query(
        live_server,
        lambda s: sorted(d.domain for d in s.get(Account, globex_id).domains),
    )
    assert domains == ["globex.com", "globex.io"]


def test_linked_accounts_screen(live_server, browser_page, login_as):
    def add(s):
        ann = s.scalar(select(User).join(UserEmail).where(UserEmail.email == "ann@acme.com"))
        s.add(
            LinkedAccount(
                user_id=ann.id,
                provider="google",
                external_email="ann@acme.com",
                credentials={"access_token": "browser-secret-token"},
                last_sync_at=utcnow(),
                next_sync_at=utcnow(),
            )
        )
        s.commit()

    _query(live_server, add)
    login_as(browser_page, "admin@crm.example")
    page = browser_page
    page.goto(live_server.path("/admin/crm_linked_accounts/"))
    assert page.locator("text=ann@acme.com").first.is_visible()
    assert "browser-secret-token" not in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-linked-accounts.png"), full_page=True)

    page.check("input.action-checkbox")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=With selected")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("a:has-text('Pause')")
    page.wait_for_selector(".alert-success")
    status = _query(
        live_server,
        lambda s: s.scalar(
            select(LinkedAccount.status).where(LinkedAccount.external_email == "ann@acme.com")
        ),
    )
    assert status == "paused"
