"""Fixtures for the sync tests: the app pointed at the Google sandbox (and the Exchange and
Microsoft 365 stand-ins), users with linked accounts holding sandbox tokens or Exchange
passwords, and helpers to run a sync and count rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sync_helpers import (
    MS_CLIENT,
    MS_SCOPES,
    MS_SECRET,
    SCOPES,
    point_at_microsoft,
    point_at_sandbox,
)

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


@pytest.fixture(scope="session")
def _exchange_server():
    from sandbox.clock import Clock
    from sandbox.exchange import ExchangeSandbox

    server = ExchangeSandbox(clock=Clock(frozen=True))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def xsb(_exchange_server, app, monkeypatch) -> Iterator:
    """The Exchange stand-in, emptied, with a frozen clock; the app syncs everything."""
    import exchangelib

    server = _exchange_server
    server.reset()
    server.clock.reset()
    server.clock.freeze()
    exchangelib.close_connections()  # its protocol cache ignores the auth type
    monkeypatch.setitem(app.config, "CRM_SYNC_RETRY_BASE_SECONDS", 0.01)
    settings = get_settings()
    settings.sync_scope = "everything"
    from plugin.state import session

    session().commit()
    yield server
    server.reset_faults()
    exchangelib.close_connections()


@pytest.fixture
def make_exchange_account(xsb, db):
    """make_exchange_account("ann@acme.com") -> a CRM user with that linked Exchange mailbox
    (server, user name, password and auth type stored encrypted, as the link flow does)."""

    def make(email: str, name: str | None = None, auth_type="ntlm", **fields) -> LinkedAccount:
        xsb.add_user(email, name or email.split("@")[0].title(), password="password")
        user = User(name=name or email, emails=[UserEmail(email=email, is_primary=True)])
        settings = {
            "server": xsb.ews_url,
            "username": email,
            "password": "password",
            "auth_type": auth_type,
        }
        account = LinkedAccount(
            user=user, provider="exchange", external_email=email, credentials=settings, **fields
        )
        db.session.add_all([user, account])
        db.session.commit()
        return account

    return make


@pytest.fixture(scope="session")
def _microsoft_server():
    from sandbox.clock import Clock
    from sandbox.microsoft import MicrosoftSandbox

    server = MicrosoftSandbox(clock=Clock(frozen=True))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def msb(_microsoft_server, app, monkeypatch) -> Iterator:
    """The Microsoft 365 stand-in, emptied, with a frozen clock and our app registration;
    the app pointed at it and syncing everything."""
    server = _microsoft_server
    server.reset()
    server.clock.reset()
    server.clock.freeze()
    server.add_client(MS_CLIENT, MS_SECRET, ["http://localhost/cb"])
    for key, value in point_at_microsoft(server.base_url).items():
        monkeypatch.setitem(app.config, key, value)
    settings = get_settings()
    settings.sync_scope = "everything"
    from plugin.state import session

    session().commit()
    yield server
    server.reset_faults()


@pytest.fixture
def make_microsoft_account(msb, db):
    """make_microsoft_account("ann@acme.com") -> a CRM user with that Microsoft 365 mailbox
    linked: the token endpoint's answer stored as the link flow stores it."""

    def make(email: str, name: str | None = None, time_zone="UTC", **fields) -> LinkedAccount:
        msb.add_user(email, name or email.split("@")[0].title(), time_zone=time_zone)
        token = msb.issue_token(email, MS_SCOPES, MS_CLIENT)
        token["expires_at"] = int(msb.clock.time()) + int(token["expires_in"])
        user = User(name=name or email, emails=[UserEmail(email=email, is_primary=True)])
        account = LinkedAccount(
            user=user, provider="microsoft", external_email=email, credentials=token, **fields
        )
        db.session.add_all([user, account])
        db.session.commit()
        return account

    return make
