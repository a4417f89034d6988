"""Each user's own time zone in a real browser: Sam picks a zone on Calendar & Email Settings,
and My Calendar's "today", its now-line and its hours follow that zone, not the browser's
clock (FullCalendar's Luxon named-time-zone plugin)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.browser


def _db(app, fn):
    from demo.app import db

    with app.app_context():
        result = fn(db.session)
        db.session.commit()
        return result


def far_zone() -> str:
    """A zone whose date today differs from UTC's (the browser runs in UTC), so a calendar
    that follows the browser's clock shows the wrong day."""
    now = datetime.now(UTC)
    for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        if now.astimezone(ZoneInfo(name)).date() != now.date():
            return name
    raise AssertionError("one of UTC+14 and UTC-11 is always on another date")


@pytest.fixture
def utc_browser_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_my_calendar_follows_the_users_zone_not_the_browsers(
    live_server, utc_browser_page, login_as
):
    from plugin.models import CalendarEvent, EventLink, LinkedAccount, User, UserEmail

    zone_name = far_zone()
    zone = ZoneInfo(zone_name)
    today = datetime.now(UTC).astimezone(zone).date()
    nine = datetime.combine(today, datetime.min.time()).replace(hour=9, tzinfo=zone)

    def add(s):
        sam = s.scalar(select(User).join(UserEmail).where(UserEmail.email == "sam@crm.example"))
        linked = LinkedAccount(
            user_id=sam.id,
            provider="google",
            external_email="sam.seller@gmail.com",
            credentials={"access_token": "a", "refresh_token": "r"},
            initial_sync_done=True,
        )
        s.add(linked)
        s.flush()
        start = nine.astimezone(UTC).replace(tzinfo=None)
        event = CalendarEvent(
            ical_uid="tz-nine@test",
            title="Nine o'clock standup",
            start_at=start,
            end_at=start + timedelta(hours=1),
            origin="google",
            owner_user_id=sam.id,
        )
        event.links = [EventLink(linked_account_id=linked.id, external_id="tz9")]
        s.add(event)

    _db(live_server.app, add)
    page = utc_browser_page
    login_as(page, "sam@crm.example")
    page.goto(live_server.path("/crm-sync/settings/"))
    page.select_option("#timezone", zone_name)
    page.click("#timezone-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert f"Times are now shown in {zone_name.replace('_', ' ')}." in page.text_content(
        ".alert-success"
    )

    page.goto(live_server.path("/crm-sync/calendar/"))
    assert zone_name in page.text_content("main")  # the page says which zone
    page.wait_for_selector(".fc-day-today")
    assert page.get_attribute(".fc-daygrid-day.fc-day-today", "data-date") == today.isoformat()

    page.click(".fc-timeGridWeek-button")
    page.wait_for_selector(".fc-timegrid-now-indicator-line")
    today_column = page.locator(f".fc-timegrid-col[data-date='{today.isoformat()}']")
    assert today_column.locator(".fc-timegrid-now-indicator-line").count() == 1
    event = today_column.locator(".fc-event", has_text="Nine o'clock standup")
    slot = page.locator(".fc-timegrid-slot-lane[data-time='09:00:00']")
    event_top = event.bounding_box()["y"]
    slot_top = slot.bounding_box()["y"]
    assert abs(event_top - slot_top) < 4, "the 09:00 meeting sits on the 09:00 row"
