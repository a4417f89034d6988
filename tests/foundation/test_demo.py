"""The demo host: its data, its pages, and the configuration the demo command passes in."""

from __future__ import annotations

from sqlalchemy import func, select

from demo.app import env_config
from plugin.models import AccountDomain, Contact, SystemSettings, User
from sandbox.google.demo_seed import DEMO_USERS


def test_seed_has_what_the_demo_promises(people, db):
    users = {u.primary_email: u for u in db.session.scalars(select(User))}
    assert users["admin@crm.example"].is_admin
    assert not users["sam@crm.example"].is_admin
    shared = db.session.scalars(
        select(AccountDomain.domain)
        .group_by(AccountDomain.domain)
        .having(func.count(AccountDomain.account_id) > 1)
    ).all()
    assert shared == ["umbrella.com"]
    assert any(c.alternate_emails for c in db.session.scalars(select(Contact)))
    settings = db.session.get(SystemSettings, 1)
    assert settings.virtual_assistant_user.name == "Virtual Assistant"
    assert settings.virtual_assistant_user.password_hash is None, "nobody logs in as the VA"


def test_every_sandbox_demo_user_is_a_crm_user_not_a_customer(people, db):
    """So a demo user can link the sandbox account, and their own meetings stay internal."""
    for email, name in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.name == name))
        assert user is not None and user.primary_email == email
        domain = email.split("@")[1]
        assert (
            db.session.scalar(select(AccountDomain).where(AccountDomain.domain == domain)) is None
        )


def test_login_page_lists_demo_logins(client, people):
    page = client.get("/login").text
    assert "admin@crm.example" in page and "demo1234" in page


def test_login_and_home(client, people):
    response = client.post("/login", data={"email": " ANN@acme.com", "password": "demo1234"})
    assert response.status_code == 302
    page = client.get("/").text
    assert "Welcome, Ann Lee" in page
    assert "Umbrella East" in page and "hank.scorpio@gmail.com" in page
    assert 'id="crm-sync-profile-menu"' in page


def test_wrong_password_and_inactive_user_cannot_log_in(client, people, db):
    bad = client.post("/login", data={"email": "sam@crm.example", "password": "nope"})
    assert "do not match" in bad.text
    sam = db.session.scalar(select(User).where(User.name == "Sam Seller"))
    sam.is_active = False
    db.session.commit()
    inactive = client.post("/login", data={"email": "sam@crm.example", "password": "demo1234"})
    assert inactive.status_code == 200


def test_login_next_only_follows_local_paths(client, people):
    data = {"email": "sam@crm.example", "password": "demo1234"}
    assert client.post("/login?next=//evil.example/", data=data).location == "/"
    assert client.post("/login?next=/\\evil.example/", data=data).location == "/"
    assert client.post("/login?next=/crm-sync/link/", data=data).location == "/crm-sync/link/"


def test_env_config_parses_demo_settings():
    env = {
        "CRM_SYNC_RUN_SCHEDULER": "1",
        "CRM_SYNC_GOOGLE_BASE_URL": "http://127.0.0.1:8765",
        "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-sync-demo",
        "CRM_SYNC_DISPATCH_SECONDS": "2",
        "CRM_SYNC_TEST_DATABASE_URL": "not a config key",
        "PATH": "/usr/bin",
    }
    assert env_config(env) == {
        "CRM_SYNC_RUN_SCHEDULER": 1,
        "CRM_SYNC_GOOGLE_BASE_URL": "http://127.0.0.1:8765",
        "CRM_SYNC_GOOGLE_CLIENT_ID": "crm-sync-demo",
        "CRM_SYNC_DISPATCH_SECONDS": 2,
    }


def test_demo_init_command_is_idempotent(runner, db):
    first = runner.invoke(args=["demo", "init", "--reset"])
    assert first.exit_code == 0, first.output
    assert "demo data loaded" in first.output
    again = runner.invoke(args=["demo", "init"])
    assert "already present" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 6


def test_on_sqlite_the_worker_commits_while_a_page_is_still_reading(tmp_path):
    """The demo runs web pages and the worker on one SQLite file: with write-ahead logging a
    reader holding its transaction open never makes the worker's commit wait or fail."""
    import sqlite3

    from demo.app import create_app, db
    from plugin.models import Base

    path = tmp_path / "crm.sqlite"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        with db.engine.begin() as setup:
            setup.exec_driver_sql("CREATE TABLE progress (page INTEGER)")
        with db.engine.connect() as reader:
            mode = reader.exec_driver_sql("PRAGMA journal_mode").scalar()
            reader.exec_driver_sql("BEGIN")
            assert reader.exec_driver_sql("SELECT count(*) FROM progress").scalar() == 0
            writer = sqlite3.connect(path, timeout=0.2)  # a worker that will not wait long
            writer.execute("INSERT INTO progress VALUES (1)")
            writer.commit()  # in rollback-journal mode: "database is locked"
            writer.close()
            # The reader's transaction still sees the state it began with.
            assert reader.exec_driver_sql("SELECT count(*) FROM progress").scalar() == 0
            reader.exec_driver_sql("COMMIT")
        assert mode == "wal"
        db.engine.dispose()
