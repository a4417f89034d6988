"""Contract tests: drive the Exchange stand-in with unmodified exchangelib."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from exchange_helpers import ANN, BOB  # noqa: E402

from sandbox.exchange import ExchangeSandbox  # noqa: E402

# ``exchange_sandbox`` comes from sandbox.pytest_plugin, loaded by the root conftest.


@pytest.fixture
def xsb(exchange_sandbox: ExchangeSandbox) -> ExchangeSandbox:
    """The running stand-in, emptied, with Ann and Bob (password "password")."""
    exchange_sandbox.add_user(ANN, "Ann Lee")
    exchange_sandbox.add_user(BOB, "Bob Stone")
    return exchange_sandbox
