"""pytest fixtures for the Google, Exchange and Microsoft 365 sandboxes. Load with
``pytest_plugins = ["sandbox.pytest_plugin"]`` in a conftest.

One server per test session (fast); every test gets it reset to a clean state with a fresh
frozen clock, so tests advance time instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .clock import Clock
from .exchange import ExchangeSandbox
from .google import GoogleSandbox
from .microsoft import MicrosoftSandbox


@pytest.fixture(scope="session")
def _google_sandbox_server() -> Iterator[GoogleSandbox]:
    # Short pages on, so a client that stops on a short page fails its tests (issue 19).
    sb = GoogleSandbox(clock=Clock(frozen=True), short_pages=0.3)
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture
def google_sandbox(_google_sandbox_server: GoogleSandbox) -> Iterator[GoogleSandbox]:
    """A running sandbox with no users, clients or data; ``.base_url`` is its address."""
    sb = _google_sandbox_server
    sb.reset()
    sb.clock.reset()
    sb.clock.freeze()
    yield sb
    sb.reset_faults()


@pytest.fixture(scope="session")
def _exchange_sandbox_server() -> Iterator[ExchangeSandbox]:
    sb = ExchangeSandbox(clock=Clock(frozen=True))
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture
def exchange_sandbox(_exchange_sandbox_server: ExchangeSandbox) -> Iterator[ExchangeSandbox]:
    """A running Exchange stand-in, mailboxes emptied (users of earlier tests kept, as its
    reset keeps users); ``.ews_url`` is its EWS endpoint. exchangelib's protocol cache is
    cleared before and after, since it ignores the auth type."""
    import exchangelib

    sb = _exchange_sandbox_server
    sb.reset()
    sb.clock.reset()
    sb.clock.freeze()
    exchangelib.close_connections()
    yield sb
    sb.reset_faults()
    exchangelib.close_connections()


@pytest.fixture(scope="session")
def _microsoft_sandbox_server() -> Iterator[MicrosoftSandbox]:
    sb = MicrosoftSandbox(clock=Clock(frozen=True))
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture
def microsoft_sandbox(_microsoft_sandbox_server: MicrosoftSandbox) -> Iterator[MicrosoftSandbox]:
    """A running Microsoft 365 stand-in, mailboxes and tokens emptied (its reset keeps users
    and app registrations), with a fresh frozen clock and user consent allowed."""
    sb = _microsoft_sandbox_server
    sb.reset()
    sb.clock.reset()
    sb.clock.freeze()
    sb.state.user_consent_allowed = True
    yield sb
    sb.reset_faults()
