"""Linking, re-linking, unlinking (revoke, keep or drop items), pause/resume, triggers."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sync_helpers import SCOPES, count, timed

from plugin.models import CalendarEvent, LinkedAccount, User, UserEmail, utcnow
from plugin.sync.engine import sync_account
from plugin.sync.errors import AccountLinkedElsewhere
from plugin.sync.jobs import run_job
from plugin.sync.linking import link_account, pause, resume, unlink_account
from plugin.sync.scheduler import claim_due, dispatch


def _user(db, email):
    user = User(name=email, emails=[UserEmail(email=email, is_primary=True)])
    db.session.add(user)
    db.session.commit()
    return user


def test_link_makes_the_account_due_now_and_relink_updates_the_row(sb, db, app):
    sb.add_user("ann@acme.com")
    user = _user(db, "ann@acme.com")
    acc = link_account(user, "google", "Ann@Acme.com", sb.issue_token("ann@acme.com", SCOPES))
    assert acc.next_sync_at <= utcnow() and acc.status == "active"
    assert claim_due("w1", 5, 60) == [acc.id]
    again = link_account(user, "google", "ann@acme.com", {"access_token": "new"})
    assert again.id == acc.id and again.credentials == {"access_token": "new"}
    other = _user(db, "bob@acme.com")
    with pytest.raises(AccountLinkedElsewhere):
        link_account(other, "google", "ann@acme.com", {"access_token": "x"})


def test_calendar_only_grant_never_syncs_mail_even_on_the_first_run(sb, db, app):
    sb.add_user("ann@acme.com")
    user = _user(db, "ann@acme.com")
    calendar_only = [s for s in SCOPES if "gmail" not in s]
    token = sb.issue_token("ann@acme.com", calendar_only)
    acc = link_account(user, "google", "ann@acme.com", token, mail_granted=False)
    assert acc.sync_calendar and not acc.sync_email
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert not any(k.startswith("gmail.") for k in sb.calls("ann@acme.com"))


def test_dispatch_syncs_linked_accounts_in_process(sb, db, app):
    sb.add_user("ann@acme.com")
    sb.calendar.insert_event("ann@acme.com", timed("First"))
    user = _user(db, "ann@acme.com")
    link_account(user, "google", "ann@acme.com", sb.issue_token("ann@acme.com", SCOPES))
    assert dispatch(app, "w1") == 1
    assert count(db, CalendarEvent) == 1
    account = db.session.scalar(select(LinkedAccount))
    assert account.lease_owner is None and account.next_sync_at > utcnow()
    assert dispatch(app, "w1") == 0  # not due again until the interval passes


def test_pause_and_resume(sb, make_account, db):
    acc = make_account("ann@acme.com")
    pause(acc)
    assert claim_due("w", 5, 60) == []
    resume(acc)
    assert claim_due("w", 5, 60) == [acc.id]


def _grant_is_revoked(sb, token: str) -> bool:
    """Refreshing with the token fails once Google revoked the grant."""
    import requests

    resp = requests.post(
        f"{sb.base_url}/token",
        data={"grant_type": "refresh_token", "refresh_token": token,
              "client_id": "crm-test", "client_secret": "crm-secret"},
    )  # fmt: skip
    return resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("keep", [True, False])
def test_unlink_marks_then_the_engine_revokes_and_keeps_or_drops_own_items(
    sb, make_account, db, app, keep
):
    ann = make_account("ann@acme.com", sync_email=False)
    bob = make_account("bob@acme.com", sync_email=False)
    shared = timed("Shared", iCalUID="shared@x")
    sb.calendar.insert_event("ann@acme.com", shared)
    sb.calendar.insert_event("bob@acme.com", shared)
    sb.calendar.insert_event("ann@acme.com", timed("Ann only"))
    sync_account(ann.id)
    sync_account(bob.id)
    token = ann.credentials["refresh_token"]
    ann_id = ann.id
    unlink_account(ann, keep_items=keep)
    # the request only changed rows: nothing revoked or removed yet, and no sync of it
    assert not _grant_is_revoked(sb, token)
    assert count(db, LinkedAccount) == 2 and count(db, CalendarEvent) == 2
    assert ann.status == ("unlinking" if keep else "unlinking_drop")
    assert ann.next_sync_at <= utcnow()
    assert dispatch(app, "w1") == 1  # the dispatcher claims it like a due account
    db.session.expire_all()
    titles = sorted(db.session.scalars(select(CalendarEvent.title)))
    assert titles == (["Ann only", "Shared"] if keep else ["Shared"])
    assert db.session.get(LinkedAccount, ann_id) is None
    assert count(db, LinkedAccount) == 1
    assert _grant_is_revoked(sb, token)


def test_unlinking_account_is_not_synced_pause_resume_leave_it(sb, make_account, db):
    acc = make_account("ann@acme.com", sync_email=False)
    sb.calendar.insert_event("ann@acme.com", timed("New"))
    unlink_account(acc, keep_items=True)
    resume(acc)
    pause(acc)
    assert acc.status == "unlinking"
    assert sync_account(acc.id) is None  # a sync run only syncs: not this account
    assert count(db, CalendarEvent) == 0 and count(db, LinkedAccount) == 1
    assert run_job(acc.id, "w1") == (None, True)  # its job is the unlink
    assert count(db, CalendarEvent) == 0 and count(db, LinkedAccount) == 0


def test_unlink_while_a_worker_holds_the_lease_waits_for_it(sb, make_account, db, app):
    """The request never deletes under the worker; the worker finishes the unlink itself."""
    import threading

    import plugin.sync.engine.runner as runner

    acc = make_account("ann@acme.com", sync_email=False)
    sb.calendar.insert_event("ann@acme.com", timed("Ann only"))
    token, acc_id = acc.credentials["refresh_token"], acc.id
    assert claim_due("w1", 5, 60) == [acc_id]
    seen = {}
    real_push = runner.push_changes

    def push_then_user_unlinks(ctx):
        real_push(ctx)

        def view():  # the profile page, in its own thread and session
            with app.app_context():
                from plugin.state import session

                unlink_account(session().get(LinkedAccount, acc_id), keep_items=False)
                seen["claimed_by_w2"] = claim_due("w2", 5, 60)
                seen["row"] = session().get(LinkedAccount, acc_id) is not None
                seen["revoked"] = _grant_is_revoked(sb, token)
                session().remove()

        thread = threading.Thread(target=view)
        thread.start()
        thread.join()

    runner.push_changes = push_then_user_unlinks
    try:
        result = run_job(acc_id, "w1")
    finally:
        runner.push_changes = real_push
    assert seen == {"claimed_by_w2": [], "row": True, "revoked": False}
    assert result.run is not None and result.unlinked  # the sync ran, then the unlink
    db.session.expire_all()
    assert db.session.get(LinkedAccount, acc_id) is None
    assert count(db, CalendarEvent) == 0
    assert _grant_is_revoked(sb, token)


def test_unreachable_provider_retries_the_revoke_later(sb, make_account, db, monkeypatch):
    from plugin.sync.errors import TransientError
    from plugin.sync.providers.google import GoogleProvider

    real_revoke, state = GoogleProvider.revoke, {"down": True}

    def revoke(self):
        if state["down"]:
            raise TransientError("Google unreachable")
        real_revoke(self)

    monkeypatch.setattr(GoogleProvider, "revoke", revoke)
    acc = make_account("ann@acme.com")
    unlink_account(acc, keep_items=True)
    assert claim_due("w1", 5, 60) == [acc.id]
    assert run_job(acc.id, "w1") == (None, False)
    db.session.expire_all()
    assert acc.status == "unlinking" and acc.failure_count == 1 and acc.lease_owner is None
    assert acc.next_sync_at > utcnow() and "unreachable" in acc.last_error
    state["down"] = False
    acc.next_sync_at = utcnow()
    db.session.commit()
    assert claim_due("w1", 5, 60) == [acc.id]
    assert run_job(acc.id, "w1") == (None, True)
    assert count(db, LinkedAccount) == 0


def test_relinking_an_unlinking_account_takes_the_row_back(sb, make_account, db):
    acc = make_account("ann@acme.com")
    unlink_account(acc, keep_items=False)
    again = link_account(acc.user, "google", "ann@acme.com", {"access_token": "new"})
    assert again.id == acc.id and again.status == "active"
    other = _user(db, "bob@acme.com")
    unlink_account(again, keep_items=True)
    theirs = link_account(other, "google", "ann@acme.com", {"access_token": "bob"})
    assert theirs.id == acc.id and theirs.user_id == other.id and theirs.status == "active"


def test_lost_lease_stops_the_run_without_touching_the_account(sb, make_account, db):
    import plugin.sync.engine.runner as runner

    acc = make_account("ann@acme.com", sync_email=False)
    sb.calendar.insert_event("ann@acme.com", timed("One"))
    assert claim_due("w1", 5, 60) == [acc.id]
    real_push = runner.push_changes

    def stolen(ctx):
        # w1's lease expired and w2 took the account over before w1's next checkpoint
        db.session.execute(
            LinkedAccount.__table__.update()
            .where(LinkedAccount.id == acc.id)
            .values(lease_owner="w2")
        )
        db.session.commit()
        real_push(ctx)

    runner.push_changes = stolen
    try:
        run = sync_account(acc.id, worker="w1")
    finally:
        runner.push_changes = real_push
    assert run.status == "lease_lost" and "Another worker took over" in run.error
    db.session.expire_all()
    assert acc.lease_owner == "w2" and acc.failure_count == 0 and acc.last_sync_at is None


def test_a_handover_while_unlinking_with_keep_leaves_the_old_user_their_items(sb, make_account, db):
    """Another CRM user links the mailbox before the worker finished Ann's unlink: Ann still
    has the meetings and emails she chose to keep, and the new user starts clean."""
    from sync_helpers import customer_mail

    from plugin.models import Email
    from plugin.permissions import user_email_clause, user_event_clause

    ann = make_account("ann@acme.com")
    sb.calendar.insert_event("ann@acme.com", timed("Kept meeting"))
    customer_mail(sb, 2)
    assert sync_account(ann.id).status == "ok"
    ann_user = ann.user
    unlink_account(ann, keep_items=True)
    bob = _user(db, "bob@acme.com")
    link_account(bob, "google", "ann@acme.com", sb.issue_token("ann@acme.com", SCOPES))

    def seen(user):
        events = db.session.scalars(select(CalendarEvent.title).where(user_event_clause(user.id)))
        mails = db.session.scalars(select(Email.subject).where(user_email_clause(user.id)))
        return sorted(events), sorted(mails)

    assert seen(ann_user) == (["Kept meeting"], ["M0", "M1"])
    assert seen(bob) == ([], [])
