"""Every profile and admin action against every account status (issue 13, point 7): an
action the status does not allow changes nothing, requests no run and says why; only
re-linking leaves "needs re-link"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from plugin.models import LinkedAccount, SyncRun, utcnow
from plugin.models.linked import STATUSES, TRANSITIONS
from plugin.sync.linking import link_account

ACTIONS = ["sync_now", "pause", "resume", "unlink", "unlink_drop"]
PROFILE_ROUTES = {"sync_now": "sync-now", "pause": "pause", "resume": "resume"}
# What each allowed action leaves (asserted from behaviour, not read from the table).
EXPECTED = {
    ("sync_now", "active"): "active",
    ("sync_now", "error"): "active",
    ("pause", "active"): "paused",
    ("pause", "error"): "paused",
    ("resume", "paused"): "active",
    ("resume", "error"): "active",
    **{("unlink", s): "unlinking" for s in ("active", "paused", "needs_relink", "error")},
    **{("unlink_drop", s): "unlinking_drop" for s in ("active", "paused", "needs_relink", "error")},
}
CASES = [(a, s) for a in ACTIONS for s in STATUSES]
LATER = timedelta(days=1)


def _runs(db, account_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(SyncRun).where(SyncRun.linked_account_id == account_id)
    )


def _account(world, status: str):
    user = world.user("sam@crm.example", admin=True)
    account = world.linked(user, "sam@gmail.com", status=status, next_sync_at=utcnow() + LATER)
    return user, account


def _requested(account) -> bool:
    """A sync was asked for: the account is due now."""
    return account.next_sync_at is not None and account.next_sync_at <= utcnow()


def test_the_table_is_what_the_tests_expect():
    allowed = {
        (a, s) for a, moves in TRANSITIONS.items() if a not in ("relink", "options") for s in moves
    }
    assert allowed == set(EXPECTED)


@pytest.mark.parametrize("status", STATUSES)
def test_saving_what_to_sync_obeys_the_state_machine(client, world, login, db, status):
    """Ticking calendar/email keeps the status; an account being unlinked is refused."""
    user, account = _account(world, status)
    login(user)
    response = client.post(
        f"/crm-sync/settings/accounts/{account.id}/options",
        data={f"a{account.id}-sync_calendar": "y"},
        follow_redirects=True,
    )
    db.session.expire_all()
    account = db.session.get(LinkedAccount, account.id)
    assert account.status == status
    if status in ("unlinking", "unlinking_drop"):
        assert account.sync_email, "a refused save changes nothing"
        assert "alert-warning" in response.get_data(as_text=True)
    else:
        assert account.sync_calendar and not account.sync_email


def _profile_post(client, account, action: str):
    if action in PROFILE_ROUTES:
        url = f"/crm-sync/settings/accounts/{account.id}/{PROFILE_ROUTES[action]}"
        return client.post(url, follow_redirects=True)
    keep = "keep" if action == "unlink" else "remove"
    return client.post(
        f"/crm-sync/settings/accounts/{account.id}/unlink",
        data={"keep_items": keep},
        follow_redirects=True,
    )


@pytest.mark.parametrize("action,status", CASES)
def test_profile_action_obeys_the_state_machine(client, world, login, db, action, status):
    user, account = _account(world, status)
    login(user)
    page = _profile_post(client, account, action).get_data(as_text=True)
    db.session.expire_all()
    account = db.session.get(LinkedAccount, account.id)
    want = EXPECTED.get((action, status))
    if want is None:
        assert account.status == status, "a refused action changes nothing"
        assert not _requested(account), "and requests no run"
        assert "alert-warning" in page or "alert-info" in page
        assert "sam@gmail.com:" in page
    else:
        assert account.status == want
        if want in ("active", "unlinking", "unlinking_drop"):
            assert _requested(account)
    assert _runs(db, account.id) == 0, "views never run a sync themselves"


@pytest.mark.parametrize("action,status", CASES)
def test_admin_action_obeys_the_state_machine(client, world, login, db, action, status):
    user, account = _account(world, status)
    login(user)
    response = client.post(
        "/admin/crm_linked_accounts/action/",
        data={"action": action, "rowid": [str(account.id)]},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    db.session.expire_all()
    account = db.session.get(LinkedAccount, account.id)
    want = EXPECTED.get((action, status))
    if want is None:
        assert account.status == status
        assert not _requested(account)
        assert ": 0 account(s)." in page and "sam@gmail.com" in page
    else:
        assert account.status == want
        assert ": 1 account(s)." in page


def test_a_direct_resume_post_on_needs_relink_is_refused_with_a_message(client, world, login, db):
    from plugin.sync.scheduler import dispatch

    user, account = _account(world, "needs_relink")
    account.next_sync_at = None
    db.session.commit()
    login(user)
    page = client.post(
        f"/crm-sync/settings/accounts/{account.id}/resume", follow_redirects=True
    ).get_data(as_text=True)
    assert "sam@gmail.com: Needs re-link by its user first (the grant was revoked)." in page
    db.session.expire_all()
    assert db.session.get(LinkedAccount, account.id).status == "needs_relink"
    assert dispatch(client.application, "w1") == 0, "the dispatcher makes no run of it"
    assert _runs(db, account.id) == 0


@pytest.mark.parametrize("status", list(STATUSES))
def test_relinking_leaves_any_status_for_active(world, db, status):
    user, account = _account(world, status)
    again = link_account(user, "google", "sam@gmail.com", {"access_token": "new"})
    assert again.id == account.id and again.status == "active"


@pytest.mark.parametrize("status", ["active", "paused", "needs_relink", "error"])
def test_settings_page_offers_what_the_table_allows(client, world, login, status):
    """The buttons match the actions that would be accepted (an Error account may sync)."""
    user, account = _account(world, status)
    login(user)
    page = client.get("/crm-sync/settings/").get_data(as_text=True)
    base = f"/crm-sync/settings/accounts/{account.id}"
    sync_button = page.split(f'action="{base}/sync-now"', 1)[1].split("</form>", 1)[0]
    assert ("disabled" not in sync_button) == (status in ("active", "error"))
    assert (f'action="{base}/pause"' in page) == (status in ("active", "error"))
    assert (f'action="{base}/resume"' in page) == (status == "paused")
