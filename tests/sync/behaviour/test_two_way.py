"""Outbound behaviour every provider shares: a crash between the provider's answer and the
commit leaves no duplicate, and no change is echoed back to the side it came from. Once per
provider (conftest.py)."""

from __future__ import annotations

from outbound_helpers import OWNER, create, edit
from sqlalchemy import select
from sync_helpers import count

from plugin.models import CalendarEvent, EventLink
from plugin.sync.engine import outbound as engine_outbound
from plugin.sync.engine import sync_account


def test_crash_after_create_leaves_no_duplicate(driver, db, monkeypatch):
    acc = driver.link(OWNER)
    create(db, acc, "Crashy")
    real = engine_outbound._in_step

    def crash(*args, **kwargs):
        raise RuntimeError("worker died between the provider's answer and the commit")

    monkeypatch.setattr(engine_outbound, "_in_step", crash)
    run = sync_account(acc.id)
    assert run.status == "failed" and count(db, EventLink) == 0
    assert len(driver.live_events(OWNER)) == 1  # the provider has it; the CRM has no link

    monkeypatch.setattr(engine_outbound, "_in_step", real)
    # Retry the push alone (no inbound listing first), so the create itself meets its copy.
    from plugin.sync.engine import runner

    monkeypatch.setattr(runner, "feeds_for", lambda ctx: [])
    driver.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    calls = driver.calls(OWNER)
    assert {op: calls.get(op, 0) for op in driver.adoption_calls} == driver.adoption_calls
    [remote] = driver.live_events(OWNER)
    assert count(db, CalendarEvent) == 1 and count(db, EventLink) == 1
    assert db.session.scalar(select(EventLink.external_id)) == remote.id


def test_crash_then_the_copy_comes_in_first_is_adopted_too(driver, db, monkeypatch):
    """The inbound listing meets the orphaned copy before the retry: it links it by crm id."""
    acc = driver.link(OWNER)
    sync_account(acc.id)  # cursor in place: the next run lists incrementally first
    create(db, acc, "Crashy")
    real = engine_outbound._in_step
    monkeypatch.setattr(engine_outbound, "_in_step", lambda *a, **k: 1 / 0)
    assert sync_account(acc.id).status == "failed"
    monkeypatch.setattr(engine_outbound, "_in_step", real)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, CalendarEvent) == 1 and count(db, EventLink) == 1
    assert len(driver.live_events(OWNER)) == 1 and run.pushed == 0


def test_crm_edit_is_pushed_once_and_not_echoed(driver, db):
    acc = driver.link(OWNER)
    event = create(db, acc, "Draft", attendees=["joe@globex.com"])
    sync_account(acc.id)
    edit(db, event, title="Final", location="Room 4")
    driver.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.pushed == 1
    assert driver.writes(OWNER) == 1  # one update, with the version last seen
    [remote] = driver.live_events(OWNER)
    assert (remote.title, driver.location(OWNER, remote.id)) == ("Final", "Room 4")
    assert db.session.scalar(select(EventLink.etag)) == remote.etag
    driver.reset_calls()
    run = sync_account(acc.id)
    assert driver.writes(OWNER) == 0 and run.updated == 0 and run.pushed == 0


def test_provider_edit_flows_in_without_a_push_back(driver, db):
    acc = driver.link(OWNER)
    event = create(db, acc, "Ours")
    sync_account(acc.id)
    [remote] = driver.live_events(OWNER)
    driver.rename(OWNER, remote.id, "Renamed in the provider")
    driver.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.updated == 1 and run.pushed == 0
    assert driver.writes(OWNER) == 0
    db.session.expire_all()
    assert db.session.get(CalendarEvent, event.id).title == "Renamed in the provider"


def test_provider_delete_then_crm_edit_ends_the_same_on_both_sides(driver, db):
    """The user deletes the meeting in the provider, then someone edits it in the CRM: the
    conflict is judged once and both sides end holding the same thing (here: nothing, or the
    edited meeting again), never a CRM meeting the provider no longer has."""
    acc = driver.link(OWNER)
    event = create(db, acc, "crm-1")
    sync_account(acc.id)
    [remote] = driver.live_events(OWNER)
    driver.advance(60)
    driver.delete(OWNER, remote.id)
    driver.advance(60)
    edit(db, event, title="crm-2")
    for _ in range(2):
        run = sync_account(acc.id)
        assert run.status == "ok", run.error
    db.session.expire_all()
    crm = sorted(
        db.session.scalars(select(CalendarEvent.title).where(CalendarEvent.deleted_at.is_(None)))
    )
    assert crm == sorted(r.title for r in driver.live_events(OWNER))


def test_pushed_meeting_deleted_at_the_provider_goes_from_the_crm(driver, db):
    """Seven CRM meetings are pushed in one sync, then the user deletes one in the provider:
    the next sync drops it from the CRM too. (The run lists before it pushes, so its saved
    cursor predates the pushed creates; a provider whose changes since that cursor fold a
    create and a delete into nothing must still not leave the meeting behind.)"""
    acc = driver.link(OWNER)
    sync_account(acc.id)
    for n in range(7):
        driver.advance(60)
        create(db, acc, f"crm-{n}", days=1 + n)
    driver.advance(60)
    run = sync_account(acc.id)
    assert run.status == "ok" and run.pushed == 7, run.error
    gone = driver.live_events(OWNER)[0]
    driver.advance(60)
    driver.delete(OWNER, gone.id)
    for _ in range(2):
        driver.advance(60)
        run = sync_account(acc.id)
        assert run.status == "ok", run.error
    db.session.expire_all()
    crm = sorted(
        db.session.scalars(select(CalendarEvent.title).where(CalendarEvent.deleted_at.is_(None)))
    )
    assert gone.title not in crm
    assert crm == sorted(r.title for r in driver.live_events(OWNER))


def test_confirming_pushed_meetings_costs_no_more_than_listing_new_ones(driver, db):
    """The run after a push lists the pushed meetings back like any new meeting, and asks the
    provider nothing more about them; the run after that is idle."""
    acc = driver.link(OWNER, sync_email=False)
    sync_account(acc.id)
    for n in range(3):
        driver.event(OWNER, f"provider-{n}", days=1 + n)
    driver.reset_calls()
    listed_new = sync_account(acc.id)
    idle = sync_account(acc.id)
    for n in range(3):
        create(db, acc, f"crm-{n}", days=1 + n)
    assert sync_account(acc.id).pushed == 3
    driver.reset_calls()
    listed_pushed = sync_account(acc.id)
    assert listed_pushed.status == "ok" and driver.writes(OWNER) == 0
    assert listed_pushed.api_calls == listed_new.api_calls
    assert sync_account(acc.id).api_calls == idle.api_calls
