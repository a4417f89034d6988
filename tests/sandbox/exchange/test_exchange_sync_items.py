"""Slice 3: SyncFolderItems one page per call through exchangelib.services.SyncFolderItems."""

from __future__ import annotations

import pytest
from exchange_helpers import account, raw_soap, sync_page
from exchangelib import UTC as EWS_UTC
from exchangelib import CalendarItem, EWSDateTime, Message
from exchangelib.errors import ErrorInvalidSyncStateData, ErrorSchemaValidation
from exchangelib.services import SyncFolderItems


def _events(acc, n, prefix="e"):
    start = EWSDateTime(2026, 12, 1, 9, tzinfo=EWS_UTC)
    items = [
        CalendarItem(
            folder=acc.calendar,
            subject=f"{prefix}{i}",
            start=start,
            end=start.replace(hour=10),
        )
        for i in range(n)
    ]
    return [r for r in acc.bulk_create(folder=acc.calendar, items=items)]


@pytest.mark.parametrize("page_size", [100, 512])
def test_pages_until_the_last_then_only_new_changes(xsb, page_size):
    acc = account(xsb)
    created = _events(acc, 600)
    state, seen, pages, last = None, set(), 0, False
    while not last:
        changes, state, last = sync_page(acc, acc.calendar, state, page_size)
        assert len(changes) <= page_size
        assert {kind for kind, _ in changes} == {"create"}
        seen |= {item.id for _, item in changes}
        pages += 1
    assert seen == {c.id for c in created}
    assert pages == -(-600 // page_size)
    assert xsb.calls()["SyncFolderItems"] == pages
    changes, state2, last = sync_page(acc, acc.calendar, state, page_size)
    assert (changes, last) == ([], True)


def test_newest_changes_first_and_update_delete_kinds(xsb):
    acc = account(xsb)
    first, second, third = (acc.calendar.get(id=r.id) for r in _events(acc, 3))
    changes, state, _ = sync_page(acc, acc.calendar, None, 10)
    assert [i.id for _, i in changes] == [third.id, second.id, first.id]
    first.subject = "renamed"
    first.save(update_fields=["subject"])
    second_id = second.id
    second.delete(send_meeting_cancellations="SendToNone")
    changes, state, last = sync_page(acc, acc.calendar, state, 10)
    assert last
    assert [(k, getattr(i, "id", None)) for k, i in changes] == [
        ("delete", second_id),
        ("update", first.id),
    ]
    assert changes[1][1].changekey == first.changekey


def test_changes_made_while_paging_are_not_lost(xsb):
    acc = account(xsb)
    _events(acc, 5)
    changes, state, last = sync_page(acc, acc.calendar, None, 2)
    assert not last
    [late] = _events(acc, 1, prefix="late")
    seen = {i.id for _, i in changes}
    while not last:
        changes, state, last = sync_page(acc, acc.calendar, state, 2)
        seen |= {i.id for _, i in changes}
    assert late.id in seen and len(seen) == 6


def test_read_flag_change_on_messages(xsb):
    acc = account(xsb)
    msg = Message(account=acc, folder=acc.inbox, subject="Hello", body="hi")
    msg.save()
    changes, state, _ = sync_page(acc, acc.inbox, None, 10)
    assert [k for k, _ in changes] == ["create"]
    msg.is_read = True
    msg.save(update_fields=["is_read"])
    changes, state, _ = sync_page(acc, acc.inbox, state, 10)
    assert len(changes) == 1
    kind, (item_id, is_read) = changes[0]
    assert (kind, item_id.id, is_read) == ("read_flag_change", msg.id, True)


def test_bogus_sync_state_is_invalid_sync_state_data(xsb):
    acc = account(xsb)
    with pytest.raises(ErrorInvalidSyncStateData):
        sync_page(
            acc,
            acc.calendar,
            "H4sIAAAAAAAEAO29B2AcSZYlJi9tynt/SvVK1+B0oQiAYBMk2JBAEOzBiM3mkuwd",
            10,
        )
    # A state from before a reset is invalid too.
    _events(acc, 1)
    _, state, _ = sync_page(acc, acc.calendar, None, 10)
    xsb.reset()
    with pytest.raises(ErrorInvalidSyncStateData):
        sync_page(acc, acc.calendar, state, 10)
    # The error response keeps SyncState and IncludesLastItemInRange.
    r = raw_soap(
        xsb,
        "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
        '<m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId>'
        "<m:SyncState>bogus</m:SyncState><m:MaxChangesReturned>5</m:MaxChangesReturned>"
        "</m:SyncFolderItems>",
    )
    assert b"ErrorInvalidSyncStateData" in r.content
    assert b"<m:SyncState" in r.content and b"<m:IncludesLastItemInRange" in r.content


def test_a_state_of_another_folder_is_invalid(xsb):
    acc = account(xsb)
    _, state, _ = sync_page(acc, acc.inbox, None, 10)
    with pytest.raises(ErrorInvalidSyncStateData):
        sync_page(acc, acc.calendar, state, 10)


def test_max_changes_returned_outside_1_to_512_is_a_schema_fault(xsb):
    acc = account(xsb)
    with pytest.raises(ErrorSchemaValidation):
        sync_page(acc, acc.calendar, None, 513)
    r = raw_soap(
        xsb,
        "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
        '<m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId>'
        "<m:MaxChangesReturned>0</m:MaxChangesReturned></m:SyncFolderItems>",
    )
    assert r.status_code == 500 and b"ErrorSchemaValidation" in r.content


def test_ignored_items_are_left_out_but_counted_as_seen(xsb):
    from exchangelib.properties import ItemId

    acc = account(xsb)
    a, b = _events(acc, 2)
    svc = SyncFolderItems(account=acc)
    changes = list(
        svc.call(
            folder=acc.calendar,
            shape="IdOnly",
            additional_fields=None,
            sync_state=None,
            ignore=[ItemId(id=a.id, changekey=a.changekey)],
            max_changes_returned=10,
            sync_scope=None,
        )
    )
    assert [i.id for _, i in changes] == [b.id]
    changes, _, _ = sync_page(acc, acc.calendar, svc.sync_state, 10)
    assert changes == []


def test_state_file_keeps_mailboxes_and_sync_states(tmp_path):
    from exchange_helpers import ANN

    from sandbox.exchange import ExchangeSandbox

    path = str(tmp_path / "ex.pkl")
    sb = ExchangeSandbox(state_file=path)
    sb.add_user(ANN)
    sb.start()
    acc = account(sb)
    [created] = _events(acc, 1)
    _, state, _ = sync_page(acc, acc.calendar, None, 10)
    sb.stop()
    import exchangelib

    exchangelib.close_connections()
    again = ExchangeSandbox(state_file=path)
    again.start()
    try:
        acc = account(again)
        assert acc.calendar.get(id=created.id).subject == "e0"
        assert sync_page(acc, acc.calendar, state, 10)[0] == []
    finally:
        again.stop()
        exchangelib.close_connections()


def test_old_sync_states_are_pruned_per_folder_but_recent_ones_keep_working(xsb):
    from sandbox.exchange.ews_sync import SYNC_STATES_KEPT

    acc = account(xsb)
    _events(acc, 1)
    _, oldest, _ = sync_page(acc, acc.calendar, None, 10)
    _, inbox_state, _ = sync_page(acc, acc.inbox, None, 10)
    states = [oldest]
    for _ in range(SYNC_STATES_KEPT):
        _, state, _ = sync_page(acc, acc.calendar, None, 10)
        states.append(state)
    # The oldest calendar state is gone; the one after it (still among the last kept) and
    # another folder's state (pruned per folder) still answer.
    with pytest.raises(ErrorInvalidSyncStateData):
        sync_page(acc, acc.calendar, oldest, 10)
    changes, _, last = sync_page(acc, acc.calendar, states[-SYNC_STATES_KEPT + 1], 10)
    assert (changes, last) == ([], True)
    changes, _, last = sync_page(acc, acc.inbox, inbox_state, 10)
    assert (changes, last) == ([], True)
