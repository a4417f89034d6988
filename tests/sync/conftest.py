"""Fixtures for the sync tests: the app pointed at the Google sandbox, users with linked
accounts holding sandbox tokens, and helpers to run a sync and count rows."""

from __future__ import annotations

import pytest
from sync_helpers import SCOPES, point_at_sandbox

from plugin.models import LinkedAccount, User, UserEmail
from plugin.settings import get_settings


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
