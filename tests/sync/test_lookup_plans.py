"""The engine's per-page lookups probe an index per key, whatever the tables hold.

Written after a regression: joined to the value list, SQLite walked every link of the
account and scanned the page's ids for each, so a page cost grew with the calendar."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, text

from plugin.models import CalendarEvent, Email, EmailLink, EventLink, LinkedAccount, User
from plugin.sync.engine.lookups import (
    account_links,
    emails_by_message_id,
    meetings_by_uid,
    thread_starts,
)
from plugin.sync.value_lists import restrict
from tests.query_plans import explain, probes, scans

TABLES = ("crm_events", "crm_event_links", "crm_emails", "crm_email_links")

# Every lookup the appliers make (plugin/sync/engine/lookups.py), as they make them.
LOOKUPS = {
    "event links": (account_links(EventLink, 1), "crm_event_links", "external_id"),
    "meetings": (meetings_by_uid(), "crm_events", "ical_uid"),
    "email links": (account_links(EmailLink, 1), "crm_email_links", "external_id"),
    "held messages": (
        account_links(EmailLink, 1, EmailLink.external_id, EmailLink.seen_at),
        "crm_email_links",
        "external_id",
    ),
    "emails": (emails_by_message_id(), "crm_emails", "message_id"),
    "thread starts": (thread_starts(), "crm_emails", "thread_key"),
}


ROWS = 2_000


@pytest.fixture
def held(db):
    """Two accounts holding 2,000 meetings and 2,000 emails each, ANALYZEd, so the planner
    weighs a page of keys against tables of a realistic shape rather than empty ones."""
    start = datetime(2025, 1, 6, 9)
    with db.engine.begin() as conn:
        conn.execute(insert(User), [{"id": 1, "name": "U"}])
        conn.execute(
            insert(LinkedAccount),
            [
                {"id": a, "user_id": 1, "provider": "google", "external_email": f"{a}@x.com"}
                for a in (1, 2)
            ],
        )
        n = 2 * ROWS
        conn.execute(
            insert(CalendarEvent),
            [
                {"id": i, "ical_uid": f"uid{i}", "start_at": start, "end_at": start}
                for i in range(1, n + 1)
            ],
        )
        conn.execute(
            insert(EventLink),
            [
                {"event_id": i, "linked_account_id": 1 + i % 2, "external_id": f"e{i}"}
                for i in range(1, n + 1)
            ],
        )
        conn.execute(
            insert(Email),
            [
                {
                    "id": i,
                    "message_id": f"<m{i}@x>",
                    "thread_key": f"t{i // 3}",
                    "sent_at": start,
                    "thread_started_on": start.date(),
                }
                for i in range(1, n + 1)
            ],
        )
        conn.execute(
            insert(EmailLink),
            [
                {"email_id": i, "linked_account_id": 1 + i % 2, "external_id": f"g{i}"}
                for i in range(1, n + 1)
            ],
        )
        conn.execute(text("ANALYZE"))
    return db


@pytest.mark.parametrize("name", sorted(LOOKUPS))
def test_page_lookups_probe_the_key_index(held, name):
    """Each key of the page is one index probe: no whole table, and not every row of the
    account (linked_account_id alone) checked against the page."""
    (query, column), table, key = LOOKUPS[name]
    statement = restrict(query, column, held.engine.dialect.name)
    plan = explain(held, statement, [f"e{i}" for i in range(1, 60, 2)])
    assert scans(plan, TABLES) == [], plan
    assert probes(plan, table, key), plan
