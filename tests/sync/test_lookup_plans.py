"""The engine's per-page lookups probe an index per key, whatever the tables hold.

Written after a regression: joined to the value list, SQLite walked every link of the
account and scanned the page's ids for each, so a page cost grew with the calendar."""

from __future__ import annotations

import pytest

from plugin.models import EmailLink, EventLink
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


@pytest.mark.parametrize("name", sorted(LOOKUPS))
def test_page_lookups_probe_the_key_index(db, name):
    """Each key of the page is one index probe: no whole table, and not every row of the
    account (linked_account_id alone) checked against the page."""
    (query, column), table, key = LOOKUPS[name]
    plan = explain(db, restrict(query, column, db.engine.dialect.name), ["a", "b", "c"])
    assert scans(plan, TABLES) == [], plan
    assert probes(plan, table, key), plan
