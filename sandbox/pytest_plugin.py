"""pytest fixtures for the Google sandbox. Load with
``pytest_plugins = ["sandbox.pytest_plugin"]`` in a conftest.

One server per test session (fast); every test gets it reset to a clean state with a fresh
frozen clock, so tests advance time instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .clock import Clock
from .google import GoogleSandbox


@pytest.fixture(scope="session")
def _google_sandbox_server() -> Iterator[GoogleSandbox]:
    sb = GoogleSandbox(clock=Clock(frozen=True))
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
