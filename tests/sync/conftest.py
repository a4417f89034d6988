"""Fixtures for the sync tests: the app pointed at the Google sandbox, users with linked
accounts holding sandbox tokens, and helpers to run a sync and count rows."""

from __future__ import annotations

import pytest

from plugin.models import LinkedAccount, User, UserEmail
from plugin.settings import get_settings

SCOPES = [
    "openid",
    "email",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/gmail.readonly",
]


def point_at_sandbox(config, base_url: str) -> dict:
    """The config keys that send every Google call to the sandbox."""
    keys = {
        "CRM_SYNC_GOOGLE_BASE_URL": base_url,
        "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-test",
        "CRM_SYNC_GOOGLE_CLIENT_SECRET": "crm-secret",
        "CRM_SYNC_GOOGLE_TOKEN_URL": f"{base_url}/token",
        "CRM_SYNC_GOOGLE_REVOKE_URL": f"{base_url}/revoke",
        "CRM_SYNC_GOOGLE_CALENDAR_URL": f"{base_url}/calendar/v3",
        "CRM_SYNC_GOOGLE_GMAIL_URL": f"{base_url}/gmail/v1",
        "CRM_SYNC_RETRY_BASE_SECONDS": 0.01,
    }
    return keys


@pytest.fixture
def sb(app, google_sandbox, monkeypatch):
    """The sandbox with our OAuth client, and the app pointed at it."""
    google_sandbox.add_client("crm-test", "crm-secret", ["http://localhost/cb"])
    for key, value in point_at_sandbox(app.config, google_sandbox.base_url).items():
        monkeypatch.setitem(app.config, key, value)
    settings = get_settings()
    settings.sync_scope = "everything"
    from plugin.state import session

    session().commit()
    return google_sandbox


@pytest.fixture
def make_account(sb, db):
    """make_account("ann@acme.com") -> a CRM user with that linked Google account."""

    def make(email: str, name: str | None = None, time_zone="UTC", **fields) -> LinkedAccount:
        sb.add_user(email, name=name or email.split("@")[0].title(), time_zone=time_zone)
        token = sb.issue_token(email, scopes=SCOPES, client_id="crm-test")
        user = User(name=name or email, emails=[UserEmail(email=email, is_primary=True)])
        account = LinkedAccount(
            user=user, provider="google", external_email=email, credentials=token, **fields
        )
        db.session.add_all([user, account])
        db.session.commit()
        return account

    return make
