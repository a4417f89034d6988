"""Shared fixtures: the demo host built from its factory, a fresh database per test.

The database is SQLite unless CRM_SYNC_TEST_DATABASE_URL names another (CI runs the suite a
second time against PostgreSQL). On PostgreSQL each xdist worker gets its own schema.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from plugin.models import Base

pytest_plugins = ["sandbox.pytest_plugin"]

DB_URL = os.environ.get("CRM_SYNC_TEST_DATABASE_URL", "")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _checkout() -> str:
    """A short tag of this checkout, so two clones testing at once never share a schema."""
    return hashlib.sha1(str(Path(__file__).resolve()).encode()).hexdigest()[:8]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if DB_URL.startswith("postgresql"):
        schema = f"crm_test_{_checkout()}_{_worker()}"
        engine = create_engine(DB_URL)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        sep = "&" if "?" in DB_URL else "?"
        return f"{DB_URL}{sep}options=-csearch_path%3D{schema}"
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


def _clear(db) -> None:
    """Empty every table, fast, between tests."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(scope="session")
def _app_session(database_url):
    from demo.app import create_app, db

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
            # No DNS in tests: a domain has no MX records unless a test injects some.
            "CRM_SYNC_MX_RESOLVER": lambda domain: [],
        }
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
    return app


@pytest.fixture
def app(_app_session):
    from demo.app import db

    with _app_session.app_context():
        _clear(db)
        yield _app_session
        db.session.remove()


@pytest.fixture
def db(app):
    from demo.app import db as _db

    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
