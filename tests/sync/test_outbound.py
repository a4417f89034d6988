"""Outbound calendar sync against the Google sandbox: CRM appointments pushed with a
client-chosen id and the CRM id, conflicts, deletions, invitations (crashes mid-push and
echoes: the behaviour suite, tests/sync/behaviour)."""

from __future__ import annotations

import re

import pytest
from outbound_helpers import OWNER, create, delete, edit, remote_events, writes
from sqlalchemy import select
from sync_helpers import count, timed

from plugin.models import CalendarEvent, EventLink, SyncProblem
from plugin.sync.engine import sync_account


def test_new_appointment_is_pushed_once_and_never_imported_back(sb, make_account, db):
    acc = make_account(OWNER)
    event = create(db, acc, "Demo for Globex", attendees=["joe@globex.com"])
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.pushed == 1
    [remote] = remote_events(sb)
    assert re.fullmatch(r"[a-v0-9]{5,1024}", remote["id"]) and remote["id"].startswith("crm")
    assert remote["summary"] == "Demo for Globex"
    assert remote["extendedProperties"]["private"]["crmSyncId"] == str(event.id)
    assert [a["email"] for a in remote["attendees"]] == ["joe@globex.com"]
    link = db.session.scalar(select(EventLink))
    assert (link.external_id, link.etag) == (remote["id"], remote["etag"])
    assert link.synced_version == event.version

    # It comes back through incremental sync: recognised, not imported, not pushed again.
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 0 and run.pushed == 0
    assert writes(sb) == 0
    assert count(db, CalendarEvent) == 1 and count(db, EventLink) == 1
    assert len(remote_events(sb)) == 1


def _both_edit(sb, db, acc, event, crm_first: bool):
    """Edit the same meeting on both sides between two syncs, in the given order."""
    [remote] = remote_events(sb)
    if crm_first:
        edit(db, event, title="CRM title")
        sb.clock.advance(60)
        sb.calendar.patch_event(OWNER, remote["id"], {"summary": "Google title"})
    else:
        sb.calendar.patch_event(OWNER, remote["id"], {"summary": "Google title"})
        edit(db, event, title="CRM title")
    return remote["id"]


def _set_clock_to_now(sb):
    from datetime import UTC, datetime

    sb.clock.set(datetime.now(UTC))


@pytest.mark.parametrize("crm_first", [True, False], ids=["google-later", "crm-later"])
def test_concurrent_edit_has_one_deterministic_winner(sb, make_account, db, crm_first):
    acc = make_account(OWNER)
    event = create(db, acc, "Original")
    sync_account(acc.id)
    _set_clock_to_now(sb)
    _both_edit(sb, db, acc, event, crm_first)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    winner = "Google title" if crm_first else "CRM title"
    loser = "CRM title" if crm_first else "Google title"
    db.session.expire_all()
    assert db.session.get(CalendarEvent, event.id).title == winner
    assert [e["summary"] for e in remote_events(sb)] == [winner]
    [entry] = [e for e in run.log if e.get("conflict")]
    assert entry["winner"] == ("google" if crm_first else "crm")
    assert entry["lost"]["title"] == loser  # nothing lost silently
    sb.reset_calls()
    run = sync_account(acc.id)
    assert writes(sb) == 0 and not run.log


def test_remote_change_between_listing_and_push_is_caught_by_if_match(
    sb, make_account, db, monkeypatch
):
    """The 412 path: Google changes after the inbound listing, before the patch."""
    from plugin.sync.engine import runner

    acc = make_account(OWNER)
    event = create(db, acc, "Original")
    sync_account(acc.id)
    _set_clock_to_now(sb)
    edit(db, event, title="CRM title")
    [remote] = remote_events(sb)
    real_push = runner.push_changes

    def late_google_edit(ctx):
        sb.clock.advance(3600)
        sb.calendar.patch_event(OWNER, remote["id"], {"summary": "Google title"})
        real_push(ctx)

    monkeypatch.setattr(runner, "push_changes", late_google_edit)
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    calls = sb.calls(OWNER)
    assert calls["calendar.events.patch"] == 1 and calls["calendar.events.get"] == 1
    db.session.expire_all()
    assert db.session.get(CalendarEvent, event.id).title == "Google title"
    [entry] = run.log
    assert entry["winner"] == "google" and entry["lost"]["title"] == "CRM title"


def test_crm_delete_removes_the_google_event_and_the_row(sb, make_account, db):
    acc = make_account(OWNER)
    event = create(db, acc, "Cancel me")
    create(db, acc, "Keep me")
    sync_account(acc.id)
    delete(db, event)
    run = sync_account(acc.id)
    assert run.status == "ok" and run.pushed == 1
    assert [e["summary"] for e in remote_events(sb)] == ["Keep me"]
    assert list(db.session.scalars(select(CalendarEvent.title))) == ["Keep me"]
    sb.reset_calls()
    sync_account(acc.id)
    assert writes(sb) == 0 and count(db, CalendarEvent) == 1


def test_delete_already_gone_in_google_is_fine(sb, make_account, db):
    acc = make_account(OWNER)
    event = create(db, acc, "Twice deleted")
    sync_account(acc.id)
    [remote] = remote_events(sb)
    sb.calendar.delete_event(OWNER, remote["id"])
    db.session.expire_all()
    delete(db, db.session.get(CalendarEvent, event.id))
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, CalendarEvent) == 0 and count(db, EventLink) == 0


def test_unpushed_appointment_deleted_never_reaches_google(sb, make_account, db):
    acc = make_account(OWNER)
    event = create(db, acc, "Never mind")
    delete(db, event)
    assert count(db, CalendarEvent) == 1  # a tombstone: a push may be under way
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and writes(sb) == 0
    assert count(db, CalendarEvent) == 0 and remote_events(sb) == []


def test_one_occurrence_edited_or_deleted_changes_only_that_instance(sb, make_account, db):
    acc = make_account(OWNER)
    master = sb.calendar.insert_event(
        OWNER, timed("Weekly", recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"])
    )
    sync_account(acc.id)
    rows = list(db.session.scalars(select(CalendarEvent).order_by(CalendarEvent.start_at)))
    assert len(rows) == 4
    edit(db, rows[1], title="Moved one")
    delete(db, rows[2])
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.pushed == 2
    instances = sb.calendar.events(OWNER, include_cancelled=True)
    by_id = {e["id"]: e for e in instances}
    assert by_id[master["id"]]["summary"] == "Weekly"  # the series is untouched
    assert by_id[f"{master['id']}_{rows[1].instance_key}"]["summary"] == "Moved one"
    assert by_id[f"{master['id']}_{rows[2].instance_key}"]["status"] == "cancelled"
    sb.reset_calls()
    run = sync_account(acc.id)
    assert writes(sb) == 0
    db.session.expire_all()
    titles = [e.title for e in db.session.scalars(select(CalendarEvent).order_by("start_at"))]
    assert titles == ["Weekly", "Moved one", "Weekly"]


def test_rejected_push_is_a_problem_and_waits_for_the_next_edit(sb, make_account, db):
    acc = make_account(OWNER)
    event = create(db, acc, "Bad zone", timezone="Mars/Olympus_Mons")
    create(db, acc, "Fine")
    run = sync_account(acc.id)
    assert run.status == "ok" and run.problems == 1 and run.pushed == 1
    problem = db.session.scalar(select(SyncProblem))
    assert problem.direction == "outbound" and problem.event_id == event.id
    assert "time zone" in problem.message
    link = db.session.scalar(select(EventLink).where(EventLink.event_id == event.id))
    assert link.rejected_version == event.version and link.etag is None
    sb.reset_calls()
    assert sync_account(acc.id).problems == 0 and writes(sb) == 0  # not retried
    db.session.expire_all()
    edit(db, db.session.get(CalendarEvent, event.id), timezone="Europe/Paris")
    run = sync_account(acc.id)
    assert run.status == "ok" and run.pushed == 1 and run.problems == 0
    assert sorted(e["summary"] for e in remote_events(sb)) == ["Bad zone", "Fine"]


def test_throttled_push_resumes_later_without_duplicates(sb, make_account, db):
    acc = make_account(OWNER)
    sync_account(acc.id)
    for n in range(3):
        create(db, acc, f"Meeting {n}", days=n + 1)
    # 429 without Retry-After is asked again with backoff: throttled through every try (3)
    sb.faults.fail_next(3, status=429, method="calendar.events.insert")
    run = sync_account(acc.id)
    assert run.status == "throttled"
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert len(remote_events(sb)) == 3 and count(db, EventLink) == 3


def test_revoked_grant_stops_pushing_and_asks_for_relink(sb, make_account, db):
    acc = make_account(OWNER)
    sync_account(acc.id)
    create(db, acc, "Unsent")
    sb.revoke(acc.credentials["refresh_token"])
    sb.expire_access_tokens(OWNER)
    run = sync_account(acc.id)
    assert run.status == "failed"
    db.session.refresh(acc)
    assert acc.status == "needs_relink" and remote_events(sb) == []


@pytest.mark.parametrize(
    ("policy", "on_create", "on_update"),
    [("never", "none", "none"), ("new", "all", "none"), ("always", "all", "all")],
)
def test_invitations_follow_the_setting(sb, make_account, db, policy, on_create, on_update):
    from plugin.settings import get_settings

    get_settings().send_invitations = policy
    acc = make_account(OWNER)
    sync_account(acc.id)  # linked and synced; what follows is new
    event = create(db, acc, "Invite", attendees=["joe@globex.com"])
    sync_account(acc.id)
    edit(db, event, title="Invite (moved)")
    sync_account(acc.id)
    sent = [(i["action"], i["send_updates"]) for i in sb.calendar.invitations(OWNER)]
    assert sent == [("created", on_create), ("updated", on_update)]


def test_backfill_never_sends_invitations(sb, make_account, db):
    from datetime import timedelta

    from plugin.settings import get_settings

    get_settings().send_invitations = "always"
    acc = make_account(OWNER)
    old = create(db, acc, "Booked before linking", attendees=["joe@globex.com"])
    old.created_at = acc.created_at - timedelta(days=3)
    db.session.commit()
    sync_account(acc.id)  # the first, full sync backfills it
    edit(db, old, title="Moved")
    sync_account(acc.id)
    assert [e["summary"] for e in remote_events(sb)] == ["Moved"]
    assert [i["send_updates"] for i in sb.calendar.invitations(OWNER)] == ["none", "none"]
