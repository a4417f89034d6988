"""The plugin's screens on a phone, 390 px wide: the navbar collapses behind its toggler while
the name menu (the feature's entry point) stays one tap away, the calendar toolbar wraps, and
wide tables scroll inside their card instead of pushing the page sideways."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _db(app, fn):
    from demo.app import db

    with app.app_context():
        result = fn(db.session)
        db.session.commit()
        return result


@pytest.fixture(scope="module")
def sams_items(live_server):
    """A linked Google account for Sam with a customer meeting and a customer email today."""
    from plugin.models import (
        Account,
        CalendarEvent,
        Email,
        EmailLink,
        EventLink,
        LinkedAccount,
        User,
        UserEmail,
    )
    from plugin.models.events import Interaction, Participant

    def add(s):
        sam = s.scalar(select(User).join(UserEmail).where(UserEmail.email == "sam@crm.example"))
        globex = s.scalar(select(Account).where(Account.name == "Globex"))
        linked = LinkedAccount(
            user_id=sam.id,
            provider="google",
            external_email="sam.seller@gmail.com",
            credentials={"access_token": "a", "refresh_token": "r"},
            initial_sync_done=True,
        )
        s.add(linked)
        s.flush()
        start = datetime.combine(date.today(), datetime.min.time()) + timedelta(hours=15)
        event = CalendarEvent(
            ical_uid="phone-1@test",
            title="Globex quarterly business review with the whole buying committee",
            start_at=start,
            end_at=start + timedelta(hours=1),
            origin="google",
            owner_user_id=sam.id,
            location="A very long meeting room name, building 7, floor 3, east wing",
        )
        event.links = [EventLink(linked_account_id=linked.id, external_id="ph1")]
        event.participants = [
            Participant(email="hank.scorpio.long.address@globex.com", name="Hank Scorpio"),
            Participant(email="sam@crm.example", name="Sam Seller"),
        ]
        mail = Email(
            message_id="<phone-1@globex.com>",
            subject="Re: Pricing for the enterprise plan across all regional subsidiaries",
            from_email="hank@globex.com",
            sent_at=start - timedelta(hours=2),
            thread_started_on=date.today(),
            body_html="<p>" + "Numbers " * 40 + "</p>",
        )
        mail.links = [EmailLink(linked_account_id=linked.id, external_id="pm1")]
        s.add_all([event, mail])
        s.flush()
        s.add(
            Interaction(
                account_id=globex.id,
                event_id=event.id,
                kind="meeting",
                occurred_on=start.date(),
                start_at=start,
                duration_minutes=60,
                source="Google Calendar",
                participants=[
                    {"name": "Hank Scorpio", "email": "hank.scorpio.long.address@globex.com"}
                ],
            )
        )
        return event.id, mail.id, globex.id

    return _db(live_server.app, add)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a 390px phone"


def test_every_screen_fits_a_phone_and_the_name_menu_stays_reachable(
    live_server, phone, login_as, sams_items
):
    event_id, mail_id, globex_id = sams_items
    login_as(phone, "sam@crm.example")
    _no_sideways_scroll(phone)
    # Home, Accounts and Contacts fold behind the toggler; the name menu does not.
    assert not phone.get_by_role("link", name="Contacts").is_visible()
    assert phone.locator(".navbar-toggler").is_visible()
    toggle = phone.locator("#crm-sync-profile-toggle")
    assert toggle.is_visible()
    toggle.click()
    phone.locator("#crm-sync-profile-menu .dropdown-item:text-is('My Calendar')").click()
    phone.wait_for_url(live_server.path("/crm-sync/calendar/"))
    phone.wait_for_selector(".fc-toolbar")
    _no_sideways_scroll(phone)
    toolbar = phone.locator(".fc-header-toolbar")
    fits = toolbar.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert fits, "the calendar toolbar must wrap, not overflow"
    phone.locator(".navbar-toggler").click()
    phone.get_by_role("link", name="Contacts").wait_for(state="visible")

    for path in (
        "/crm-sync/settings/",
        "/crm-sync/link/",
        "/crm-sync/accounts/",
        f"/crm-sync/accounts/{globex_id}/calendar",
        f"/crm-sync/calendar/events/{event_id}",
        f"/crm-sync/calendar/emails/{mail_id}",
    ):
        phone.goto(live_server.path(path))
        phone.wait_for_load_state("networkidle")
        _no_sideways_scroll(phone)
        assert phone.locator("#crm-sync-profile-toggle").is_visible()
