"""Run history tells the truth: what started each run, and runs outlive unlink and re-link."""

from __future__ import annotations

from sqlalchemy import create_engine, select, text
from sync_helpers import SCOPES, timed

from plugin.models import LinkedAccount, SyncRun, User, UserEmail, utcnow
from plugin.sync.linking import link_account, pause, resume, unlink_account
from plugin.sync.scheduler import dispatch


def _user(db, email, admin=False):
    user = User(name=email, is_admin=admin, emails=[UserEmail(email=email, is_primary=True)])
    db.session.add(user)
    db.session.commit()
    return user


def _login(client, user):
    from flask import g

    g.pop("_login_user", None)
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True


def _triggers(db) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(SyncRun.trigger).order_by(SyncRun.id)))


def _link(sb, db, user, email="ann@acme.com"):
    sb.add_user(email)
    return link_account(user, "google", email, sb.issue_token(email, SCOPES, client_id="crm-test"))


def test_each_run_records_what_asked_for_it(sb, db, app, client, runner):
    ann = _user(db, "ann@acme.com")
    admin = _user(db, "admin@crm.example", admin=True)
    acc = _link(sb, db, ann)
    acc_id = acc.id

    def run_due():
        assert dispatch(app, "w1") == 1

    run_due()  # linking asked for it
    db.session.get(LinkedAccount, acc_id).next_sync_at = utcnow()
    db.session.commit()
    run_due()  # due by the clock
    _login(client, ann)
    assert client.post(f"/crm-sync/settings/accounts/{acc_id}/sync-now").status_code == 302
    run_due()
    _login(client, admin)
    page = client.post(
        "/admin/crm_linked_accounts/action/", data={"action": "sync_now", "rowid": [str(acc_id)]}
    )
    assert page.status_code == 302
    run_due()
    account = db.session.get(LinkedAccount, acc_id)
    pause(account)
    resume(account)
    run_due()
    assert runner.invoke(args=["crm-sync", "sync", str(acc_id)]).exit_code == 0
    assert runner.invoke(args=["crm-sync", "resync", str(acc_id)]).exit_code == 0
    assert _triggers(db) == [
        "link",
        "schedule",
        "sync-now (profile)",
        "sync-now (admin)",
        "resume",
        "cli",
        "cli resync",
    ]
    assert db.session.get(LinkedAccount, acc_id).pending_trigger is None


def test_sync_now_during_a_run_is_served_at_once_and_recorded(sb, db, app, monkeypatch):
    import plugin.sync.engine.runner as runner
    from plugin.sync.triggers import request_sync

    acc = _link(sb, db, _user(db, "ann@acme.com"))
    real_push = runner.push_changes

    def user_clicks_sync_now(ctx):
        real_push(ctx)
        monkeypatch.setattr(runner, "push_changes", real_push)
        request_sync(ctx.account.id, "sync-now (profile)")

    monkeypatch.setattr(runner, "push_changes", user_clicks_sync_now)
    assert dispatch(app, "w1") == 1
    assert dispatch(app, "w1") == 1  # due again at once, not after the interval
    assert _triggers(db) == ["link", "sync-now (profile)"]
    assert db.session.get(LinkedAccount, acc.id).next_sync_at > utcnow()


def test_runs_outlive_unlink_and_relink_and_admin_still_lists_them(sb, db, app, client):
    ann = _user(db, "ann@acme.com")
    acc = _link(sb, db, ann)
    sb.calendar.insert_event("ann@acme.com", timed("One"))
    dispatch(app, "w1")
    unlink_account(acc, keep_items=True)
    assert dispatch(app, "w1") == 1  # the unlink job
    db.session.expire_all()
    assert db.session.scalar(select(LinkedAccount)) is None
    (old,) = db.session.scalars(select(SyncRun)).all()
    assert old.linked_account_id is None and old.status == "ok"
    assert old.account_text == "Google: ann@acme.com (unlinked)"

    again = _link(sb, db, ann)
    dispatch(app, "w1")
    db.session.expire_all()
    runs = db.session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
    assert [(r.linked_account_id, r.trigger) for r in runs] == [(None, "link"), (again.id, "link")]
    _login(client, _user(db, "admin@crm.example", admin=True))
    page = client.get("/admin/crm_sync_runs/").get_data(as_text=True)
    assert page.count("Google: ann@acme.com (unlinked)") == 1
    assert page.count("Google: ann@acme.com") == 2


def test_another_user_taking_over_an_unlinking_account_keeps_the_old_runs_apart(sb, db, app):
    acc = _link(sb, db, _user(db, "ann@acme.com"))
    dispatch(app, "w1")
    unlink_account(acc, keep_items=True)
    bob = _user(db, "bob@acme.com")
    theirs = link_account(bob, "google", "ann@acme.com", {"access_token": "bob"})
    db.session.expire_all()
    assert theirs.id == acc.id
    (old,) = db.session.scalars(select(SyncRun)).all()
    assert old.linked_account_id is None  # not shown to the new user as theirs
    assert old.account_label == "Google: ann@acme.com"


def test_migration_labels_the_runs_already_there(tmp_path):
    from demo.app import create_app
    from plugin import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        migrate.upgrade("9e8bd4a97b3f")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO crm_users (id, name, is_admin, is_active, timezone, created_at) "
                    "VALUES (1, 'Ann', 0, 1, 'UTC', '2026-11-30 10:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO crm_linked_accounts (id, user_id, provider, external_email, "
                    "status, sync_calendar, sync_email, failure_count, initial_sync_done, "
                    "created_at) VALUES (1, 1, 'google', 'ann@acme.com', 'active', 1, 1, 0, 1, "
                    "'2026-11-30 10:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO crm_sync_runs (linked_account_id, trigger, status, started_at, "
                    "full_sync, fetched, created, updated, deleted, skipped, pushed, problems, "
                    "api_calls) VALUES (1, 'schedule', 'ok', '2026-11-30 10:00:00', 0, 0, 0, 0, "
                    "0, 0, 0, 0, 0)"
                )
            )
        migrate.upgrade()
        with engine.connect() as conn:
            row = conn.execute(text("SELECT account_label, pages FROM crm_sync_runs")).one()
        engine.dispose()
    assert tuple(row) == ("Google: ann@acme.com", 0)
