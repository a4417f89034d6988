"""Linking, re-linking, unlinking (revoke, keep or drop items), pause/resume, triggers."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sync_helpers import SCOPES, count, timed

from plugin.models import CalendarEvent, LinkedAccount, User, UserEmail, utcnow
from plugin.sync.engine import sync_account
from plugin.sync.errors import AccountLinkedElsewhere
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


@pytest.mark.parametrize("keep", [True, False])
def test_unlink_revokes_and_keeps_or_drops_own_items(sb, make_account, db, keep):
    ann = make_account("ann@acme.com", sync_email=False)
    bob = make_account("bob@acme.com", sync_email=False)
    shared = timed("Shared", iCalUID="shared@x")
    sb.calendar.insert_event("ann@acme.com", shared)
    sb.calendar.insert_event("bob@acme.com", shared)
    sb.calendar.insert_event("ann@acme.com", timed("Ann only"))
    sync_account(ann.id)
    sync_account(bob.id)
    token = ann.credentials["refresh_token"]
    unlink_account(ann, keep_items=keep)
    titles = sorted(db.session.scalars(select(CalendarEvent.title)))
    assert titles == (["Ann only", "Shared"] if keep else ["Shared"])
    assert count(db, LinkedAccount) == 1
    # the grant is revoked at Google: refreshing with it now fails
    import requests

    resp = requests.post(
        f"{sb.base_url}/token",
        data={"grant_type": "refresh_token", "refresh_token": token,
              "client_id": "crm-test", "client_secret": "crm-secret"},
    )  # fmt: skip
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"
