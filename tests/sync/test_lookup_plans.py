"""The engine's per-page lookups probe an index per key, whatever the tables hold.

Written after a regression: joined to the value list, SQLite walked every link of the
account and scanned the page's ids for each, so a page cost grew with the calendar."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from plugin.models import CalendarEvent, Email, EmailLink, EventLink
from plugin.sync.value_lists import restrict
from tests.query_plans import explain, probes, scans

TABLES = ("crm_events", "crm_event_links", "crm_emails", "crm_email_links")


def _lookups(dialect: str):
    """The statements events._known, emails._known, known_messages and _thread_starts run."""
    return {
        "event links": restrict(
            select(EventLink).where(EventLink.linked_account_id == 1),
            EventLink.external_id,
            dialect,
        ),
        "meetings": restrict(select(CalendarEvent), CalendarEvent.ical_uid, dialect),
        "email links": restrict(
            select(EmailLink.external_id).where(EmailLink.linked_account_id == 1),
            EmailLink.external_id,
            dialect,
        ),
        "emails": restrict(select(Email), Email.message_id, dialect),
        "thread starts": restrict(
            select(Email.thread_key, func.min(Email.sent_at)).group_by(Email.thread_key),
            Email.thread_key,
            dialect,
        ),
    }


@pytest.mark.parametrize(
    "name, table, column",
    [
        ("event links", "crm_event_links", "external_id"),
        ("meetings", "crm_events", "ical_uid"),
        ("email links", "crm_email_links", "external_id"),
        ("emails", "crm_emails", "message_id"),
        ("thread starts", "crm_emails", "thread_key"),
    ],
)
def test_page_lookups_probe_the_key_index(db, name, table, column):
    """Each key of the page is one index probe: no whole table, and not every row of the
    account (linked_account_id alone) checked against the page."""
    plan = explain(db, _lookups(db.engine.dialect.name)[name], ["a", "b", "c"])
    assert scans(plan, TABLES) == [], plan
    assert probes(plan, table, column), plan
