"""Fixtures for the foundation tests: the demo people and a quick way to be logged in."""

from __future__ import annotations

import pytest
from flask import g

from tests.foundation.people_helpers import user_id


@pytest.fixture
def people(app, db):
    """The demo CRM's people (demo/seed.py), committed."""
    from demo.seed import seed_demo

    assert seed_demo()
    return db


@pytest.fixture
def login(client, db):
    """login("admin@crm.example") logs the test client in as that user (None logs out)."""

    def _login(email: str | None) -> None:
        # The test holds one app context open, so Flask-Login's per-request cache in g
        # would outlive the request; drop it when switching users.
        g.pop("_login_user", None)
        with client.session_transaction() as sess:
            sess.clear()
            if email is not None:
                sess["_user_id"] = str(user_id(db, email))
                sess["_fresh"] = True

    return _login


@pytest.fixture
def admin_client(client, people, login):
    login("admin@crm.example")
    return client
