"""The Microsoft 365 link flow against the identity platform stand-in: detection, the
authorization request (state, PKCE, scopes), the callback's checks, and every message a user
can meet on the way."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pytest
import requests
from sqlalchemy import func, select, text

from plugin.models import LinkedAccount
from plugin.sync.providers.microsoft.identity import CONSUMERS_TENANT, tenant_allowed

CALLBACK = "http://localhost/crm-sync/link/microsoft/callback"
PAT = "pat@contoso.com"
ALL = {"openid", "offline_access", "User.Read", "Calendars.ReadWrite", "Mail.Read"}


@pytest.fixture
def microsoft(app, microsoft_sandbox, monkeypatch):
    """The app's Microsoft client pointed at the stand-in, our app registered there (user
    consent allowed), contoso.com a Microsoft 365 domain, and Pat a user of the tenant."""
    base = microsoft_sandbox.base_url
    for key, value in {
        "CRM_SYNC_MICROSOFT_CLIENT_ID": "crm-web",
        "CRM_SYNC_MICROSOFT_CLIENT_SECRET": "crm-secret",
        "CRM_SYNC_MICROSOFT_TENANT": "common",
        "CRM_SYNC_MICROSOFT_LOGIN_URL": base,
        "CRM_SYNC_MICROSOFT_GRAPH_URL": f"{base}/v1.0",
        "CRM_SYNC_PROVIDER_DOMAINS": {"contoso.com": "microsoft"},
    }.items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setattr(app.extensions["crm_sync"], "oauth", None, raising=False)
    microsoft_sandbox.add_client("crm-web", "crm-secret", [CALLBACK], name="CRM Sync")
    microsoft_sandbox.add_user(PAT, name="Pat", password="pw")
    return microsoft_sandbox


def start(client, **data) -> str:
    """Press Continue; returns the identity platform's authorize URL."""
    resp = client.post("/crm-sync/link/microsoft/start", data={"login_hint": PAT, **data})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.headers["Location"]


def sign_in(url: str, action: str = "allow", email: str = PAT, password: str = "pw") -> str:
    """Fill in the stand-in's sign-in and consent form as a browser does; returns where it
    sends the browser back to."""
    page = requests.get(url, timeout=5)
    assert page.status_code == 200, page.text
    action_url = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', page.text).group(1))
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    data = [(k, html.unescape(v)) for k, v in hidden]
    data += [("email", email), ("password", password), ("action", action)]
    resp = requests.post(urljoin(url, action_url), data=data, allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text
    return resp.headers["Location"]


def come_back(client, location: str):
    assert location.startswith(CALLBACK), location
    return client.get(location.removeprefix("http://localhost"), follow_redirects=True)


def scopes_of(url: str) -> set[str]:
    return set(parse_qs(urlparse(url).query)["scope"][0].split())


def linked_count(db) -> int:
    return db.session.scalar(select(func.count(LinkedAccount.id)))


def test_a_microsoft_365_domain_shows_microsoft_detected(microsoft, client, world, login):
    login(world.user(PAT))
    page = client.get("/crm-sync/link/").get_data(as_text=True)
    assert 'id="detected-provider">Microsoft 365<' in page
    assert 'action="/crm-sync/link/microsoft/start"' in page
    assert "Continue" in page and "Select a Different Provider" in page


def test_outlook_com_is_microsoft_without_configuration(microsoft, app, client, world, login):
    app.config["CRM_SYNC_PROVIDER_DOMAINS"] = {}
    login(world.user("pat@outlook.com"))
    assert 'id="detected-provider">Microsoft 365<' in client.get("/crm-sync/link/").get_data(True)


def test_the_choice_offers_microsoft_365_only_when_configured(microsoft, app, client, world, login):
    login(world.user("riley@crm.example"))
    page = client.get("/crm-sync/link/providers").get_data(as_text=True)
    assert 'data-provider="microsoft"' in page and "Microsoft 365" in page
    app.config["CRM_SYNC_MICROSOFT_CLIENT_ID"] = None
    app.extensions["crm_sync"].oauth = None
    page = client.get("/crm-sync/link/providers").get_data(as_text=True)
    assert 'data-provider="microsoft"' not in page
    assert client.post("/crm-sync/link/microsoft/start").status_code == 404


def test_start_asks_the_tenant_for_a_code_with_state_pkce_and_every_scope(
    microsoft, client, world, login
):
    login(world.user(PAT))
    url = start(client)
    assert url.startswith(f"{microsoft.base_url}/common/oauth2/v2.0/authorize?")
    query = parse_qs(urlparse(url).query)
    assert query["response_type"] == ["code"] and query["client_id"] == ["crm-web"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["login_hint"] == [PAT]
    assert query["redirect_uri"] == [CALLBACK]
    assert scopes_of(url) == ALL
    assert "client_secret" not in query


def test_mail_read_is_asked_only_while_email_is_synced(microsoft, client, world, login):
    user = login(world.user(PAT))
    world.linked(user, PAT, provider="microsoft", sync_email=False)
    assert scopes_of(start(client)) == ALL - {"Mail.Read"}
    # Ticking Email again: its re-link asks for Mail.Read too.
    assert scopes_of(start(client, feed="mail")) == ALL


def test_consent_links_the_mailbox_with_its_refresh_token_encrypted(
    microsoft, client, db, world, login
):
    user = login(world.user(PAT))
    page = come_back(client, sign_in(start(client))).get_data(as_text=True)
    assert (
        f"Microsoft 365 account {PAT} linked: Calendar and Email. The first sync has started."
        in page
    )
    account = db.session.scalar(select(LinkedAccount))
    assert (account.user_id, account.provider, account.external_email) == (
        user.id,
        "microsoft",
        PAT,
    )
    assert account.status == "active" and account.next_sync_at is not None
    assert account.sync_calendar and account.sync_email
    refresh = account.credentials["refresh_token"]
    assert refresh in microsoft.state.refresh_tokens
    assert "id_token" not in account.credentials and "userinfo" not in account.credentials
    assert account.credentials["expires_at"] > 0
    assert {"Calendars.ReadWrite", "Mail.Read", "User.Read"} <= set(account.granted_scopes)
    raw = db.session.execute(text("SELECT credentials FROM crm_linked_accounts")).scalar_one()
    assert refresh not in str(raw) and account.credentials["access_token"] not in str(raw)


def test_a_tenant_given_by_its_id_links_its_own_users(microsoft, app, client, db, world, login):
    app.config["CRM_SYNC_MICROSOFT_TENANT"] = microsoft.tenant_id
    login(world.user(PAT))
    url = start(client)
    assert url.startswith(f"{microsoft.base_url}/{microsoft.tenant_id}/oauth2/v2.0/authorize")
    assert "linked: Calendar and Email" in come_back(client, sign_in(url)).get_data(True)
    assert linked_count(db) == 1


def test_without_email_sync_only_the_calendar_is_granted(microsoft, client, db, world, login):
    user = login(world.user(PAT))
    world.linked(user, PAT, provider="microsoft", sync_email=False, status="needs_relink")
    page = come_back(client, sign_in(start(client))).get_data(as_text=True)
    assert f"{PAT} re-linked: Calendar only — Email was not granted." in page
    db.session.expire_all()
    account = db.session.scalar(select(LinkedAccount))
    assert "Mail.Read" not in account.granted_scopes and not account.sync_email
    assert account.status == "active" and account.sync_calendar


def test_declined_consent_links_nothing_and_says_so(microsoft, client, db, world, login):
    login(world.user(PAT))
    location = sign_in(start(client), action="deny")
    assert "error=access_denied" in location and "AADSTS65004" in location
    page = come_back(client, location).get_data(as_text=True)
    assert "Microsoft 365 access was not allowed, so nothing was linked." in page
    assert "select Accept" in page
    assert "AADSTS" not in page and "declined to consent" not in page
    assert linked_count(db) == 0


def test_consent_only_an_administrator_may_give_is_explained(microsoft, client, db, world, login):
    microsoft.state.user_consent_allowed = False
    login(world.user(PAT))
    location = sign_in(start(client))
    assert "AADSTS90094" in location
    page = come_back(client, location).get_data(as_text=True)
    assert "only an administrator" in page and "grant admin consent" in page
    assert "The grant requires admin permission" not in page
    assert linked_count(db) == 0
    # Once the administrator has consented for the tenant, the same user links.
    microsoft.state.apps["crm-web"].admin_consented = True
    assert "linked: Calendar and Email" in come_back(client, sign_in(start(client))).get_data(True)


def test_a_mailbox_linked_by_another_crm_user_is_refused(microsoft, client, db, world, login):
    other = world.user("owner@crm.example")
    world.linked(other, PAT, provider="microsoft")
    login(world.user(PAT))
    page = come_back(client, sign_in(start(client))).get_data(as_text=True)
    assert f"{PAT} is already linked by another CRM user, so it cannot be linked here." in page
    rows = db.session.scalars(select(LinkedAccount)).all()
    assert [(r.user_id, r.credentials["refresh_token"]) for r in rows] == [(other.id, "r")]


def test_a_replayed_callback_is_refused(microsoft, client, db, world, login):
    login(world.user(PAT))
    location = sign_in(start(client))
    come_back(client, location)
    db.session.execute(LinkedAccount.__table__.delete())
    db.session.commit()
    page = come_back(client, location).get_data(as_text=True)
    assert "expired or was already used" in page and linked_count(db) == 0


def test_a_forged_state_is_refused_before_the_code_is_redeemed(microsoft, client, db, world, login):
    login(world.user(PAT))
    location = sign_in(start(client))
    forged = re.sub(r"state=[^&]+", "state=forged", location)
    microsoft.reset_calls()
    page = come_back(client, forged).get_data(as_text=True)
    assert "expired or was already used" in page and linked_count(db) == 0
    assert not microsoft.calls("-")  # the code was never sent to the token endpoint
    # The real state still works once.
    assert "linked: Calendar and Email" in come_back(client, location).get_data(True)


def test_a_callback_from_another_session_is_refused(microsoft, app, client, db, world, login):
    login(world.user(PAT))
    location = sign_in(start(client))
    with app.test_client() as stranger:
        with stranger.session_transaction() as sess:
            sess["_user_id"] = str(world.user("mallory@crm.example").id)
            sess["_fresh"] = True
        page = come_back(stranger, location).get_data(as_text=True)
    assert "expired or was already used" in page and linked_count(db) == 0


def test_no_refresh_token_without_offline_access_links_nothing(microsoft, client, db, world, login):
    login(world.user(PAT))
    url = start(client)
    query = parse_qs(urlparse(url).query)
    query["scope"] = [" ".join(s for s in query["scope"][0].split() if s != "offline_access")]
    no_offline = url.split("?")[0] + "?" + urlencode({k: v[0] for k, v in query.items()})
    page = come_back(client, sign_in(no_offline)).get_data(as_text=True)
    assert "Microsoft did not grant offline access" in page and "nothing was linked" in page
    assert linked_count(db) == 0


def test_an_id_token_from_another_issuer_links_nothing(microsoft, app, client, db, world, login):
    # The same stand-in under another name: its tokens name 127.0.0.1 as their issuer.
    app.config["CRM_SYNC_MICROSOFT_LOGIN_URL"] = microsoft.base_url.replace(
        "127.0.0.1", "localhost"
    )
    login(world.user(PAT))
    page = come_back(client, sign_in(start(client))).get_data(as_text=True)
    assert "could not be verified" in page and linked_count(db) == 0


def test_an_id_token_signed_by_another_key_links_nothing(
    microsoft, app, client, db, world, login, monkeypatch
):
    from joserfc.jwk import RSAKey

    from plugin import oauth

    login(world.user(PAT))
    location = sign_in(start(client))
    stranger = RSAKey.generate_key(2048, parameters={"kid": "not-microsoft"})
    with app.test_request_context():
        ms_client = oauth.client("crm_microsoft")
    monkeypatch.setattr(
        ms_client, "fetch_jwk_set", lambda force=False: {"keys": [stranger.as_dict(private=False)]}
    )
    page = come_back(client, location).get_data(as_text=True)
    assert "could not be verified" in page and linked_count(db) == 0


def test_other_refusals_name_only_the_error_and_its_code(microsoft, client, db, world, login):
    login(world.user(PAT))
    query = urlencode(
        {
            "error": "server_error",
            "error_description": "AADSTS50000: <b>trace</b> 8f1c Correlation ID 1234",
            "state": "x",
        }
    )
    page = client.get(f"/crm-sync/link/microsoft/callback?{query}", follow_redirects=True)
    text_ = page.get_data(as_text=True)
    assert "Microsoft refused the sign-in (server_error, AADSTS50000); nothing was linked." in text_
    assert "trace" not in text_ and "Correlation" not in text_
    assert linked_count(db) == 0


def test_an_unreachable_token_endpoint_links_nothing(microsoft, client, db, world, login):
    login(world.user(PAT))
    location = sign_in(start(client))
    microsoft.set_unreachable("closed")
    try:
        page = come_back(client, location).get_data(as_text=True)
    finally:
        microsoft.set_unreachable(None)
    assert "Microsoft 365 could not be reached, so nothing was linked." in page
    assert linked_count(db) == 0


@pytest.mark.parametrize(
    "code, said",
    [
        (503, "Microsoft 365 could not be reached, so nothing was linked."),
        (403, "did not let the CRM read your mailbox's address (the User.Read permission)"),
    ],
)
def test_graph_refusing_the_mailbox_address_links_nothing(
    microsoft, client, db, world, login, code, said
):
    login(world.user(PAT))
    location = sign_in(start(client))
    microsoft.faults.queue(1, code, op="me.get")
    page = html.unescape(come_back(client, location).get_data(as_text=True))
    assert said in page and linked_count(db) == 0
    assert microsoft.faults.pending() == 0  # /me was asked, and answered that


@pytest.mark.parametrize(
    "configured, tid, admitted",
    [
        ("common", CONSUMERS_TENANT, True),
        ("organizations", CONSUMERS_TENANT, False),
        ("organizations", "72f988bf-86f1-41af-91ab-2d7cd011db47", True),
        ("consumers", "72f988bf-86f1-41af-91ab-2d7cd011db47", False),
        ("72F988BF-86F1-41AF-91AB-2D7CD011DB47", "72f988bf-86f1-41af-91ab-2d7cd011db47", True),
        ("72f988bf-86f1-41af-91ab-2d7cd011db47", "0b0b0b0b-86f1-41af-91ab-2d7cd011db47", False),
        ("common", None, False),
    ],
)
def test_the_signing_tenant_must_be_one_the_configured_authority_admits(configured, tid, admitted):
    assert tenant_allowed(configured, tid) is admitted
