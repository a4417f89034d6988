"""Contract tests: drive the Exchange stand-in with unmodified exchangelib."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from exchange_helpers import ANN, BOB  # noqa: E402

from sandbox.clock import Clock  # noqa: E402
from sandbox.exchange import ExchangeSandbox  # noqa: E402


@pytest.fixture(scope="session")
def _exchange_server() -> Iterator[ExchangeSandbox]:
    sb = ExchangeSandbox(clock=Clock(frozen=True))
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture
def xsb(_exchange_server: ExchangeSandbox) -> Iterator[ExchangeSandbox]:
    """The running stand-in, emptied, with Ann and Bob (password "password")."""
    import exchangelib

    sb = _exchange_server
    sb.reset()
    sb.clock.reset()
    sb.clock.freeze()
    sb.add_user(ANN, "Ann Lee")
    sb.add_user(BOB, "Bob Stone")
    exchangelib.close_connections()  # its protocol cache ignores the auth type
    yield sb
    sb.reset_faults()
    exchangelib.close_connections()
