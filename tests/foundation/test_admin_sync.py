"""Linked accounts (status, actions, never credentials), and read-only sync runs and problems."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from plugin.models import CalendarEvent, EventLink, LinkedAccount, SyncProblem, SyncRun, utcnow
from tests.foundation.people_helpers import user_id

SECRET = "ya29.super-secret-access-token"


@pytest.fixture
def linked(people, db):
    """Two linked Google accounts for Sam, one with a synced meeting."""
    sam = user_id(db, "sam@crm.example")
    later = utcnow() + timedelta(hours=1)
    first = LinkedAccount(
        user_id=sam,
        provider="google",
        external_email="sam@crm.example",
        credentials={"access_token": SECRET, "refresh_token": "1//refresh-secret"},
        next_sync_at=later,
        last_error="quota exceeded",
        failure_count=2,
    )
    second = LinkedAccount(
        user_id=sam,
        provider="google",
        external_email="sam.seller@gmail.com",
        credentials={"access_token": "other-secret"},
        status="needs_relink",
    )
    db.session.add_all([first, second])
    db.session.flush()
    start = utcnow()
    event = CalendarEvent(
        ical_uid="x@google.com", title="Kick-off", start_at=start, end_at=start, origin="google"
    )
    event.links = [EventLink(linked_account_id=first.id, external_id="evt1")]
    db.session.add(event)
    db.session.commit()
    return first, second


def _action(client, name: str, *accounts):
    data = {"action": name, "rowid": [str(a.id) for a in accounts]}
    return client.post("/admin/crm_linked_accounts/action/", data=data)


def test_list_and_details_never_show_credentials(admin_client, linked):
    first, _ = linked
    pages = [
        admin_client.get("/admin/crm_linked_accounts/").text,
        admin_client.get(f"/admin/crm_linked_accounts/details/?id={first.id}").text,
    ]
    for page in pages:
        assert "sam@crm.example" in page
        assert SECRET not in page and "refresh-secret" not in page
        assert "credentials" not in page.lower()
    assert "quota exceeded" in pages[0] and "Needs re-link" in pages[0]
    assert admin_client.get(f"/admin/crm_linked_accounts/edit/?id={first.id}").status_code == 302
    assert admin_client.get("/admin/crm_linked_accounts/export/csv/").status_code == 302


def test_pause_resume_and_sync_now(admin_client, db, linked):
    first, _ = linked
    _action(admin_client, "pause", first)
    db.session.refresh(first)
    assert first.status == "paused" and first.next_sync_at is None

    _action(admin_client, "resume", first)
    db.session.refresh(first)
    assert first.status == "active" and first.failure_count == 0
    assert first.next_sync_at <= utcnow()

    first.next_sync_at = utcnow() + timedelta(days=1)
    first.status = "error"
    db.session.commit()
    _action(admin_client, "sync_now", first)
    db.session.refresh(first)
    assert first.status == "active" and first.next_sync_at <= utcnow()


def test_needs_relink_account_is_left_for_its_user(admin_client, db, linked):
    _, second = linked
    response = _action(admin_client, "sync_now", second)
    db.session.refresh(second)
    assert second.status == "needs_relink"
    page = admin_client.get(response.location).text
    assert "Needs re-link by its user first" in page


@pytest.fixture
def revocable(app, google_sandbox, monkeypatch, db, linked):
    """The first account holds a real sandbox grant, and the app's Google calls go there."""
    base = google_sandbox.base_url
    for key, value in {
        "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-test",
        "CRM_SYNC_GOOGLE_CLIENT_SECRET": "crm-secret",
        "CRM_SYNC_GOOGLE_TOKEN_URL": f"{base}/token",
        "CRM_SYNC_GOOGLE_REVOKE_URL": f"{base}/revoke",
        "CRM_SYNC_GOOGLE_CALENDAR_URL": f"{base}/calendar/v3",
        "CRM_SYNC_GOOGLE_GMAIL_URL": f"{base}/gmail/v1",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    google_sandbox.add_client("crm-test", "crm-secret", ["http://localhost/cb"])
    google_sandbox.add_user("sam@crm.example")
    first, _ = linked
    first.credentials = google_sandbox.issue_token(
        "sam@crm.example", scopes=["openid", "email"], client_id="crm-test"
    )
    db.session.commit()
    return google_sandbox, first.credentials["refresh_token"]


def _revoked(sandbox, refresh_token: str) -> bool:
    import requests

    resp = requests.post(
        f"{sandbox.base_url}/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token,
              "client_id": "crm-test", "client_secret": "crm-secret"},
    )  # fmt: skip
    return resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("action", ["unlink", "unlink_drop"])
def test_unlink_only_marks_then_the_worker_revokes_and_removes(
    app, admin_client, db, linked, revocable, action
):
    from plugin.sync.scheduler import dispatch

    sandbox, token = revocable
    first, second = linked
    first_id = first.id
    page = _action(admin_client, action, first, second)
    db.session.expire_all()
    # the admin request changed rows only: both marked, nothing revoked or deleted yet
    expected = "unlinking" if action == "unlink" else "unlinking_drop"
    assert {first.status, second.status} == {expected}
    assert first.next_sync_at <= utcnow() and not _revoked(sandbox, token)
    assert db.session.scalar(select(CalendarEvent.title)) == "Kick-off"
    assert "Unlinking" in admin_client.get("/admin/crm_linked_accounts/").text
    assert page.status_code == 302
    # the dispatcher claims both (even the one needing re-link) and finishes them
    assert dispatch(app, "w1") == 2
    db.session.expire_all()
    assert db.session.get(LinkedAccount, first_id) is None
    assert db.session.scalar(select(LinkedAccount)) is None
    assert db.session.scalar(select(EventLink)) is None
    titles = list(db.session.scalars(select(CalendarEvent.title)))
    assert titles == (["Kick-off"] if action == "unlink" else [])
    assert _revoked(sandbox, token)


def test_other_actions_leave_unlinking_accounts_alone(admin_client, db, linked):
    first, _ = linked
    _action(admin_client, "unlink", first)
    resp = _action(admin_client, "sync_now", first)
    assert resp.status_code == 302
    db.session.expire_all()
    assert first.status == "unlinking"
    assert "Already being unlinked" in admin_client.get("/admin/crm_linked_accounts/").text


def test_runs_and_problems_are_read_only_newest_first(admin_client, db, linked):
    first, second = linked
    now = utcnow()
    db.session.add_all(
        [
            SyncRun(linked_account_id=first.id, status="ok", started_at=now - timedelta(hours=2)),
            SyncRun(linked_account_id=first.id, status="failed", started_at=now, error="boom"),
            SyncRun(linked_account_id=second.id, status="ok", started_at=now - timedelta(hours=1)),
            SyncProblem(linked_account_id=first.id, item_kind="event", message="bad start date"),
        ]
    )
    db.session.commit()
    page = admin_client.get("/admin/crm_sync_runs/").text
    assert page.index("boom") < page.index("sam.seller@gmail.com"), "newest first"
    for view in ("crm_sync_runs", "crm_sync_problems"):
        assert admin_client.get(f"/admin/{view}/new/").status_code == 302
        assert admin_client.get(f"/admin/{view}/edit/?id=1").status_code == 302
        admin_client.post(f"/admin/{view}/delete/", data={"id": "1"})
    assert db.session.get(SyncRun, 1) is not None
    assert db.session.get(SyncProblem, 1) is not None
    assert "bad start date" in admin_client.get("/admin/crm_sync_problems/").text


def test_runs_filter_by_account_and_status(admin_client, db, linked):
    first, second = linked
    db.session.add_all(
        [
            SyncRun(linked_account_id=first.id, status="failed", error="first-failed"),
            SyncRun(linked_account_id=first.id, status="ok", error="first-ok"),
            SyncRun(linked_account_id=second.id, status="failed", error="second-failed"),
        ]
    )
    db.session.commit()
    page = admin_client.get("/admin/crm_sync_runs/").text
    filters = _filter_ids(page)
    url = (
        f"/admin/crm_sync_runs/?flt1_{filters['Account']}=sam.seller@gmail.com"
        f"&flt2_{filters['Status']}=failed"
    )
    page = admin_client.get(url).text
    assert "second-failed" in page
    assert "first-failed" not in page and "first-ok" not in page


def _filter_ids(page: str) -> dict[str, str]:
    """Filter group name -> index of its "equals" operation, from the list page."""
    import json
    import re

    raw = re.search(r'id="filter-groups-data"[^>]*>(.*?)</', page, re.S).group(1)
    groups = json.loads(raw)
    return {
        name: str(op["index"])
        for name, ops in groups.items()
        for op in ops
        if op["operation"] == "equals"
    }
