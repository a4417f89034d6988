"""Error pages in a real browser: Riley follows a stale link and opens the admin screens; each
time she sees the CRM's own navbar, a plain explanation and a button that takes her back."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_stale_link_shows_a_404_page_with_a_way_back(browser_page, live_server, login_as):
    page = browser_page
    login_as(page, "riley@crm.example")
    resp = page.goto(live_server.path("/crm-sync/calendar/events/987654"))
    assert resp.status == 404
    assert page.locator(".navbar-brand").inner_text() == "Acme CRM"
    assert page.locator("#item-not-found").is_visible()
    resp = page.goto(live_server.path("/crm-sync/settings/nowhere"))
    assert resp.status == 404
    error = page.locator("#crm-sync-error")
    assert "Page not found" in error.inner_text()
    error.get_by_role("link", name="Go to My Calendar").click()
    page.wait_for_url(live_server.path("/crm-sync/calendar/"))
    assert page.get_by_role("heading", name="My Calendar").is_visible()


def test_a_non_admin_on_the_admin_screens_sees_a_403_page(browser_page, live_server, login_as):
    page = browser_page
    login_as(page, "riley@crm.example")
    resp = page.goto(live_server.path("/admin/"))
    assert resp.status == 403
    assert page.locator(".navbar-brand").inner_text() == "Acme CRM"
    error = page.locator("#crm-sync-error")
    assert "Not allowed" in error.inner_text()
    error.get_by_role("link", name="Back to the CRM").click()
    page.wait_for_url(live_server.path("/"))
