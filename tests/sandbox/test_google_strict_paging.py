"""Issue 19: pages may be short, even empty, and still carry a nextPageToken.

Driven with the real google-api-python-client, following pages with its ``list_next``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from google_contract_helpers import ANN, event


def _pages(collection, key: str, **params) -> list[dict]:
    """Every page, as a client that follows nextPageToken to the end sees them."""
    out, request = [], collection.list(**params)
    while request is not None:
        page = request.execute()
        out.append(page)
        request = collection.list_next(request, page)
    assert len(out) < 200, "paging did not end"
    return out


def _seed_events(sb, n: int) -> None:
    for i in range(n):
        start = datetime(2024, 5, 1, 9, tzinfo=UTC) + timedelta(hours=i)
        sb.calendar.insert_event(
            ANN,
            event(f"e{i:02d}", start.isoformat(), (start + timedelta(minutes=30)).isoformat()),
        )


# https://developers.google.com/calendar/api/v3/reference/events/list (maxResults: "The
# number of events in the resulting page may be less than this value, or none at all, even
# if there are more events matching the query. Incomplete pages can be detected by a
# non-empty nextPageToken field in the response.")
def test_calendar_pages_can_be_short_or_empty_and_still_continue(cal, sb):
    _seed_events(sb, 30)
    sb.short_pages.rate = 0.6
    pages = _pages(cal.events(), "items", calendarId="primary", maxResults=5)
    sizes = [len(p["items"]) for p in pages]
    assert any(s < 5 for s in sizes[:-1]), sizes  # a short page that was not the last
    assert 0 in sizes[:-1], sizes  # an empty page with a nextPageToken
    assert all("nextPageToken" in p for p in pages[:-1])
    assert "nextSyncToken" in pages[-1] and "nextSyncToken" not in pages[0]
    got = [e["summary"] for p in pages for e in p["items"]]
    assert sorted(got) == [f"e{i:02d}" for i in range(30)]  # nothing lost, nothing twice


# https://developers.google.com/calendar/api/v3/reference/events/list (as above)
def test_a_client_stopping_on_a_short_page_misses_events(cal, sb):
    _seed_events(sb, 12)
    sb.short_pages.rate = 1.0
    first = cal.events().list(calendarId="primary", maxResults=20).execute()
    assert len(first["items"]) < 12 and "nextPageToken" in first
    assert "nextSyncToken" not in first


# https://developers.google.com/calendar/api/guides/sync (incremental sync pages the same way;
# nextSyncToken comes only on the last page)
def test_incremental_sync_pages_are_short_too(cal, sb):
    token = cal.events().list(calendarId="primary").execute()["nextSyncToken"]
    _seed_events(sb, 15)
    sb.short_pages.rate = 0.6
    pages = _pages(cal.events(), "items", calendarId="primary", syncToken=token, maxResults=4)
    assert any(len(p["items"]) < 4 for p in pages[:-1])
    assert len({e["id"] for p in pages for e in p["items"]}) == 15
    assert "nextSyncToken" in pages[-1]


# https://developers.google.com/gmail/api/reference/rest/v1/users.messages/list and
# https://developers.google.com/gmail/api/reference/rest/v1/users.history/list (nextPageToken
# is the only end-of-list signal; the page size is at most maxResults)
@pytest.mark.parametrize("kind", ["messages", "history"])
def test_gmail_pages_can_be_short_and_still_continue(gmail, sb, kind):
    start = sb.gmail.history_id(ANN)
    for i in range(25):
        sb.gmail.add_message(
            ANN,
            from_="c@globex.com",
            to=[ANN],
            subject=f"m{i}",
            body_text="hi",
            date=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(minutes=i),
        )
    sb.short_pages.rate = 0.6
    users = gmail.users()
    if kind == "messages":
        pages = _pages(users.messages(), "messages", userId="me", maxResults=4)
        ids = [m["id"] for p in pages for m in p.get("messages", [])]
    else:
        pages = _pages(users.history(), "history", userId="me", startHistoryId=start, maxResults=4)
        ids = [h["id"] for p in pages for h in p.get("history", [])]
    sizes = [len(p.get(kind, [])) for p in pages]
    assert any(s < 4 for s in sizes[:-1]), sizes
    assert len(ids) == len(set(ids)) == 25
