"""Slice 6: the control plane and its Python API - calls, reset, faults, throttling, the
clock, changes "as the user did in Outlook" - and cross-mailbox refusal."""

from __future__ import annotations

import pytest
import requests
from exchange_helpers import ANN, BOB, account, sync_page
from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib.errors import (
    ErrorAccessDenied,
    ErrorExceededConnectionCount,
    ErrorInvalidSyncStateData,
    ErrorMailboxStoreUnavailable,
    ErrorServerBusy,
    ErrorTimeoutExpired,
)

UTC = EWSTimeZone("UTC")


def _event(acc, subject="Call"):
    item = CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject=subject,
        start=EWSDateTime(2027, 1, 5, 9, tzinfo=UTC),
        end=EWSDateTime(2027, 1, 5, 10, tzinfo=UTC),
    )
    item.save()
    return item


def test_calls_count_executed_operations_not_auth_legs(xsb):
    acc = account(xsb)  # NTLM: two 401 legs before the first answer
    _event(acc)
    counts = requests.get(f"{xsb.base_url}/_sandbox/calls").json()
    assert counts["CreateItem"] == 1 and counts["ConvertId"] == 1
    assert sum(counts.values()) == sum(xsb.calls().values())
    assert requests.get(f"{xsb.base_url}/_sandbox/calls", params={"email": BOB}).json() == {}
    requests.delete(f"{xsb.base_url}/_sandbox/calls")
    assert xsb.calls() == {}


def test_reset_empties_mailboxes_keeps_users_and_invalidates_sync_states(xsb):
    acc = account(xsb)
    _event(acc)
    _, state, _ = sync_page(acc, acc.calendar, None, 10)
    assert requests.post(f"{xsb.base_url}/_sandbox/reset").json() == {"ok": True}
    assert xsb.calls() == {}
    assert {u["email"] for u in requests.get(f"{xsb.base_url}/_sandbox/users").json()} >= {ANN}
    assert list(acc.calendar.all()) == []
    with pytest.raises(ErrorInvalidSyncStateData):
        sync_page(acc, acc.calendar, state, 10)


def test_server_busy_fault_surfaces_with_its_back_off(xsb):
    acc = account(xsb)
    item = _event(acc)
    r = requests.post(
        f"{xsb.base_url}/_sandbox/faults",
        json={"op": "GetItem", "code": "ErrorServerBusy", "backoff_ms": 2500, "count": 1},
    )
    assert r.json()["pending_failures"] == 1
    with pytest.raises(ErrorServerBusy) as busy:
        acc.calendar.get(id=item.id)
    assert busy.value.back_off == 2.5
    assert acc.calendar.get(id=item.id).subject == "Call"  # count was 1
    assert xsb.calls()["GetItem"] == 2


def test_other_response_codes_and_http_503(xsb):
    acc = account(xsb)
    item = _event(acc)
    xsb.faults.queue(1, "ErrorMailboxStoreUnavailable", "GetItem")
    with pytest.raises(ErrorMailboxStoreUnavailable):
        list(acc.fetch(ids=[(item.id, item.changekey)]))
    xsb.faults.queue(1, 503, "GetItem")
    with pytest.raises(ErrorServerBusy, match="HTTP 503"):  # exchangelib's reading of a 503
        acc.calendar.get(id=item.id)
    assert acc.calendar.get(id=item.id).subject == "Call"


def test_budget_per_window_throttles_with_server_busy_until_the_window_passes(xsb):
    acc = account(xsb)
    item = _event(acc)
    requests.post(f"{xsb.base_url}/_sandbox/throttling", json={"budget": 2, "window_seconds": 60})
    acc.calendar.get(id=item.id)
    acc.calendar.get(id=item.id)
    with pytest.raises(ErrorServerBusy) as busy:
        acc.calendar.get(id=item.id)
    assert 0 < busy.value.back_off <= 60
    requests.post(f"{xsb.base_url}/_sandbox/clock", json={"advance": 61})
    assert acc.calendar.get(id=item.id).subject == "Call"


def test_concurrent_calls_per_user_are_limited(xsb):
    """Real parallel exchangelib calls, each slowed by the latency knob, overlap inside
    the throttle: past EWSMaxConcurrency they answer ErrorExceededConnectionCount, which
    exchangelib meets by shrinking its connection pool and retrying."""
    from concurrent.futures import ThreadPoolExecutor

    acc = account(xsb)
    item = _event(acc)
    xsb.throttle.max_concurrency = 2
    xsb.faults.latency = 0.3
    parallel = account(xsb, max_connections=6)  # exchangelib's pool holds 1 by default
    calendar = parallel.calendar
    with ThreadPoolExecutor(6) as pool:
        subjects = list(pool.map(lambda _: calendar.get(id=item.id).subject, range(6)))
    assert subjects == ["Call"] * 6  # every call got through in the end
    assert parallel.protocol.max_connections < 6  # after being refused for concurrency
    xsb.faults.latency = 0.0
    release = xsb.throttle.enter(ANN)  # one call of Ann's still running
    try:
        xsb.throttle.max_concurrency = 1
        with pytest.raises(ErrorExceededConnectionCount):
            acc.calendar.get(id=item.id)
        account(xsb, BOB).calendar.refresh()  # other users are not affected
    finally:
        release()
    assert acc.calendar.get(id=item.id).subject == "Call"


def test_clock_drives_item_times(xsb):
    requests.post(f"{xsb.base_url}/_sandbox/clock", json={"set": "2027-05-01T12:00:00+00:00"})
    acc = account(xsb)
    item = _event(acc)
    got = acc.calendar.get(id=item.id)
    assert got.datetime_created == EWSDateTime(2027, 5, 1, 12, tzinfo=UTC)
    assert requests.get(f"{xsb.base_url}/_sandbox/clock").json()["now"].startswith("2027-05-01")


def test_changes_as_the_user_did_in_outlook_move_sync_and_change_keys(xsb):
    acc = account(xsb)
    created = requests.post(
        f"{xsb.base_url}/_sandbox/mailbox/{ANN}/events",
        json={
            "subject": "Weekly",
            "start": "2027-03-03T09:00:00+01:00",
            "end": "2027-03-03T10:00:00+01:00",
            "time_zone": "Europe/Berlin",
            "weekly": ["Wednesday"],
            "count": 4,
            "extended": {"CrmSyncId": "crm-7"},
        },
    ).json()
    changes, state, _ = sync_page(acc, acc.calendar, None, 10)
    assert [(k, i.id) for k, i in changes] == [("create", created["id"])]
    calls_before = xsb.calls()
    moved = xsb.outlook.update_event(
        ANN,
        created["id"],
        occurrence=2,
        start="2027-03-10T15:00:00+01:00",
        end="2027-03-10T16:00:00+01:00",
    )
    assert moved["id"] != created["id"]
    r = requests.post(
        f"{xsb.base_url}/_sandbox/mailbox/{ANN}/delete", json={"id": created["id"], "occurrence": 3}
    )
    assert r.status_code == 200, r.text
    assert xsb.calls() == calls_before  # Outlook's changes are not EWS calls
    changes, state, _ = sync_page(acc, acc.calendar, state, 10)
    assert [(k, i.id) for k, i in changes] == [("update", created["id"])]
    master = acc.calendar.get(id=created["id"])
    assert master.changekey != created["change_key"]
    assert len(master.modified_occurrences) == 1 and len(master.deleted_occurrences) == 1
    view = list(
        acc.calendar.view(
            start=EWSDateTime(2027, 3, 1, tzinfo=UTC), end=EWSDateTime(2027, 4, 1, tzinfo=UTC)
        )
    )
    assert len(view) == 3
    assert view[1].start == EWSDateTime(2027, 3, 10, 14, tzinfo=UTC)


def test_outlook_mail_and_read_flag(xsb):
    xsb.outlook.send_mail(BOB, [ANN], "From Outlook", "<p>hi</p>", html=True)
    [mail] = xsb.outlook.items(ANN, "inbox")
    assert mail["subject"] == "From Outlook" and not mail["is_read"]
    acc = account(xsb)
    _, state, _ = sync_page(acc, acc.inbox, None, 10)
    r = requests.post(f"{xsb.base_url}/_sandbox/mailbox/{ANN}/read", json={"id": mail["id"]})
    assert r.status_code == 200, r.text
    changes, _, _ = sync_page(acc, acc.inbox, state, 10)
    assert [k for k, _ in changes] == ["read_flag_change"]
    xsb.outlook.invalidate_sync_states(ANN)
    with pytest.raises(ErrorInvalidSyncStateData):
        sync_page(acc, acc.inbox, state, 10)


def test_another_users_item_is_refused(xsb):
    bob_item = _event(account(xsb, BOB), "Bob's")
    with pytest.raises(ErrorAccessDenied):
        list(account(xsb).fetch(ids=[(bob_item.id, bob_item.changekey)]))


def test_demo_seed_is_idempotent_and_opens_in_exchangelib(xsb):
    from sandbox.exchange.demo_seed import seed_demo

    seed_demo(xsb)
    seed_demo(xsb)
    acc = account(xsb)
    subjects = sorted(i.subject for i in acc.calendar.all())
    assert subjects == ["Contract review with Bob", "Team standup", "Trade fair"]
    assert [m.subject for m in acc.inbox.all()] == ["Renewal quote"]
    assert [m.subject for m in account(xsb, BOB).inbox.all()].count("Thanks") == 1


def test_unreachable_closed_mode_drops_ews_but_not_the_control_plane(xsb):
    acc = account(xsb)
    item = _event(acc)
    requests.post(f"{xsb.base_url}/_sandbox/faults", json={"unreachable": "closed"})
    try:
        with pytest.raises(ErrorTimeoutExpired):  # exchangelib's reading of a dropped connection
            acc.calendar.get(id=item.id)
        assert requests.get(f"{xsb.base_url}/_sandbox/calls").status_code == 200
    finally:
        xsb.set_unreachable(None)
    assert acc.calendar.get(id=item.id).subject == "Call"
