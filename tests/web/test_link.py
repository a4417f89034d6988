"""The link flow against the Google sandbox: detection, consent, and every way it can fail."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from sqlalchemy import func, select

from plugin.models import LinkedAccount

CALLBACK = "http://localhost/crm-sync/link/google/callback"


@pytest.fixture
def google(app, google_sandbox, monkeypatch):
    """The app's Google client pointed at the sandbox, with a registered client and a user."""
    base = google_sandbox.base_url
    for key, value in {
        "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-web",
        "CRM_SYNC_GOOGLE_CLIENT_SECRET": "crm-secret",
        "CRM_SYNC_GOOGLE_AUTHORIZE_URL": f"{base}/o/oauth2/v2/auth",
        "CRM_SYNC_GOOGLE_TOKEN_URL": f"{base}/token",
        "CRM_SYNC_GOOGLE_USERINFO_URL": f"{base}/v1/userinfo",
        "CRM_SYNC_GOOGLE_JWKS_URL": f"{base}/oauth2/v3/certs",
        "CRM_SYNC_GOOGLE_REVOKE_URL": f"{base}/revoke",
        "CRM_SYNC_GOOGLE_CALENDAR_URL": f"{base}/calendar/v3",
        "CRM_SYNC_GOOGLE_GMAIL_URL": f"{base}/gmail/v1",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setattr(app.extensions["crm_sync"], "oauth", None, raising=False)
    google_sandbox.add_client("crm-web", "crm-secret", [CALLBACK], name="CRM Sync")
    google_sandbox.add_user("pat@gmail.com", name="Pat", password="pw")
    return google_sandbox


def start(client) -> str:
    """Press Continue; returns the sandbox authorize URL."""
    resp = client.post("/crm-sync/link/google/start", data={"login_hint": "pat@gmail.com"})
    assert resp.status_code == 302
    return resp.headers["Location"]


def consent(url: str, action: str = "allow", email: str = "pat@gmail.com") -> str:
    """Fill in the sandbox consent form like a browser; returns the callback URL."""
    page = requests.get(url, timeout=5)
    assert page.status_code == 200, page.text
    action_url = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', page.text).group(1))
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    data = [(k, html.unescape(v)) for k, v in hidden if k != "scope_selection"]
    data += [("email", email), ("password", "pw"), ("action", action)]
    resp = requests.post(urljoin(url, action_url), data=data, allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text
    return resp.headers["Location"]


def come_back(client, location: str):
    assert location.startswith(CALLBACK)
    return client.get(location.removeprefix("http://localhost"), follow_redirects=True)


def linked_count(db) -> int:
    return db.session.scalar(select(func.count(LinkedAccount.id)))


def test_anonymous_visitor_is_sent_to_log_in(client):
    resp = client.get("/crm-sync/link/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_gmail_user_sees_google_detected(google, client, world, login):
    login(world.user("pat@gmail.com"))
    page = client.get("/crm-sync/link/").get_data(as_text=True)
    assert 'id="detected-provider">Google<' in page
    assert "Continue" in page and "Select a Different Provider" in page


def test_configured_workspace_domain_maps_to_google(google, app, client, world, login, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_SYNC_PROVIDER_DOMAINS", {"Acme.com": "google"})
    login(world.user("tess@acme.com"))
    assert 'id="detected-provider">Google<' in client.get("/crm-sync/link/").get_data(True)


def test_unknown_domain_goes_straight_to_the_choice(google, client, world, login):
    login(world.user("riley@crm.example"))
    resp = client.get("/crm-sync/link/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/crm-sync/link/providers")
    page = client.get("/crm-sync/link/providers").get_data(as_text=True)
    assert 'data-provider="google"' in page
    # Microsoft 365 and Exchange do not work here yet, so they are not offered.
    assert 'data-provider="microsoft"' not in page and 'data-provider="exchange"' not in page


def test_no_configured_provider_lists_nothing(app, client, world, login):
    assert not app.config.get("CRM_SYNC_GOOGLE_CLIENT_ID")
    login(world.user("pat@gmail.com"))
    resp = client.get("/crm-sync/link/", follow_redirects=True)
    assert 'id="no-providers"' in resp.get_data(as_text=True)
    assert client.post("/crm-sync/link/google/start").status_code == 404


def test_start_asks_for_offline_consent_with_state_and_pkce(google, client, world, login):
    login(world.user("pat@gmail.com"))
    query = parse_qs(urlparse(start(client)).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["login_hint"] == ["pat@gmail.com"]
    assert query["redirect_uri"] == [CALLBACK]
    scopes = set(query["scope"][0].split())
    assert {"openid", "email", "profile"} <= scopes
    assert "https://www.googleapis.com/auth/calendar" in scopes
    assert "https://www.googleapis.com/auth/gmail.readonly" in scopes


def test_consent_links_the_account_and_requests_the_first_sync(google, client, db, world, login):
    user = login(world.user("pat@gmail.com"))
    page = come_back(client, consent(start(client))).get_data(as_text=True)
    assert (
        "Google account pat@gmail.com linked: Calendar and Email. The first sync has started."
        in page
    )
    account = db.session.scalar(select(LinkedAccount))
    assert account.user_id == user.id and account.status == "active"
    assert account.credentials["refresh_token"] and "id_token" not in account.credentials
    assert account.next_sync_at is not None and account.sync_calendar and account.sync_email


def test_relinking_updates_the_same_link(google, client, db, world, login):
    login(world.user("pat@gmail.com"))
    come_back(client, consent(start(client)))
    first = db.session.scalar(select(LinkedAccount))
    first_id, first_token = first.id, first.credentials["refresh_token"]
    first.status = "needs_relink"
    db.session.commit()
    page = come_back(client, consent(start(client))).get_data(as_text=True)
    assert "re-linked" in page
    db.session.expire_all()
    assert linked_count(db) == 1
    again = db.session.get(LinkedAccount, first_id)
    assert again.status == "active" and again.credentials["refresh_token"] != first_token


def test_denied_consent_links_nothing(google, client, db, world, login):
    login(world.user("pat@gmail.com"))
    location = consent(start(client), action="deny")
    assert "error=access_denied" in location
    page = come_back(client, location).get_data(as_text=True)
    assert "Google access was not allowed, so nothing was linked." in page
    assert linked_count(db) == 0


def test_replayed_callback_is_refused(google, client, db, world, login):
    login(world.user("pat@gmail.com"))
    location = consent(start(client))
    come_back(client, location)
    db.session.execute(LinkedAccount.__table__.delete())
    db.session.commit()
    page = come_back(client, location).get_data(as_text=True)
    assert "expired or was already used" in page
    assert linked_count(db) == 0


def test_forged_state_is_refused(google, client, db, world, login):
    login(world.user("pat@gmail.com"))
    location = consent(start(client))
    forged = re.sub(r"state=[^&]+", "state=forged", location)
    page = come_back(client, forged).get_data(as_text=True)
    assert "expired or was already used" in page and linked_count(db) == 0


def test_unreachable_provider_links_nothing(google, client, db, world, login):
    login(world.user("pat@gmail.com"))
    location = consent(start(client))
    google.set_unreachable("closed")
    try:
        page = come_back(client, location).get_data(as_text=True)
    finally:
        google.set_unreachable(None)
    assert "Google could not be reached, so nothing was linked." in page
    assert linked_count(db) == 0


def test_account_linked_by_another_user_is_refused(google, client, db, world, login):
    other = world.user("owner@crm.example")
    world.linked(other, "pat@gmail.com")
    login(world.user("pat@gmail.com"))
    page = come_back(client, consent(start(client))).get_data(as_text=True)
    assert "pat@gmail.com is already linked by another CRM user" in page
    rows = db.session.scalars(select(LinkedAccount)).all()
    assert [(r.user_id, r.credentials["refresh_token"]) for r in rows] == [(other.id, "r")]


def test_id_token_that_does_not_verify_links_nothing(
    google, app, client, db, world, login, monkeypatch
):
    from joserfc.jwk import RSAKey

    from plugin import oauth

    login(world.user("pat@gmail.com"))
    location = consent(start(client))
    stranger = RSAKey.generate_key(2048, parameters={"kid": "not-google"})
    with app.test_request_context():
        google_client = oauth.client("crm_google")
    monkeypatch.setattr(
        google_client,
        "fetch_jwk_set",
        lambda force=False: {"keys": [stranger.as_dict(private=False)]},
    )
    page = come_back(client, location).get_data(as_text=True)
    assert "could not be verified" in page and linked_count(db) == 0


def test_other_provider_errors_are_reported(google, client, db, world, login):
    login(world.user("pat@gmail.com"))
    page = client.get(
        "/crm-sync/link/google/callback?error=server_error&state=x", follow_redirects=True
    ).get_data(as_text=True)
    assert "Google refused the request (server_error); nothing was linked." in page
    assert linked_count(db) == 0


GMAIL = "https://www.googleapis.com/auth/gmail.readonly"
CALENDAR = "https://www.googleapis.com/auth/calendar"


def consent_without(url: str, refused: str, email: str = "pat@gmail.com") -> str:
    """Untick one scope on the sandbox consent page, allow the rest."""
    page = requests.get(url, timeout=5)
    action_url = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', page.text).group(1))
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    offered = re.findall(r'<input type="checkbox" name="granted_scope" value="([^"]+)"', page.text)
    data = [(k, html.unescape(v)) for k, v in hidden]
    data += [("granted_scope", s) for s in offered if s != refused]
    data += [("email", email), ("password", "pw"), ("action", "allow")]
    resp = requests.post(urljoin(url, action_url), data=data, allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text
    return resp.headers["Location"]


def test_a_feed_not_granted_is_named_then_relinked_for_alone(google, client, db, world, login):
    """Link with Gmail unticked; tick Email; the profile asks for that permission only, and
    the account (and its calendar) stays active meanwhile."""
    login(world.user("pat@gmail.com"))
    page = come_back(client, consent_without(start(client), GMAIL)).get_data(as_text=True)
    assert "linked: Calendar only — Email was not granted. The first sync has started." in page
    account = db.session.scalar(select(LinkedAccount))
    assert CALENDAR in account.granted_scopes and GMAIL not in account.granted_scopes
    assert account.sync_calendar and not account.sync_email

    resp = client.post(
        f"/crm-sync/settings/accounts/{account.id}/options",
        data={f"a{account.id}-sync_calendar": "y", f"a{account.id}-sync_email": "y"},
        follow_redirects=True,
    )
    page = resp.get_data(as_text=True)
    assert "Email needs permission from Google" in page
    assert "Email: needs permission" in page and 'data-feed="mail"' in page
    assert 'name="feed" type="hidden" value="mail"' in page
    assert 'data-feed="calendar"' not in page
    assert 'data-field="status_text">Active<' in page  # not "Needs re-link"
    db.session.expire_all()
    assert db.session.get(LinkedAccount, account.id).status == "active"

    # Re-link for Email asks Google for the Gmail scope alone, adding to what was granted.
    resp = client.post(
        "/crm-sync/link/google/start", data={"login_hint": "pat@gmail.com", "feed": "mail"}
    )
    url = resp.headers["Location"]
    query = parse_qs(urlparse(url).query)
    assert set(query["scope"][0].split()) == {"openid", "email", "profile", GMAIL}
    assert query["include_granted_scopes"] == ["true"]
    page = come_back(client, consent(url)).get_data(as_text=True)
    assert "pat@gmail.com re-linked: Calendar and Email." in page
    assert "needs permission" not in page
    db.session.expire_all()
    account = db.session.get(LinkedAccount, account.id)
    assert {CALENDAR, GMAIL} <= set(account.granted_scopes)
    assert account.sync_calendar and account.sync_email and account.status == "active"


def test_an_unknown_feed_asks_for_the_full_grant(google, client, world, login):
    login(world.user("pat@gmail.com"))
    resp = client.post(
        "/crm-sync/link/google/start", data={"login_hint": "pat@gmail.com", "feed": "fax"}
    )
    query = parse_qs(urlparse(resp.headers["Location"]).query)
    assert {CALENDAR, GMAIL} <= set(query["scope"][0].split())
    assert "include_granted_scopes" not in query


def test_an_expired_id_token_links_nothing_and_says_so(google, client, db, world, login):
    """A claim Authlib refuses (here: exp, the stand-in's clock a day behind) is a clear
    message, not a server error."""
    import time

    login(world.user("pat@gmail.com"))
    url = start(client)
    google.clock.set(time.time() - 86400)
    resp = come_back(client, consent(url))
    assert resp.status_code == 200
    assert "could not be verified" in resp.get_data(as_text=True) and linked_count(db) == 0
