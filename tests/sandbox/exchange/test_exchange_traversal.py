"""FindItem and FindFolder traversals and paging from the end, as Exchange serves them."""

from __future__ import annotations

import re

from exchange_helpers import account, raw_soap
from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib.errors import ErrorItemNotFound
from exchangelib.folders import SOFT_DELETED, FolderCollection

UTC = EWSTimeZone("UTC")


def _events(xsb, acc, n):
    items = []
    for i in range(n):
        xsb.clock.advance(60)  # FindItem lists newest-created first
        item = CalendarItem(
            account=acc,
            folder=acc.calendar,
            subject=f"E{i}",
            start=EWSDateTime(2027, 1, 5 + i, 9, tzinfo=UTC),
            end=EWSDateTime(2027, 1, 5 + i, 10, tzinfo=UTC),
        )
        item.save()
        items.append(item)
    return items


def test_soft_deleted_traversal_lists_what_was_soft_deleted_from_the_folder(xsb):
    acc = account(xsb)
    keep, gone, hard = _events(xsb, acc, 3)
    gone_id = (gone.id, gone.changekey)
    gone.soft_delete()
    hard.delete()  # HardDelete: purged, in no traversal
    assert [i.subject for i in acc.calendar.all()] == ["E0"]
    assert [i.subject for i in acc.calendar.all().depth("SoftDeleted")] == ["E1"]
    # A soft-deleted traversal with a restriction returns nothing (FindItem reference).
    assert list(acc.calendar.filter(subject="E1").depth("SoftDeleted")) == []
    # The item moved to the dumpster under a new id, as a move does.
    assert isinstance(list(acc.fetch(ids=[gone_id]))[0], ErrorItemNotFound)
    assert [i.subject for i in acc.inbox.all().depth("SoftDeleted")] == []
    assert keep.subject == "E0"


def test_associated_traversal_returns_no_normal_items(xsb):
    acc = account(xsb)
    _events(xsb, acc, 2)
    assert len(list(acc.calendar.all())) == 2
    # No folder-associated items are stored, and the normal ones are not associated.
    assert list(acc.calendar.all().depth("Associated")) == []


def test_soft_deleted_find_folder_lists_no_live_folders(xsb):
    acc = account(xsb)
    assert [f.name for f in acc.msg_folder_root.children]  # Shallow sees the folders
    found = list(
        FolderCollection(account=acc, folders=[acc.msg_folder_root]).find_folders(
            depth=SOFT_DELETED
        )
    )
    assert found == []


def _find_from_end(xsb, offset, limit):
    # Raw SOAP: exchangelib always pages with BasePoint="Beginning".
    body = (
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        '<t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>'
        f'</m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="{limit}" Offset="{offset}"'
        ' BasePoint="End"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/>'
        "</m:ParentFolderIds></m:FindItem>"
    )
    r = raw_soap(xsb, body)
    assert r.status_code == 200, r.text
    subjects = re.findall(r"<t:Subject>([^<]*)</t:Subject>", r.text)
    next_offset = int(re.search(r'IndexedPagingOffset="(\d+)"', r.text).group(1))
    last = re.search(r'IncludesLastItemInRange="(\w+)"', r.text).group(1) == "true"
    return subjects, next_offset, last


def test_base_point_end_counts_the_offset_from_the_end(xsb):
    acc = account(xsb)
    _events(xsb, acc, 5)  # view order, newest first: E4 E3 E2 E1 E0
    assert _find_from_end(xsb, 0, 2) == (["E1", "E0"], 2, False)
    assert _find_from_end(xsb, 2, 2) == (["E3", "E2"], 4, False)
    assert _find_from_end(xsb, 4, 2) == (["E4"], 5, True)


def _sync_ignoring(acc, ignore):
    from exchangelib.services import SyncFolderItems

    svc = SyncFolderItems(account=acc)
    return list(
        svc.call(
            folder=acc.calendar,
            shape="IdOnly",
            additional_fields=None,
            sync_state=None,
            ignore=ignore,
            max_changes_returned=10,
            sync_scope=None,
        )
    )


def test_sync_ignore_skips_the_item_and_a_malformed_id_is_refused_in_the_response(xsb):
    from exchangelib.errors import ErrorInvalidIdMalformed
    from exchangelib.properties import ItemId

    acc = account(xsb)
    first, second = _events(xsb, acc, 2)
    changes = _sync_ignoring(acc, [ItemId(id=first.id, changekey=first.changekey)])
    assert [item.id for _, item in changes] == [second.id]
    # An Ignore id that cannot be read fails the request with ErrorInvalidIdMalformed in its
    # ResponseMessage, not a SOAP fault: exchangelib hands the message's error back as the
    # one result (from a fault it would raise).
    [answer] = _sync_ignoring(acc, [ItemId(id="bm90LWFuLWlk", changekey="x")])
    assert isinstance(answer, ErrorInvalidIdMalformed)
