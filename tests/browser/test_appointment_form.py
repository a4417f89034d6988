"""Editing any meeting in a real browser: Sam opens the all-day "Hooli onsite workshop" and
the overnight "Late call", presses Save, and nothing changes; the month grid draws the late
call as one evening block and the workshop on its own dates, in his zone far from UTC; he
then books an all-day offsite through the form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.browser.test_time_zones import _db

pytestmark = pytest.mark.browser

ZONE = "Pacific/Auckland"


@pytest.fixture(scope="module")
def meetings(live_server):
    from plugin.models import CalendarEvent, EventLink, LinkedAccount, User, UserEmail

    zone = ZoneInfo(ZONE)
    today = datetime.now(UTC).astimezone(zone).date()
    # Both inside the month on screen, away from its edges.
    day = today.replace(day=10)

    def add(s):
        sam = s.scalar(select(User).join(UserEmail).where(UserEmail.email == "sam@crm.example"))
        sam.timezone = ZONE
        linked = LinkedAccount(
            user_id=sam.id,
            provider="google",
            external_email="sam.seller@gmail.com",
            credentials={"access_token": "a", "refresh_token": "r"},
            initial_sync_done=True,
        )
        s.add(linked)
        s.flush()
        late_start = datetime.combine(day, datetime.min.time()).replace(
            hour=22, minute=30, tzinfo=zone
        )
        late = CalendarEvent(
            ical_uid="late@test",
            title="Late call",
            start_at=late_start.astimezone(UTC).replace(tzinfo=None),
            end_at=(late_start + timedelta(hours=2)).astimezone(UTC).replace(tzinfo=None),
            origin="google",
            owner_user_id=sam.id,
            timezone=ZONE,
            description="Agenda:\n1. Numbers\n2. Next steps",
        )
        workshop_day = day + timedelta(days=3)
        workshop = CalendarEvent(
            ical_uid="onsite@test",
            title="Hooli onsite workshop",
            all_day=True,
            start_date=workshop_day,
            end_date=workshop_day + timedelta(days=1),
            start_at=datetime.combine(workshop_day, datetime.min.time()),
            end_at=datetime.combine(workshop_day + timedelta(days=1), datetime.min.time()),
            origin="google",
            owner_user_id=sam.id,
        )
        late.links = [EventLink(linked_account_id=linked.id, external_id="late")]
        workshop.links = [EventLink(linked_account_id=linked.id, external_id="onsite")]
        s.add_all([late, workshop])
        s.flush()
        return {"late": late.id, "onsite": workshop.id, "day": day, "workshop_day": workshop_day}

    return _db(live_server.app, add)


def _version(live_server, event_id):
    from plugin.models import CalendarEvent

    return _db(live_server.app, lambda s: s.get(CalendarEvent, event_id).version)


@pytest.mark.parametrize("which", ["onsite", "late"])
def test_saving_an_unchanged_meeting_changes_nothing(
    live_server, browser_page, login_as, meetings, which
):
    page = browser_page
    login_as(page, "sam@crm.example")
    before = _version(live_server, meetings[which])
    page.goto(live_server.path(f"/crm-sync/calendar/events/{meetings[which]}"))
    page.click("#appointment-edit")
    page.wait_for_selector("#appointment-form")
    assert page.is_checked("#all_day") == (which == "onsite")
    assert page.locator("#start").is_visible() == (which == "late")
    page.click("#appointment-save")
    page.wait_for_selector(".alert-info")
    assert "Nothing changed" in page.text_content(".alert-info")
    assert not page.locator(".invalid-feedback").count()
    assert _version(live_server, meetings[which]) == before


def test_month_grid_draws_an_overnight_call_on_its_evening_and_all_day_on_its_date(
    live_server, browser_page, login_as, meetings
):
    page = browser_page
    login_as(page, "sam@crm.example")
    page.goto(live_server.path("/crm-sync/calendar/"))
    page.wait_for_selector(".fc-event")
    late = page.locator(".fc-daygrid-event", has_text="Late call")
    assert late.count() == 1, "one block, not a bar over two days"
    cell = page.locator(f".fc-daygrid-day[data-date='{meetings['day'].isoformat()}']")
    assert cell.locator(".fc-daygrid-event", has_text="Late call").count() == 1
    assert late.bounding_box()["width"] <= cell.bounding_box()["width"], "not across two days"
    onsite_cell = page.locator(
        f".fc-daygrid-day[data-date='{meetings['workshop_day'].isoformat()}']"
    )
    assert onsite_cell.locator(".fc-event", has_text="Hooli onsite workshop").count() == 1


def test_an_all_day_offsite_is_booked_through_the_form(live_server, browser_page, login_as):
    from plugin.models import CalendarEvent

    page = browser_page
    login_as(page, "sam@crm.example")
    page.goto(live_server.path("/crm-sync/appointments/new"))
    page.fill("#title", "Two-day offsite")
    page.check("#all_day")
    assert not page.locator("#start").is_visible()
    page.fill("#day", "2027-02-01")
    assert page.input_value("#end_day") == "2027-02-01", "the end date follows the start date"
    page.fill("#end_day", "2027-02-02")
    page.click("#appointment-save")
    page.wait_for_selector("#appointment-when")
    assert "Mon 01 Feb 2027 – Tue 02 Feb 2027 (all day)" in page.text_content("#appointment-when")
    dates = _db(
        live_server.app,
        lambda s: s.execute(
            select(CalendarEvent.start_date, CalendarEvent.end_date).where(
                CalendarEvent.title == "Two-day offsite"
            )
        ).one(),
    )
    assert tuple(dates) == (date(2027, 2, 1), date(2027, 2, 3))
