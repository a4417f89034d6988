"""Tokens and Exchange passwords are encrypted at rest, keys rotate, and the extension fails
fast (and starts nothing) when it should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

from plugin import CRMSync
from plugin.crypto import CredentialsUnreadable, TokenCipher
from plugin.models import Base, LinkedAccount
from tests.foundation.people_helpers import user_id

ACCESS = "ya29.A0-plain-access-token-4711"
REFRESH = "1//0g-plain-refresh-token-0815"
PASSWORD = "Exchange-Pa55word!-never-in-clear"
SECRETS = (ACCESS, REFRESH, PASSWORD)


@pytest.fixture
def accounts(people, db):
    return _make_accounts(db)


def _make_accounts(db) -> tuple[int, int]:
    sam = user_id(db, "sam@crm.example")
    google = LinkedAccount(
        user_id=sam,
        provider="google",
        external_email="sam@crm.example",
        credentials={"access_token": ACCESS, "refresh_token": REFRESH, "expires_at": 1},
    )
    exchange = LinkedAccount(
        user_id=sam,
        provider="exchange",
        external_email="sam@exchange.example",
        credentials={"server": "mail.example", "username": "sam", "password": PASSWORD},
    )
    db.session.add_all([google, exchange])
    db.session.commit()
    return google.id, exchange.id


def _raw_values(db) -> list[str]:
    """Every value of every crm_ table as the database holds it, as text."""
    values = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(text(f"SELECT * FROM {table.name}")):
                values.extend(str(v) for v in row if v is not None)
    return values


def _stored_ciphertext(db, account_id: int) -> str:
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT credentials FROM crm_linked_accounts WHERE id = :id"), {"id": account_id}
        ).scalar_one()


def test_database_never_holds_a_plaintext_secret(app, db, accounts):
    raw = "\n".join(_raw_values(db))
    assert "sam@exchange.example" in raw, "the raw read does see the rows"
    for secret in SECRETS:
        assert secret not in raw
    if db.engine.dialect.name == "sqlite":
        db.session.remove()
        db.engine.dispose()
        path = Path(db.engine.url.database)
        for file in [path, *path.parent.glob(path.name + "-*")]:
            data = file.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in data, f"{secret} found in {file.name}"


def test_decrypt_round_trip(app, db, accounts):
    google_id, exchange_id = accounts
    db.session.expire_all()
    assert db.session.get(LinkedAccount, google_id).credentials["refresh_token"] == REFRESH
    assert db.session.get(LinkedAccount, exchange_id).credentials["password"] == PASSWORD
    assert _stored_ciphertext(db, google_id).startswith("gAAAA"), "a Fernet token"


def test_key_rotation(app, db, runner, people, monkeypatch):
    state = app.extensions["crm_sync"]
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    monkeypatch.setattr(state, "cipher", TokenCipher([old]))
    google_id, _ = _make_accounts(db)
    under_old = _stored_ciphertext(db, google_id)
    assert Fernet(old.encode()).decrypt(under_old.encode())

    # New key in front, old still readable.
    monkeypatch.setattr(state, "cipher", TokenCipher([new, old]))
    db.session.expire_all()
    assert db.session.get(LinkedAccount, google_id).credentials["access_token"] == ACCESS

    result = runner.invoke(args=["crm-sync", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 2 credential(s)" in result.output
    under_new = _stored_ciphertext(db, google_id)
    assert under_new != under_old
    assert Fernet(new.encode()).decrypt(under_new.encode())

    # The old key can go now.
    monkeypatch.setattr(state, "cipher", TokenCipher([new]))
    db.session.expire_all()
    assert db.session.get(LinkedAccount, google_id).credentials["refresh_token"] == REFRESH

    # ...whereas without the new key nothing is readable.
    monkeypatch.setattr(state, "cipher", TokenCipher([old]))
    db.session.expire_all()
    with pytest.raises(CredentialsUnreadable, match="CRM_SYNC_ENCRYPTION_KEYS"):
        db.session.get(LinkedAccount, google_id).credentials  # noqa: B018
    db.session.rollback()


def _bare_app(**config) -> tuple[Flask, SQLAlchemy]:
    app = Flask("host")
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="x", **config)
    db = SQLAlchemy()
    db.init_app(app)
    return app, db


def test_production_without_keys_fails_saying_what_to_set():
    app, db = _bare_app()
    with pytest.raises(RuntimeError) as excinfo:
        CRMSync().init_app(app, db=db)
    message = str(excinfo.value)
    assert "CRM_SYNC_ENCRYPTION_KEYS is not set" in message
    assert "flask crm-sync generate-key" in message
    assert "crm_sync" not in app.extensions


def test_production_with_a_key_starts(monkeypatch):
    app, db = _bare_app(CRM_SYNC_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    CRMSync().init_app(app, db=db)
    assert app.extensions["crm_sync"].cipher.decrypt(
        app.extensions["crm_sync"].cipher.encrypt({"a": 1})
    ) == {"a": 1}


def test_double_init_app_is_refused():
    app, db = _bare_app(TESTING=True)
    ext = CRMSync()
    ext.init_app(app, db=db)
    with pytest.raises(RuntimeError, match="already registered"):
        ext.init_app(app, db=db)
    with pytest.raises(RuntimeError, match="already registered"):
        CRMSync().init_app(app, db=db)


def test_nothing_starts_at_import():
    """Importing every plugin module creates no app, no thread, no scheduler, no connection."""
    code = """
import importlib, pkgutil, threading, sys
import flask
created = []
orig = flask.Flask.__init__
def spy(self, *a, **k):
    created.append(a)
    orig(self, *a, **k)
flask.Flask.__init__ = spy
import plugin
for mod in pkgutil.walk_packages(plugin.__path__, "plugin."):
    importlib.import_module(mod.name)
assert not created, created
assert threading.active_count() == 1, threading.enumerate()
print("ok", len(sys.modules))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
