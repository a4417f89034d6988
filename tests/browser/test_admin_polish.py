"""The admin screens at 1366x768 in Chromium: every list fits the screen, nothing reads
"__None", sources and providers carry the names users know, times are to the minute in the
admin's zone, and every admin page leads back to the CRM and can log out."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from plugin.models import (
    CalendarEvent,
    Contact,
    Email,
    EmailLink,
    EventLink,
    LinkedAccount,
    SyncProblem,
    SyncRun,
    User,
    UserEmail,
)
from tests.browser.shots import screenshot_dir

pytestmark = pytest.mark.browser

SHOTS = screenshot_dir()

LISTS = [
    "crm_users",
    "crm_contacts",
    "crm_accounts",
    "crm_appointments",
    "crm_emails",
    "crm_linked_accounts",
    "crm_sync_runs",
    "crm_sync_problems",
    "crm_ambiguous",
]
LONG = "A very long subject line that keeps going " * 6


def _query(live_server, fn):
    from demo.app import db

    with live_server.app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


@pytest.fixture(scope="module")
def rows(live_server):
    """One of everything, with long texts, and an admin in Berlin."""

    def add(s):
        admin = s.scalar(select(User).join(UserEmail).where(UserEmail.email == "admin@crm.example"))
        admin.timezone = "Europe/Berlin"
        ann = s.scalar(select(User).join(UserEmail).where(UserEmail.email == "ann@acme.com"))
        accounts = [
            LinkedAccount(
                user_id=ann.id,
                provider=p,
                external_email=f"ann.{p}@acme.com",
                credentials={"access_token": "t"},
                last_sync_at=datetime(2026, 11, 23, 9, 15, 42, 123456),
                last_error=LONG if p == "exchange" else None,
            )
            for p in ("google", "microsoft", "exchange")
        ]
        s.add_all(accounts)
        s.flush()
        event = CalendarEvent(
            ical_uid="polish@test",
            title=LONG,
            location=LONG,
            start_at=datetime(2026, 11, 23, 9, 0, 30),
            end_at=datetime(2026, 11, 23, 10, 0),
            origin="exchange",
            owner_user_id=ann.id,
        )
        event.links = [EventLink(linked_account_id=accounts[2].id, external_id="x" * 200)]
        mail = Email(
            message_id="<polish@test>",
            subject=LONG,
            from_email="hank@globex.com",
            sent_at=datetime(2026, 11, 23, 8, 5, 9),
            thread_started_on=datetime(2026, 11, 23).date(),
            body_html="<p>Hello <b>there</b></p>",
            source="microsoft",
        )
        mail.links = [EmailLink(linked_account_id=accounts[1].id, external_id="m" * 200)]
        s.add_all([event, mail])
        s.add(
            SyncRun(
                linked_account_id=accounts[0].id,
                account_label="Google: ann.google@acme.com",
                trigger="scheduled",
                status="failed",
                started_at=datetime(2026, 11, 23, 9, 15, 42, 5),
                error=LONG,
            )
        )
        s.add(
            SyncProblem(
                linked_account_id=accounts[2].id,
                direction="inbound",
                item_kind="event",
                external_id="e" * 300,
                message=LONG,
            )
        )
        s.commit()

    _query(live_server, add)


def test_every_admin_list_fits_1366_and_reads_well(live_server, browser, login_as, rows):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        login_as(page, "admin@crm.example")
        for view in LISTS:
            page.goto(live_server.path(f"/admin/{view}/"))
            width = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth,"
                " Math.max(0, ...[...document.querySelectorAll('.table-responsive')]"
                ".map(e => e.scrollWidth - e.clientWidth))]"
            )
            assert width[0] <= width[1], f"{view} scrolls sideways: {width}"
            assert width[2] == 0, f"{view}'s table scrolls sideways: {width}"
            text = page.inner_text("body")
            assert "__None" not in text, view
            assert not re.search(r"\d\d:\d\d:\d\d", text), f"{view} shows seconds"
            # Filters' choices read well too.
            filters = page.locator(".field-filters a.filter")
            for i in range(filters.count()):
                page.locator(".dropdown-toggle", has_text="Add Filter").first.click()
                filters.nth(i).click()
            assert "__None" not in page.inner_text("body"), f"{view} filters"
            page_html = page.content()
            assert ">__None<" not in page_html, f"{view} filter"
            for option in page.locator("select option").all_inner_texts():
                assert option.strip() != "__None", f"{view}: {option}"

        # Every create, edit and details page: no "__None" shown or offered.
        for view in LISTS + ["crm_settings"]:
            page.goto(live_server.path(f"/admin/{view}/"))
            pages = [page.url.replace("/edit/", "/edit/")]
            if page.locator("a[title='Create New Record'], a:has-text('Create')").count():
                pages.append(live_server.path(f"/admin/{view}/new/"))
            for link in page.locator("table.model-list a[title='Edit Record']").all()[:1]:
                pages.append(live_server.url + link.get_attribute("href"))
            for link in page.locator("table.model-list a[title='View Record']").all()[:1]:
                pages.append(live_server.url + link.get_attribute("href"))
            for url in pages:
                page.goto(url)
                assert "__None" not in page.inner_text("body"), url
                for option in page.locator("select option").all_inner_texts():
                    assert option.strip() != "__None", url

        page.goto(live_server.path("/admin/crm_linked_accounts/"))
        body = page.inner_text("table.model-list")
        assert "Google" in body and "Microsoft 365" in body
        assert "Microsoft Exchange (on-premises)" in body
        assert not re.search(r"(^|\t)(google|microsoft|exchange)(\t|$)", body, re.M)
        # 09:15 UTC is 10:15 in Berlin in November, named as CET.
        assert re.search(r"10:15 CET", body), body

        page.goto(live_server.path("/admin/crm_appointments/"))
        head = page.inner_text("table.model-list thead")
        assert "UTC" not in head
        body = page.inner_text("table.model-list tbody")
        assert "Exchange" in body and "10:00 CET" in body and "11:00 CET" in body
        # Long text is cut with an ellipsis and kept whole in the tooltip.
        cell = page.locator("table.model-list tbody td", has_text="A very long").first
        assert cell.get_attribute("title").startswith("A very long subject")

        page.goto(live_server.path("/admin/crm_emails/"))
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "admin-emails.png"), full_page=True)
        body = page.inner_text("table.model-list tbody")
        assert "Outlook 365" in body and "09:05 CET" in body
        assert "Hello" not in body, "no body in the list"
    finally:
        context.close()


def test_every_admin_page_leads_back_and_logs_out(live_server, browser_page, login_as):
    page = browser_page
    login_as(page, "admin@crm.example")
    for path in ["/admin/", "/admin/crm_users/", "/admin/crm_settings/edit/?id=1"]:
        page.goto(live_server.path(path))
        nav = page.locator("nav.navbar")
        assert nav.get_by_role("link", name="Back to CRM").get_attribute("href") == "/"
        assert nav.get_by_role("button", name="Log out").count() == 1
    page.goto(live_server.path("/admin/"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-home.png"), full_page=True)
    page.locator("#crm-admin-home").get_by_role("link", name="Back to CRM").click()
    page.wait_for_url(live_server.path("/"))
    page.goto(live_server.path("/admin/"))
    page.locator("nav.navbar").get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    response = page.goto(live_server.path("/admin/"))
    assert page.url.startswith(live_server.path("/login")), response.status


def test_new_contact_first_address_is_primary(live_server, browser_page, login_as):
    page = browser_page
    login_as(page, "admin@crm.example")
    page.goto(live_server.path("/admin/crm_contacts/new/"))
    page.fill("#name", "Primo First")
    page.get_by_text("Add Email addresses").click()
    assert page.locator("#emails-0-is_primary").is_checked()
    page.fill("#emails-0-email", "primo@hooli.com")
    page.get_by_text("Add Email addresses").click()
    assert not page.locator("#emails-1-is_primary").is_checked()
    page.fill("#emails-1-email", "primo2@hooli.com")
    page.click("input[type=submit][value=Save]")
    page.wait_for_selector(".alert-success")
    assert "__None" not in page.inner_text("body")

    def primaries(s):
        contact = s.scalar(select(Contact).where(Contact.name == "Primo First"))
        return {e.email: e.is_primary for e in contact.emails}

    assert _query(live_server, primaries) == {"primo@hooli.com": True, "primo2@hooli.com": False}
