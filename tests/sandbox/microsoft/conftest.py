"""Contract tests: drive the Microsoft 365 stand-in with unmodified msgraph-sdk and Authlib."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from microsoft_helpers import ANN, BOB, CLIENT, REDIRECT, SECRET  # noqa: E402

from sandbox.clock import Clock  # noqa: E402
from sandbox.microsoft import MicrosoftSandbox  # noqa: E402


@pytest.fixture(scope="session")
def _microsoft_server() -> Iterator[MicrosoftSandbox]:
    sb = MicrosoftSandbox(clock=Clock(frozen=True))
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture
def msb(_microsoft_server: MicrosoftSandbox) -> Iterator[MicrosoftSandbox]:
    """The running stand-in, emptied, with Ann and Bob (password "password") and the CRM app."""
    sb = _microsoft_server
    sb.reset()
    sb.clock.reset()
    sb.clock.freeze()
    sb.add_user(ANN, "Ann Lee")
    sb.add_user(BOB, "Bob Stone")
    sb.add_client(CLIENT, SECRET, [REDIRECT])
    sb.state.user_consent_allowed = True  # kept by reset: a failed consent test may leave it off
    yield sb
    sb.reset_faults()


@pytest.fixture(autouse=True)
def _quiet_sdk_deprecations():
    """msgraph-sdk and kiota warn about their own deprecated configuration classes."""
    warnings.filterwarnings(
        "ignore", category=DeprecationWarning, module=r"(msgraph|kiota_abstractions)\."
    )
    yield
