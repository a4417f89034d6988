"""Contract tests: drive the Google sandbox with the real client libraries.

Elsewhere, load the fixtures with ``pytest_plugins = ["sandbox.pytest_plugin"]`` in the root
conftest; here they are imported directly because pytest only honours ``pytest_plugins``
in the root conftest.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from google_contract_helpers import ANN, calendar_api, gmail_api  # noqa: E402

import sandbox.pytest_plugin as _plugin  # noqa: E402

_google_sandbox_server = _plugin._google_sandbox_server
google_sandbox = _plugin.google_sandbox


@pytest.fixture
def sb(google_sandbox):
    """The sandbox with Ann (ann@acme.com, password "password") registered.

    Contract tests read one page and assert what the stand-in put in it, so short pages
    (on by default for every other suite) are off here; test_google_strict_paging turns
    them on to prove them."""
    google_sandbox.add_user(ANN, name="Ann Lee")
    google_sandbox.short_pages.rate = 0.0
    return google_sandbox


@pytest.fixture
def cal(sb):
    """A googleapiclient Calendar service with a calendar + gmail token for Ann."""
    return calendar_api(sb, ANN)


@pytest.fixture
def gmail(sb):
    return gmail_api(sb, ANN)
