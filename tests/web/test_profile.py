"""Calendar & Email Settings: status in words, progress, options, actions, unlink, access."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from plugin.models import CalendarEvent, LinkedAccount, SyncRun, utcnow

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"


def test_statuses_in_words_and_relink_button(client, world, login):
    user = login(world.user("sam@crm.example"))
    world.linked(
        user, "sam@gmail.com", last_sync_at=utcnow() - timedelta(minutes=5), initial_sync_done=True
    )
    world.linked(
        user,
        "sam2@gmail.com",
        status="needs_relink",
        last_error="Token revoked",
        initial_sync_done=True,
    )
    world.linked(user, "sam3@gmail.com", status="paused", initial_sync_done=True)
    world.linked(
        user,
        "sam4@gmail.com",
        lease_owner="w1",
        lease_expires_at=utcnow() + timedelta(minutes=5),
        initial_sync_done=True,
    )
    page = client.get("/crm-sync/settings/").get_data(as_text=True)
    assert "5 minutes ago" in page and "Token revoked" in page
    for words in ("Active", "Needs re-link", "Paused", "Syncing now"):
        assert f'data-field="status_text">{words}<' in page
    assert page.count('class="btn btn-warning btn-sm relink"') == 1
    assert 'name="login_hint" type="hidden" value="sam2@gmail.com"' in page


def test_first_sync_progress_from_the_running_run(client, world, login, db):
    user = login(world.user("sam@crm.example"))
    account = world.linked(user, "sam@gmail.com")
    db.session.add(
        SyncRun(
            linked_account_id=account.id,
            status="running",
            fetched=12,
            created=7,
            full_sync=True,
            trigger="link",
        )
    )
    db.session.commit()
    world.event("Kickoff", datetime(2026, 3, 10, 15), datetime(2026, 3, 10, 16), account)
    world.event("Review", datetime(2026, 3, 11, 15), datetime(2026, 3, 11, 16), account)
    world.email("Hello", date(2026, 3, 10), account)
    page = client.get("/crm-sync/settings/").get_data(as_text=True)
    assert 'data-initial-done="false"' in page
    assert 'data-field="progress_text">2 meetings, 1 email so far<' in page
    data = client.get("/crm-sync/settings/status.json").get_json()
    (item,) = data["accounts"]
    assert item["initial_sync_done"] is False and item["progress"]["fetched"] == 12
    assert item["status_text"] == "Active" and item["synced"] == "2 meetings, 1 email"


def test_settings_state_the_window_and_what_was_synced_in_plain_words(client, world, login, db):
    from plugin.settings import get_settings

    user = login(world.user("sam@crm.example", tz="Europe/Berlin"))
    account = world.linked(user, "sam@gmail.com", initial_sync_done=True)
    world.email("Hello", date(2026, 3, 10), account)
    settings = get_settings()
    settings.window_past_days, settings.window_future_days = 1, 90
    db.session.commit()
    page = client.get("/crm-sync/settings/").get_data(as_text=True)
    assert "Meetings and emails sync from 1 day ago to 90 days ahead." in page
    assert "Times are shown in Europe/Berlin." in page
    assert 'data-field="synced">0 meetings, 1 email<' in page
    # no error is not an alarm; an error is
    assert 'class="col-sm-9 text-muted" data-field="last_error">none<' in page
    account.last_error = "Google refused the request"
    db.session.commit()
    page = client.get("/crm-sync/settings/").get_data(as_text=True)
    assert 'class="col-sm-9 text-danger" data-field="last_error">Google refused' in page


def test_status_endpoint_lists_only_own_accounts(client, world, login):
    other = world.user("riley@crm.example")
    world.linked(other, "riley@gmail.com")
    login(world.user("sam@crm.example"))
    assert client.get("/crm-sync/settings/status.json").get_json() == {"accounts": []}


def test_options_pause_resume_and_sync_now(client, world, login, db):
    user = login(world.user("sam@crm.example"))
    account = world.linked(user, "sam@gmail.com", next_sync_at=None)
    resp = client.post(
        f"/crm-sync/settings/accounts/{account.id}/options",
        data={f"a{account.id}-sync_calendar": "y"},
        follow_redirects=True,
    )
    assert "Saved what to sync" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert account.sync_calendar and not account.sync_email

    client.post(f"/crm-sync/settings/accounts/{account.id}/pause")
    db.session.expire_all()
    assert account.status == "paused" and account.next_sync_at is None
    page = client.post(
        f"/crm-sync/settings/accounts/{account.id}/sync-now", follow_redirects=True
    ).get_data(as_text=True)
    assert "cannot sync until that is resolved" in page

    client.post(f"/crm-sync/settings/accounts/{account.id}/resume")
    db.session.expire_all()
    assert account.status == "active" and account.next_sync_at is not None
    account.next_sync_at = None
    db.session.commit()
    client.post(f"/crm-sync/settings/accounts/{account.id}/sync-now")
    db.session.expire_all()
    assert account.next_sync_at is not None


def test_another_users_account_cannot_be_touched(client, world, login, db):
    other = world.user("riley@crm.example")
    theirs = world.linked(other, "riley@gmail.com")
    login(world.user("sam@crm.example", admin=False))
    for action in ("pause", "resume", "sync-now", "unlink", "options"):
        assert client.post(f"/crm-sync/settings/accounts/{theirs.id}/{action}").status_code == 404
    assert client.get(f"/crm-sync/settings/accounts/{theirs.id}/unlink").status_code == 404
    db.session.expire_all()
    assert theirs.status == "active"


def _sandbox_token(app, google_sandbox, monkeypatch, *emails) -> dict:
    """The app's Google calls sent to the sandbox; a sandbox grant for each address."""
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
    tokens = {}
    for email in emails:
        google_sandbox.add_user(email)
        tokens[email] = google_sandbox.issue_token(
            email, scopes=["openid", "email", CALENDAR_SCOPE], client_id="crm-test"
        )
    return tokens


def _revoked(google_sandbox, token: dict) -> bool:
    import requests

    resp = requests.post(
        f"{google_sandbox.base_url}/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"],
              "client_id": "crm-test", "client_secret": "crm-secret"},
    )  # fmt: skip
    return resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_unlink_asks_then_the_worker_revokes_and_keeps_or_removes_items(
    app, client, world, login, db, google_sandbox, monkeypatch
):
    from plugin.sync.scheduler import dispatch

    tokens = _sandbox_token(app, google_sandbox, monkeypatch, "keep@gmail.com", "drop@gmail.com")
    user = login(world.user("sam@crm.example"))
    keep = world.linked(user, "keep@gmail.com", next_sync_at=None)
    drop = world.linked(user, "drop@gmail.com", next_sync_at=None)
    keep.credentials, drop.credentials = tokens["keep@gmail.com"], tokens["drop@gmail.com"]
    db.session.commit()
    start = utcnow().replace(microsecond=0)
    world.event("Kept meeting", start, start + timedelta(hours=1), keep)
    world.event("Dropped meeting", start, start + timedelta(hours=1), drop)
    page = client.get(f"/crm-sync/settings/accounts/{keep.id}/unlink").get_data(as_text=True)
    assert "Keep the items already synced" in page and "Remove them" in page
    resp = client.post(
        f"/crm-sync/settings/accounts/{keep.id}/unlink",
        data={"keep_items": "keep"},
        follow_redirects=True,
    )
    assert "was unlinked. The items already synced are kept." in resp.get_data(as_text=True)
    client.post(f"/crm-sync/settings/accounts/{drop.id}/unlink", data={"keep_items": "remove"})
    # the views only marked the accounts: they left the user's list, nothing was revoked yet
    assert client.get("/crm-sync/settings/status.json").get_json() == {"accounts": []}
    assert 'data-field="status_text"' not in client.get("/crm-sync/settings/").get_data(
        as_text=True
    )
    db.session.expire_all()
    assert {a.status for a in db.session.scalars(select(LinkedAccount))} == {
        "unlinking",
        "unlinking_drop",
    }
    assert not _revoked(google_sandbox, tokens["keep@gmail.com"])
    assert dispatch(app, "w1") == 2  # the worker revokes and removes
    db.session.expire_all()
    assert db.session.scalars(select(LinkedAccount)).all() == []
    assert [e.title for e in db.session.scalars(select(CalendarEvent))] == ["Kept meeting"]
    assert _revoked(google_sandbox, tokens["keep@gmail.com"])
    assert _revoked(google_sandbox, tokens["drop@gmail.com"])


def test_recent_runs_are_listed(client, world, login, db):
    user = login(world.user("sam@crm.example"))
    account = world.linked(user, "sam@gmail.com", initial_sync_done=True)
    db.session.add(
        SyncRun(
            linked_account_id=account.id,
            status="failed",
            error="Google 503",
            finished_at=utcnow(),
            duration_ms=1500,
        )
    )
    db.session.commit()
    page = client.get("/crm-sync/settings/").get_data(as_text=True)
    assert 'id="sync-runs"' in page and "Google 503" in page and "1.5 s" in page


def test_a_user_sets_their_own_time_zone_and_pages_follow_it(client, world, login, db):
    user = login(world.user("sam@crm.example"))
    page = client.get("/crm-sync/settings/").get_data(as_text=True)
    assert '<option selected value="UTC">UTC</option>' in page
    resp = client.post("/crm-sync/settings/timezone", data={"timezone": "America/New_York"})
    assert resp.status_code == 302
    db.session.refresh(user)
    assert user.timezone == "America/New_York"
    page = client.get("/crm-sync/settings/").get_data(as_text=True)
    assert "Times are now shown in America/New York." in page
    assert "Times are shown in America/New_York." in page
    calendar = client.get("/crm-sync/calendar/").get_data(as_text=True)
    assert 'data-time-zone="America/New_York"' in calendar


def test_an_unknown_time_zone_is_refused_and_changes_nothing(client, world, login, db):
    user = login(world.user("sam@crm.example", tz="Europe/Berlin"))
    resp = client.post("/crm-sync/settings/timezone", data={"timezone": "Mars/Olympus_Mons"})
    assert resp.status_code == 302
    db.session.refresh(user)
    assert user.timezone == "Europe/Berlin"
    assert "Choose a time zone from the list." in client.get("/crm-sync/settings/").get_data(True)
