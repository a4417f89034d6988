"""Outbound calendar sync to the Exchange stand-in: a create tagged with the CRM id in an
extended property (adoption after a crash and no echoes: the behaviour suite), the last
ChangeKey and NeverOverwrite (ErrorIrresolvableConflict = EditConflict), deletions, one
occurrence at a time, invitations per the setting."""

from __future__ import annotations

import pytest
from ews_helpers import ews_account, weekly
from outbound_helpers import OWNER, create, delete, edit
from sqlalchemy import select
from sync_helpers import count

from plugin.models import CalendarEvent, EventLink
from plugin.sync.engine import sync_account
from plugin.sync.providers.exchange.fields import CRM_FIELD

WRITES = ("CreateItem", "UpdateItem", "DeleteItem")


def calendar(xsb) -> list[dict]:
    return [i for i in xsb.outlook.items(OWNER) if i["element"] == "CalendarItem"]


def writes(xsb) -> int:
    calls = xsb.calls(OWNER)
    return sum(calls.get(op, 0) for op in WRITES)


def crm_id_of(xsb, item_id: str) -> str | None:
    account = ews_account(xsb, OWNER)
    [item] = account.fetch(ids=[(item_id, None)], only_fields=["subject", CRM_FIELD])
    return getattr(item, CRM_FIELD)


def test_new_appointment_is_created_tagged_and_never_imported_back(xsb, make_exchange_account, db):
    acc = make_exchange_account(OWNER)
    event = create(db, acc, "Demo for Globex", attendees=["joe@globex.com"])
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.pushed == 1
    [remote] = calendar(xsb)
    assert remote["subject"] == "Demo for Globex"
    assert crm_id_of(xsb, remote["id"]) == str(event.id)
    link = db.session.scalar(select(EventLink))
    assert (link.external_id, link.etag) == (remote["id"], remote["change_key"])

    xsb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 0 and run.pushed == 0
    assert writes(xsb) == 0
    assert count(db, CalendarEvent) == 1 and count(db, EventLink) == 1


def test_exchange_change_before_the_update_is_an_edit_conflict_judged_once(
    xsb, make_exchange_account, db, monkeypatch
):
    """ErrorIrresolvableConflict: Outlook changes the item after the listing, before the
    update; the copy is fetched again and judged, nothing silently lost."""
    from plugin.sync.engine import runner

    acc = make_exchange_account(OWNER)
    event = create(db, acc, "Original")
    sync_account(acc.id)
    edit(db, event, title="CRM title")
    [remote] = calendar(xsb)
    real_push = runner.push_changes

    def late_outlook_edit(ctx):
        xsb.clock.advance(3600)
        xsb.outlook.update_event(OWNER, remote["id"], subject="Outlook title")
        real_push(ctx)

    monkeypatch.setattr(runner, "push_changes", late_outlook_edit)
    xsb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert xsb.calls(OWNER)["UpdateItem"] == 1  # refused with the stale ChangeKey
    [entry] = run.log  # the later writer (Outlook) wins; the CRM's edit is on record
    assert entry["winner"] == "exchange" and entry["lost"]["title"] == "CRM title"
    db.session.expire_all()
    assert db.session.get(CalendarEvent, event.id).title == "Outlook title"
    assert [i["subject"] for i in calendar(xsb)] == ["Outlook title"]


def test_crm_delete_removes_the_item(xsb, make_exchange_account, db):
    acc = make_exchange_account(OWNER)
    event = create(db, acc, "Cancel me")
    create(db, acc, "Keep me")
    sync_account(acc.id)
    delete(db, event)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert [i["subject"] for i in calendar(xsb)] == ["Keep me"]
    assert count(db, CalendarEvent) == 1


def test_one_occurrence_edited_or_deleted_changes_only_that_occurrence(
    xsb, make_exchange_account, db
):
    acc = make_exchange_account(OWNER)
    weekly(xsb, OWNER, "Weekly", count=4)
    sync_account(acc.id)
    rows = list(db.session.scalars(select(CalendarEvent).order_by(CalendarEvent.start_at)))
    assert len(rows) == 4
    edit(db, rows[1], title="Moved one")
    delete(db, rows[2])
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.pushed == 2
    account = ews_account(xsb, OWNER)
    view = sorted(
        account.calendar.view(start=_ews(rows[0].start_at), end=_ews(rows[3].end_at)),
        key=lambda o: o.start,
    )
    assert [o.subject for o in view] == ["Weekly", "Moved one", "Weekly"]
    xsb.reset_calls()
    run = sync_account(acc.id)
    assert writes(xsb) == 0
    db.session.expire_all()
    titles = [e.title for e in db.session.scalars(select(CalendarEvent).order_by("start_at"))]
    assert titles == ["Weekly", "Moved one", "Weekly"]


def _ews(naive_utc):
    from datetime import UTC

    from exchangelib import EWSDateTime

    return EWSDateTime.from_datetime(naive_utc.replace(tzinfo=UTC))


@pytest.mark.parametrize(
    ("policy", "on_create", "on_update"),
    [("never", False, False), ("new", True, False), ("always", True, True)],
)
def test_invitations_follow_the_setting(
    xsb, make_exchange_account, db, policy, on_create, on_update
):
    from plugin.settings import get_settings

    get_settings().send_invitations = policy
    acc = make_exchange_account(OWNER)
    sync_account(acc.id)  # linked and synced; what follows is new
    event = create(db, acc, "Invite", attendees=["joe@globex.com"])
    sync_account(acc.id)
    edit(db, event, title="Invite (moved)")
    sync_account(acc.id)
    # The stand-in records the invitations Exchange was asked to send.
    sent = [(i["action"], i["recipients"]) for i in xsb.invitations if i["email"] == OWNER]
    expected = [("created", ["joe@globex.com"])] if on_create else []
    expected += [("updated", ["joe@globex.com"])] if on_update else []
    assert sent == expected


def test_backfill_never_sends_invitations(xsb, make_exchange_account, db):
    from datetime import timedelta

    from plugin.settings import get_settings

    get_settings().send_invitations = "always"
    acc = make_exchange_account(OWNER)
    old = create(db, acc, "Booked before linking", attendees=["joe@globex.com"])
    old.created_at = acc.created_at - timedelta(days=3)
    db.session.commit()
    sync_account(acc.id)
    edit(db, old, title="Moved")
    sync_account(acc.id)
    assert [i["subject"] for i in calendar(xsb)] == ["Moved"]
    assert xsb.invitations == []


def test_all_day_appointment_is_pushed_on_its_date_and_comes_back_unchanged(
    xsb, make_exchange_account, db
):
    from datetime import timedelta

    from ews_helpers import day

    acc = make_exchange_account(OWNER)
    on = day(6)
    event = create(
        db,
        acc,
        "Offsite",
        all_day=True,
        start_date=on,
        end_date=on + timedelta(days=1),
        timezone="Pacific/Auckland",
    )
    run = sync_account(acc.id)
    assert run.status == "ok" and run.pushed == 1, run.error
    [remote] = calendar(xsb)
    account = ews_account(xsb, OWNER)
    [item] = account.fetch(ids=[(remote["id"], None)], only_fields=["start", "end", "is_all_day"])
    assert item.is_all_day and (item.start, item.end) == (on, on)  # exchangelib: end inclusive
    xsb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.pushed == 0 and writes(xsb) == 0
    db.session.expire_all()
    row = db.session.get(CalendarEvent, event.id)
    assert (row.start_date, row.end_date) == (on, on + timedelta(days=1))


def test_meeting_outlook_deleted_then_edited_in_the_crm_is_gone_on_both_sides(
    xsb, make_exchange_account, db
):
    """Outlook deletes to Deleted Items, where GetItem still finds the item by its id: its
    ParentFolderId is not the calendar any more, so it is gone, and the deletion wins over
    the CRM's later edit (which is dropped, on record, and never written to the copy)."""
    acc = make_exchange_account(OWNER)
    event = create(db, acc, "Original")
    sync_account(acc.id)
    [remote] = calendar(xsb)
    xsb.clock.advance(60)
    xsb.outlook.delete_item(OWNER, remote["id"])
    xsb.clock.advance(60)
    edit(db, event, title="CRM title")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, CalendarEvent) == 0 and count(db, EventLink) == 0
    assert calendar(xsb) == []
    [trashed] = xsb.outlook.items(OWNER, folder="deleteditems")
    assert trashed["subject"] == "Original"  # not patched, not moved back
    [entry] = run.log
    assert entry["winner"] == "exchange" and entry["lost"]["title"] == "CRM title"
    run = sync_account(acc.id)
    assert run.status == "ok" and count(db, CalendarEvent) == 0 and calendar(xsb) == []


def test_writer_takes_an_item_in_deleted_items_for_gone(xsb, make_exchange_account, db):
    """get() answers None for it; patch() without a ChangeKey raises ItemGone before any
    UpdateItem (which Exchange would carry out on the item in Deleted Items); delete() leaves
    it where the user put it."""
    from plugin.sync.errors import ItemGone
    from plugin.sync.providers import get_provider
    from plugin.sync.providers.base import EventDraft

    acc = make_exchange_account(OWNER)
    create(db, acc, "Original")
    sync_account(acc.id)
    [remote] = calendar(xsb)
    provider = get_provider(acc)
    live = provider.get_event(remote["id"])
    assert live is not None and live.title == "Original"
    xsb.outlook.delete_item(OWNER, remote["id"])
    xsb.reset_calls()
    assert provider.get_event(remote["id"]) is None
    draft = EventDraft(crm_id="1", title="CRM title", start=live.start, end=live.end, all_day=False)
    with pytest.raises(ItemGone):
        provider.patch_event(remote["id"], draft, None, False)
    provider.delete_event(remote["id"], None, False)
    assert writes(xsb) == 0
    [trashed] = xsb.outlook.items(OWNER, folder="deleteditems")
    assert trashed["subject"] == "Original"
    provider.close()
