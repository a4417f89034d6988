"""A recurring meeting in a real browser: Sam opens one "Weekly sync", chooses "All events in
the series" and renames it, and every occurrence takes the name and stays in Berlin time;
deleting one then asks again, and "This event" removes only that one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.browser.test_time_zones import _db

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def series(live_server):
    from plugin.models import CalendarEvent, EventLink, LinkedAccount, User, UserEmail

    def add(s):
        sam = s.scalar(select(User).join(UserEmail).where(UserEmail.email == "sam@crm.example"))
        linked = LinkedAccount(
            user_id=sam.id,
            provider="google",
            external_email="sam.weekly@gmail.com",
            credentials={"access_token": "a", "refresh_token": "r"},
            initial_sync_done=True,
        )
        s.add(linked)
        s.flush()
        ids = []
        first = (datetime.now() + timedelta(days=2)).replace(
            hour=8, minute=0, second=0, microsecond=0
        )
        for n in range(3):
            start = first + timedelta(weeks=n)
            event = CalendarEvent(
                ical_uid="weekly-browser@test",
                instance_key=start.isoformat(),
                title="Weekly sync",
                start_at=start,
                end_at=start + timedelta(hours=1),
                origin="google",
                owner_user_id=sam.id,
                timezone="Europe/Berlin",
            )
            event.links = [
                EventLink(
                    linked_account_id=linked.id,
                    external_id=f"weekly_{n}",
                    series_external_id="weekly",
                )
            ]
            s.add(event)
            s.flush()
            ids.append(event.id)
        return ids

    return _db(live_server.app, add)


def _rows(live_server, ids):
    from plugin.models import CalendarEvent

    def read(s):
        rows = [s.get(CalendarEvent, i) for i in ids]
        return [(r.title, r.timezone, r.deleted_at is not None) for r in rows]

    return _db(live_server.app, read)


def test_all_events_renames_the_series_and_this_event_deletes_one(
    live_server, browser_page, login_as, series
):
    page = browser_page
    login_as(page, "sam@crm.example")
    page.goto(live_server.path(f"/crm-sync/calendar/events/{series[1]}"))
    page.click("#appointment-edit")
    page.wait_for_selector("#appointment-scope")
    assert page.is_checked("#scope-0"), '"This event" is the default'
    page.check("label:has-text('All events in the series')")
    page.fill("#title", "Weekly sync (room 2)")
    page.click("#appointment-save")
    page.wait_for_selector("#appointment-detail")
    assert _rows(live_server, series) == [("Weekly sync (room 2)", "Europe/Berlin", False)] * 3

    page.click("#appointment-delete")
    dialog = page.locator("#appointment-delete-dialog")
    assert dialog.is_visible()
    assert dialog.locator("#delete-scope-this").is_checked()
    assert "All events in the series" in dialog.text_content()
    dialog.locator("#appointment-delete-confirm").click()
    page.wait_for_selector(".alert-success")
    assert [gone for _, _, gone in _rows(live_server, series)] == [False, True, False]
