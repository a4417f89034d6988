"""The appointment form's people in a real browser: Sam finds Tess by typing part of her
name, types an outside address (and cannot add one that is not an address), never sees the
Virtual Assistant, relates the meeting to Globex instead of the matched client, and sees the
"Send invitations" box follow the admin's setting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.shots import screenshot_dir
from tests.browser.test_time_zones import _db

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def sams_calendar(live_server):
    """Sam's Google calendar, linked: invitations go out through it."""
    from plugin.models import LinkedAccount, User, UserEmail

    def add(s):
        sam = s.scalar(select(User).join(UserEmail).where(UserEmail.email == "sam@crm.example"))
        s.add(
            LinkedAccount(
                user_id=sam.id,
                provider="google",
                external_email="sam.seller@gmail.com",
                credentials={"access_token": "a", "refresh_token": "r"},
                initial_sync_done=True,
            )
        )

    _db(live_server.app, add)


def _type(page, control: str, text: str) -> None:
    page.click(control)
    page.fill(control, text)


def _policy(live_server, value: str) -> None:
    from plugin.settings import get_settings

    def set_policy(s):
        get_settings().send_invitations = value

    _db(live_server.app, set_policy)


def test_attendees_are_searched_typed_and_the_account_picked(live_server, browser_page, login_as):
    from plugin.models import CalendarEvent

    _policy(live_server, "never")
    page = browser_page
    login_as(page, "sam@crm.example")
    page.goto(live_server.path("/crm-sync/appointments/new"))
    page.fill("#title", "Roadmap review")
    box = page.locator("#send_invitations")
    assert box.is_disabled() and not box.is_checked()
    assert "set invitations to Never" in page.text_content("#invitations-help")

    control = "#attendees-ts-control"
    _type(page, control, "tes")
    option = page.locator(".ts-dropdown .option", has_text="Tess Tester <tess@hooli.com>")
    option.wait_for()
    option.click()
    _type(page, control, "virtual")
    page.wait_for_selector(".ts-dropdown .no-results")
    assert not page.locator(".ts-dropdown .option", has_text="Virtual Assistant").count()
    _type(page, control, "not-an-address")
    page.wait_for_selector(".ts-dropdown .no-results")
    assert not page.locator(".ts-dropdown .create").count(), "only an email can be added"
    _type(page, control, "guest@outside.example")
    page.locator(".ts-dropdown .create", has_text="Invite guest@outside.example").click()
    chosen = page.locator("#attendees-ts-control").locator("xpath=..").locator(".item")
    assert chosen.count() == 2
    page.screenshot(path=str(screenshot_dir() / "appointment-form-people.png"), full_page=True)

    page.click("#account ~ .ts-wrapper .ts-control")
    page.keyboard.type("Glob")
    page.locator(".ts-dropdown .option", has_text="Globex").click()
    page.click("#appointment-save")
    page.wait_for_selector("#appointment-when")

    def stored(s):
        event = s.scalar(select(CalendarEvent).where(CalendarEvent.title == "Roadmap review"))
        guests = {p.email for p in event.participants if p.role != "organizer"}
        return guests, event.client_account.name, event.client_manual, event.id

    guests, client, manual, event_id = _db(live_server.app, stored)
    assert guests == {"tess@hooli.com", "guest@outside.example"}
    assert (client, manual) == ("Globex", True)

    page.goto(live_server.path(f"/crm-sync/appointments/{event_id}/edit"))
    page.wait_for_selector("#appointment-form")
    assert page.locator(".ts-control .item", has_text="Tess Tester").count() == 1
    assert page.locator(".ts-control .item", has_text="Globex").count() == 1


def test_the_invitations_box_is_ticked_on_new_and_edit_when_the_setting_allows(
    live_server, browser_page, login_as
):
    _policy(live_server, "always")
    try:
        page = browser_page
        login_as(page, "sam@crm.example")
        page.goto(live_server.path("/crm-sync/appointments/new"))
        box = page.locator("#send_invitations")
        assert box.is_enabled() and box.is_checked()
        assert "an update when it is changed" in page.text_content("#invitations-help")
        page.fill("#title", "Pricing call")
        page.click("#appointment-save")
        page.wait_for_selector("#appointment-when")
        page.click("#appointment-edit")
        page.wait_for_selector("#appointment-form")
        assert box.is_enabled() and box.is_checked(), "the same default on Edit"
    finally:
        _policy(live_server, "never")
