"""Inbound Exchange sync through the engine against the EWS stand-in: SyncFolderItems pages
and the idle call floor, zones, one meeting across Exchange and Google, mail deduplicated and
dated by thread, errors mapped to the engine's. (Full and incremental, deletions, series,
all-day dates, expired cursors, throttling and revocation: the behaviour suite,
tests/sync/behaviour.)"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from ews_helpers import at, event, ews_account, weekly
from sqlalchemy import select
from sync_helpers import count, timed

from plugin.models import (
    CalendarEvent,
    Email,
    EmailLink,
    Interaction,
    LinkedAccount,
    SyncCursor,
    SyncProblem,
)
from plugin.sync.engine import sync_account

ANN, BOB = "ann@acme.com", "bob@acme.com"


def ews_calls(xsb, op: str | None = None, email: str = ANN):
    calls = xsb.calls(email)
    return calls.get(op, 0) if op else calls


def titles(db) -> list[str]:
    return sorted(db.session.scalars(select(CalendarEvent.title)))


def test_an_idle_incremental_sync_costs_one_sync_folder_items_per_folder(
    xsb, make_exchange_account, db
):
    """(Full then incremental is in the behaviour suite; this is the EWS call floor.)"""
    acc = make_exchange_account(ANN)
    event(xsb, ANN, "Kickoff", attendees=["joe@customer.com"])
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    cursors = {c.feed: c for c in db.session.scalars(select(SyncCursor))}
    assert cursors["mail"].cursor and cursors["mail"].page_token is None

    xsb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == run.updated == run.deleted == 0
    # One SyncFolderItems per folder (calendar, inbox, sent items) and nothing else: no
    # GetFolder to find the folders, nothing downloaded.
    assert ews_calls(xsb) == {"SyncFolderItems": 3}
    assert run.api_calls == 3


def test_an_idle_calendar_only_sync_costs_one_call(xsb, make_exchange_account, db):
    acc = make_exchange_account(ANN, sync_email=False)
    event(xsb, ANN, "Kickoff")
    assert sync_account(acc.id).status == "ok"
    xsb.reset_calls()
    assert sync_account(acc.id).status == "ok"
    assert ews_calls(xsb) == {"SyncFolderItems": 1}


def test_a_new_worker_process_adds_only_the_version_probe(xsb, make_exchange_account, db):
    """exchangelib asks the server's version (one ConvertId) once per process and endpoint;
    finding the folders still costs nothing."""
    import exchangelib

    acc = make_exchange_account(ANN)
    assert sync_account(acc.id).status == "ok"
    exchangelib.close_connections()  # what a new process starts from
    xsb.reset_calls()
    assert sync_account(acc.id).status == "ok"
    assert ews_calls(xsb) == {"ConvertId": 1, "SyncFolderItems": 3}


def test_a_sync_with_changes_asks_for_no_folder(xsb, make_exchange_account, db):
    acc = make_exchange_account(ANN)
    assert sync_account(acc.id).status == "ok"
    event(xsb, ANN, "Kickoff", attendees=["joe@customer.com"])
    weekly(xsb, ANN, "Weekly", count=3)
    xsb.outlook.send_mail(ANN, ["joe@customer.com"], "Hello", "Body")
    xsb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 5, run.error  # 1 + 3 meetings, 1 email
    # The calendar page's two new items in one GetItem, the series in one CalendarView, the
    # sent mail in one GetItem: folders are addressed by their distinguished ids.
    assert ews_calls(xsb) == {"SyncFolderItems": 3, "GetItem": 2, "FindItem": 1}


def test_pages_of_sync_items_resume_from_the_intermediate_state(
    xsb, make_exchange_account, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_SYNC_EXCHANGE_PAGE_SIZE", 2)
    acc = make_exchange_account(ANN, sync_email=False)
    for i in range(5):
        event(xsb, ANN, f"E{i}", days=1 + i)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.pages == 3 and count(db, CalendarEvent) == 5
    assert ews_calls(xsb, "SyncFolderItems") == 3


def test_unknown_zone_is_a_problem_on_that_item_and_the_page_goes_on(
    xsb, make_exchange_account, db
):
    acc = make_exchange_account(ANN, sync_email=False)
    bad = event(xsb, ANN, "Martian")
    event(xsb, ANN, "Earthly")
    box = xsb.mailboxes[ANN]
    [item] = [i for i in box.items.values() if i.fields.get("Subject", b"").find(b"Martian") >= 0]
    item.data["start_tz"] = item.data["end_tz"] = "Mars Standard Time"
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert titles(db) == ["Earthly"]
    [problem] = db.session.scalars(select(SyncProblem))
    assert problem.external_id == bad["id"] and "Mars Standard Time" in problem.message


def test_same_meeting_in_exchange_and_google_is_one_crm_meeting(
    sb, xsb, make_account, make_exchange_account, db
):
    from exchangelib import CalendarItem, EWSDateTime

    google = make_account("gail@acme.com", sync_email=False)
    exchange = make_exchange_account(ANN, sync_email=False)
    uid = "shared-meeting-1@acme.com"
    body = timed("Board", days=2, attendees=["ann@acme.com"], iCalUID=uid)
    sb.calendar.insert_event("gail@acme.com", body)
    account = ews_account(xsb, ANN)
    start = at(2)
    CalendarItem(
        account=account,
        folder=account.calendar,
        subject="Board",
        uid=uid,
        start=EWSDateTime.from_datetime(start),
        end=EWSDateTime.from_datetime(start + timedelta(hours=1)),
    ).save(send_meeting_invitations="SendToNone")
    assert sync_account(google.id).status == "ok"
    run = sync_account(exchange.id)
    assert run.status == "ok", run.error
    [meeting] = db.session.scalars(select(CalendarEvent))
    assert meeting.ical_uid == uid
    assert sorted(link.linked_account_id for link in meeting.links) == sorted(
        [google.id, exchange.id]
    )


def test_interactions_of_exchange_items_say_exchange(xsb, make_exchange_account, db):
    from plugin.models import Account, AccountDomain

    db.session.add(Account(name="Customer", domains=[AccountDomain(domain="customer.com")]))
    db.session.commit()
    acc = make_exchange_account(ANN)
    event(xsb, ANN, "Demo", attendees=["joe@customer.com"])
    xsb.add_user("joe@customer.com", "Joe")
    xsb.outlook.send_mail("joe@customer.com", to=[ANN], subject="Pricing", body="Hi Ann")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    sources = list(db.session.scalars(select(Interaction.source)))
    assert sources == ["Exchange", "Exchange"]  # the meeting and the email
    assert db.session.scalar(select(Email.source)) == "exchange"


# ----- mail ---------------------------------------------------------------------------------
def test_inbox_and_sent_items_one_email_per_message_id_dated_by_thread_start(
    xsb, make_exchange_account, db
):
    ann = make_exchange_account(ANN)
    bob = make_exchange_account(BOB)
    xsb.outlook.send_mail(BOB, to=[ANN], subject="Proposal", body="Here it is")
    assert sync_account(ann.id).status == "ok"
    first = db.session.scalar(select(Email))
    xsb.clock.advance(3 * 86400)
    xsb.outlook.send_mail(
        ANN, to=[BOB], subject="Re: Proposal", body="Thanks", in_reply_to=first.message_id
    )
    for acc in (ann, bob):
        run = sync_account(acc.id)
        assert run.status == "ok", run.error
    mails = list(db.session.scalars(select(Email).order_by(Email.sent_at)))
    assert [m.subject for m in mails] == ["Proposal", "Re: Proposal"]
    assert count(db, EmailLink) == 4  # each message in Ann's and Bob's mailbox, stored once
    assert mails[1].sent_at - mails[0].sent_at >= timedelta(days=3)
    assert {m.thread_started_on for m in mails} == {mails[0].sent_at.date()}
    assert mails[0].body_text == "Here it is"
    links = db.session.scalars(select(EmailLink).where(EmailLink.linked_account_id == ann.id))
    assert len({link.thread_external_id for link in links}) == 1  # one ConversationId


@pytest.mark.parametrize("sync_between", [False, True])
def test_a_reply_naming_only_its_parent_is_dated_by_its_conversation_start(
    xsb, make_exchange_account, db, sync_between
):
    """Outlook's References may name the parent alone: the ConversationId ties the third
    message to the thread the first one started."""
    ann = make_exchange_account(ANN)
    make_exchange_account(BOB)
    xsb.outlook.send_mail(BOB, to=[ANN], subject="Plan", body="1")
    sync_account(ann.id)
    first = db.session.scalar(select(Email))
    xsb.clock.advance(2 * 86400)
    xsb.outlook.send_mail(ANN, to=[BOB], subject="Re: Plan", body="2", in_reply_to=first.message_id)
    if sync_between:
        sync_account(ann.id)
    second_id = _message_id_of(xsb, ANN, "Re: Plan")
    xsb.clock.advance(2 * 86400)
    xsb.outlook.send_mail(BOB, to=[ANN], subject="Re: Re: Plan", body="3", in_reply_to=second_id)
    run = sync_account(ann.id)
    assert run.status == "ok", run.error
    mails = list(db.session.scalars(select(Email).order_by(Email.sent_at)))
    assert [m.subject for m in mails] == ["Plan", "Re: Plan", "Re: Re: Plan"]
    assert {m.thread_started_on for m in mails} == {mails[0].sent_at.date()}


def _message_id_of(xsb, email: str, subject: str) -> str:
    account = ews_account(xsb, email)
    [msg] = account.sent.filter(subject=subject).only("message_id")
    return msg.message_id


def test_held_messages_are_not_downloaded_again_on_a_resync(xsb, make_exchange_account, db):
    acc = make_exchange_account(ANN, sync_calendar=False)
    xsb.add_user("joe@customer.com", "Joe")
    for i in range(3):
        xsb.outlook.send_mail("joe@customer.com", to=[ANN], subject=f"M{i}", body="x")
    run = sync_account(acc.id)
    assert run.status == "ok" and run.created == 3
    assert ews_calls(xsb, "GetItem") == 1  # one batch
    xsb.outlook.invalidate_sync_states(ANN)
    xsb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert {"feed": "mail", "note": "cursor expired"} in run.log
    assert ews_calls(xsb, "GetItem") == 0 and count(db, Email) == 3


def test_throttled_download_keeps_what_came_and_resumes_the_page(
    xsb, make_exchange_account, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_SYNC_EXCHANGE_GET_BATCH_SIZE", 2)
    acc = make_exchange_account(ANN, sync_calendar=False)
    xsb.add_user("joe@customer.com", "Joe")
    for i in range(5):
        xsb.outlook.send_mail("joe@customer.com", to=[ANN], subject=f"M{i}", body="x")
    # Exchange's call budget lets the version probe, the sync and one GetItem batch through,
    # and refuses the next batch for the rest of the minute.
    xsb.throttle.window_seconds = 60
    xsb.throttle.budget = 3
    run = sync_account(acc.id)
    assert run.status == "throttled", run.error
    assert count(db, Email) == 2  # the first batch is kept
    cursor = db.session.scalar(select(SyncCursor))
    assert cursor.page_token and cursor.cursor is None
    xsb.throttle.budget = None
    xsb.clock.advance(61)
    xsb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, Email) == 5 and count(db, EmailLink) == 5
    assert ews_calls(xsb, "GetItem") == 2  # only the 3 not downloaded yet, in 2 batches


def test_a_message_exchange_refuses_is_a_problem_and_the_rest_lands(xsb, make_exchange_account, db):
    acc = make_exchange_account(ANN, sync_calendar=False)
    xsb.add_user("joe@customer.com", "Joe")
    xsb.outlook.send_mail("joe@customer.com", to=[ANN], subject="Broken", body="x")
    xsb.faults.queue(op="GetItem", code="ErrorCorruptData", count=1)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    [problem] = db.session.scalars(select(SyncProblem))
    assert problem.item_kind == "email" and "ErrorCorruptData" in problem.message


# ----- errors -------------------------------------------------------------------------------
def test_a_short_server_busy_is_waited_out_within_the_run(xsb, make_exchange_account, db):
    acc = make_exchange_account(ANN, sync_email=False)
    event(xsb, ANN, "One")
    xsb.faults.queue(op="SyncFolderItems", code="ErrorServerBusy", backoff_ms=20, count=1)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert ews_calls(xsb, "SyncFolderItems") == 2 and count(db, CalendarEvent) == 1


def test_a_long_server_busy_is_throttled_with_its_back_off(xsb, make_exchange_account, db):
    from plugin.models import utcnow

    acc = make_exchange_account(ANN, sync_email=False)
    event(xsb, ANN, "One")
    xsb.faults.queue(op="SyncFolderItems", code="ErrorServerBusy", backoff_ms=90_000, count=1)
    run = sync_account(acc.id)
    assert run.status == "throttled", run.error
    account = db.session.get(LinkedAccount, acc.id)
    wait = (account.next_sync_at - utcnow()).total_seconds()
    assert 60 < wait <= 91 and account.status == "active"
    run = sync_account(acc.id)
    assert run.status == "ok" and count(db, CalendarEvent) == 1


def test_503_is_throttled(xsb, make_exchange_account, db):
    acc = make_exchange_account(ANN, sync_email=False)
    xsb.faults.queue(op="SyncFolderItems", code=503, count=10)
    run = sync_account(acc.id)
    assert run.status == "throttled", run.error
    assert db.session.get(LinkedAccount, acc.id).status == "active"


def test_a_changed_password_is_never_named_in_the_error(xsb, make_exchange_account, db):
    """(needs re-link on a revoked grant is in the behaviour suite.)"""
    acc = make_exchange_account(ANN)
    xsb.add_user(ANN, "Ann", password="changed")
    run = sync_account(acc.id)
    assert run.status == "failed"
    assert "password" not in (run.error or "").replace("wrong or changed password", "")


def test_an_unreachable_server_is_transient(xsb, make_exchange_account, db):
    acc = make_exchange_account(ANN)
    acc.credentials = {**acc.credentials, "server": "http://127.0.0.1:9/EWS/Exchange.asmx"}
    db.session.commit()
    run = sync_account(acc.id)
    assert run.status == "failed"
    account = db.session.get(LinkedAccount, acc.id)
    assert account.status == "active" and account.failure_count == 1
    assert "unreachable" in account.last_error.lower() or "answer" in account.last_error.lower()


def test_a_window_over_two_years_is_viewed_in_parts(xsb, make_exchange_account, db):
    """EWS refuses a CalendarView over two years: the adapter splits the window."""
    from plugin.settings import get_settings

    settings = get_settings()
    settings.window_past_days = settings.window_future_days = 400
    db.session.commit()
    acc = make_exchange_account(ANN, sync_email=False)
    weekly(xsb, ANN, "Standup", count=3)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, CalendarEvent) == 3
    assert ews_calls(xsb, "FindItem") == 2


def test_a_series_with_more_occurrences_than_a_view_serves_is_read_in_pages(
    xsb, make_exchange_account, db, monkeypatch
):
    """EWSFindCountLimit (1000; 10 here) caps a CalendarView: the adapter asks for pages of
    MaxEntriesReturned, each from the last row's start, and loses no occurrence."""
    from plugin.sync.providers.exchange import calendar as ews_calendar
    from sandbox.exchange import ews_items

    monkeypatch.setattr(ews_items, "FIND_COUNT_LIMIT", 10)
    monkeypatch.setattr(ews_calendar, "VIEW_PAGE", 10)
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    start = at(1)
    xsb.outlook.create_event(ANN, "Daily", start, start + timedelta(hours=1), weekly=days, count=25)
    acc = make_exchange_account(ANN, sync_email=False)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, CalendarEvent) == 25
    assert ews_calls(xsb, "FindItem") == 3  # rows 1-10, 10-19, 19-25


@pytest.mark.parametrize(
    "windows, iana",
    [
        ("Tokyo Standard Time", "Asia/Tokyo"),
        ("India Standard Time", "Asia/Kolkata"),
        ("E. South America Standard Time", "America/Sao_Paulo"),
    ],
)
def test_a_less_common_windows_zone_lands_on_its_local_time_and_date(
    xsb, make_exchange_account, db, windows, iana
):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from ews_helpers import all_day, day

    acc = make_exchange_account(ANN, sync_email=False)
    zone = ZoneInfo(iana)
    start = datetime.combine(day(4), time(9, 30), zone)
    made = xsb.outlook.create_event(ANN, "Local", start, start + timedelta(hours=1), time_zone=iana)
    all_day(xsb, ANN, "Holiday", day(5), iana)
    [item] = ews_account(xsb, ANN).fetch(ids=[(made["id"], None)], only_fields=["start"])
    assert item._start_timezone.ms_id == windows  # as Exchange stores it, read by exchangelib
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    timed_row = db.session.scalars(select(CalendarEvent).filter_by(title="Local")).one()
    whole_day = db.session.scalars(select(CalendarEvent).filter_by(title="Holiday")).one()
    local = timed_row.start_at.replace(tzinfo=UTC).astimezone(ZoneInfo(timed_row.timezone))
    assert (local.date(), local.time()) == (day(4), time(9, 30))
    assert local.utcoffset() == start.utcoffset()
    assert whole_day.all_day and (whole_day.start_date, whole_day.end_date) == (day(5), day(6))
