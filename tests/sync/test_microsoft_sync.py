"""Inbound Microsoft 365 sync through the engine against the Graph stand-in: bare occurrences
filled from one master fetch per series, the window moved forward by a full round, an
expired page link mid-round, one meeting across Google and Microsoft, mail downloaded
through $batch, deduplicated by Message-ID and dated by conversation, the source "Outlook
365", and a rotated refresh token saved by the runner. (Full and incremental, deletions,
series, all-day dates, expired cursors, throttling and revocation: the behaviour suite.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from behaviour.drivers.base import at
from behaviour.drivers.microsoft import MicrosoftDriver
from sqlalchemy import select
from sync_helpers import count, timed

from plugin.models import CalendarEvent, Email, EmailLink, Interaction, LinkedAccount, SyncCursor
from plugin.settings import get_settings
from plugin.sync.engine import sync_account
from plugin.sync.providers.base import Window
from plugin.sync.providers.microsoft.calendar import window_due

ANN, BOB = "ann@acme.com", "bob@acme.com"


def driver(msb, db, make_microsoft_account) -> MicrosoftDriver:
    return MicrosoftDriver(msb, db, make_microsoft_account)


def test_bare_occurrences_are_filled_from_one_master_fetch_per_series(
    msb, make_microsoft_account, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_SYNC_MICROSOFT_PAGE_SIZE", 3)
    d = driver(msb, db, make_microsoft_account)
    acc = d.link(ANN, sync_email=False)
    first = d.weekly(ANN, "Weekly A", count=4)
    d.weekly(ANN, "Weekly B", count=4)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    rows = list(db.session.scalars(select(CalendarEvent)))
    assert sorted(r.title for r in rows) == ["Weekly A"] * 4 + ["Weekly B"] * 4
    master = msb.mailbox(ANN).events[first]
    series_a = [r for r in rows if r.title == "Weekly A"]
    assert {r.ical_uid for r in series_a} == {master.ical_uid}
    assert len({r.instance_key for r in series_a}) == 4
    calls = msb.calls(ANN)
    assert calls["calendarView.delta"] == 3  # ceil(8 / 3) pages
    assert calls["events.get"] == 2  # one master per series, though they span pages
    assert run.api_calls == sum(calls.values())


def test_the_window_frozen_into_the_delta_token_is_moved_by_a_full_round(
    msb, make_microsoft_account, db
):
    d = driver(msb, db, make_microsoft_account)
    settings = get_settings()
    settings.window_future_days = 8
    db.session.commit()
    acc = d.link(ANN, sync_email=False)
    d.event(ANN, "Soon", days=2)
    d.event(ANN, "Later", days=20)  # outside the 8-day window
    assert sync_account(acc.id).status == "ok"
    assert sorted(db.session.scalars(select(CalendarEvent.title))) == ["Soon"]
    settings = get_settings()
    settings.window_future_days = 40  # the window now reaches far past the token's
    db.session.commit()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.full_sync and {"feed": "calendar", "note": "window moved"} in run.log
    assert sorted(db.session.scalars(select(CalendarEvent.title))) == ["Later", "Soon"]
    run = sync_account(acc.id)  # the new token covers the new window: incremental again
    assert not run.full_sync and run.fetched == 0


def test_changes_outside_the_window_reported_as_removed_are_ignored(
    msb, make_microsoft_account, db
):
    """Graph reports an event added, changed or deleted outside the delta window as
    @removed, an id the client was never sent: nothing is deleted, nothing fails."""
    d = driver(msb, db, make_microsoft_account)
    settings = get_settings()
    settings.window_future_days = 8
    db.session.commit()
    acc = d.link(ANN, sync_email=False)
    d.event(ANN, "Soon", days=2)
    far = d.event(ANN, "Far", days=20)
    assert sync_account(acc.id).status == "ok"
    d.event(ANN, "Farther", days=30)
    d.rename(ANN, far, "Far (renamed)")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert not run.full_sync
    assert sorted(db.session.scalars(select(CalendarEvent.title))) == ["Soon"]
    d.delete(ANN, far)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert sorted(db.session.scalars(select(CalendarEvent.title))) == ["Soon"]


def test_window_rule_every_quarter_of_the_future_span():
    """Past 30 days, future 40: the token's round began 9 days before `now`."""
    now = datetime(2026, 12, 2, 12)
    made = {"start": "2026-10-24T12:00:00Z", "end": "2027-01-02T12:00:00Z"}  # -39 / +31

    def window(at_: datetime, past: int = 30) -> Window:
        return Window(at_ - timedelta(days=past), at_ + timedelta(days=40))

    assert not window_due(made, window(now), now)  # moved 9 days: under 40 / 4
    later = now + timedelta(days=1)
    assert window_due(made, window(later), later)  # moved 10 days: a quarter
    assert window_due(made, window(now, past=45), now)  # the past widened past the token's


def test_a_page_link_that_expires_mid_round_starts_the_round_over(
    msb, make_microsoft_account, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "CRM_SYNC_MICROSOFT_PAGE_SIZE", 2)
    d = driver(msb, db, make_microsoft_account)
    acc = d.link(ANN, sync_email=False)
    for i in range(6):
        d.event(ANN, f"E{i}", days=1 + i)
    d.throttle_after_pages(ANN, 1)
    assert sync_account(acc.id).status == "throttled"
    assert db.session.scalar(select(SyncCursor.page_token))
    d.advance(61)
    d.unthrottle()
    d.expire_cursor(ANN)  # the saved page link now answers 410
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert sorted(db.session.scalars(select(CalendarEvent.title))) == [f"E{i}" for i in range(6)]
    assert count(db, CalendarEvent) == 6


def test_same_meeting_in_google_and_microsoft_is_one_crm_meeting(
    sb, msb, make_account, make_microsoft_account, db
):
    google = make_account("gail@acme.com", sync_email=False)
    ms = make_microsoft_account(ANN, sync_email=False)
    uid = "shared-meeting-7@acme.com"
    sb.calendar.insert_event("gail@acme.com", timed("Board", days=2, iCalUID=uid))
    made = driver(msb, db, make_microsoft_account).event(ANN, "Board", start=at(2))
    msb.mailbox(ANN).events[made].ical_uid = uid  # the invitation Outlook received
    assert sync_account(google.id).status == "ok"
    run = sync_account(ms.id)
    assert run.status == "ok", run.error
    [meeting] = db.session.scalars(select(CalendarEvent))
    assert meeting.ical_uid == uid
    assert sorted(link.linked_account_id for link in meeting.links) == sorted([google.id, ms.id])


def test_interactions_of_microsoft_items_say_outlook_365(msb, make_microsoft_account, db):
    from plugin.models import Account, AccountDomain

    db.session.add(Account(name="Customer", domains=[AccountDomain(domain="customer.com")]))
    db.session.commit()
    d = driver(msb, db, make_microsoft_account)
    acc = d.link(ANN)
    d.event(ANN, "Demo", attendees=["joe@customer.com"])
    d.message(ANN, "joe@customer.com", "Pricing", "Hi Ann")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert list(db.session.scalars(select(Interaction.source))) == ["Outlook 365"] * 2
    assert db.session.scalar(select(Email.source)) == "microsoft"


def test_messages_are_downloaded_in_batches_of_twenty(msb, make_microsoft_account, db):
    d = driver(msb, db, make_microsoft_account)
    acc = d.link(ANN, sync_calendar=False)
    for i in range(25):
        d.message(ANN, f"c{i}@customer.com", f"M{i}")
    msb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, Email) == 25
    calls = msb.calls(ANN)
    assert calls["messages.get"] == 25 and calls["batch"] == 2  # 20 + 5
    assert calls["messages.delta"] == 2  # Inbox and Sent Items, one page each
    assert run.api_calls == sum(calls.values())


def test_one_email_per_message_id_across_mailboxes_and_providers(
    sb, msb, make_account, make_microsoft_account, db
):
    ann = make_microsoft_account(ANN, sync_calendar=False)
    bob = make_microsoft_account(BOB, sync_calendar=False)
    gail = make_account("gail@acme.com", sync_calendar=False)
    sent = d_receive(msb, BOB, sender=ANN, subject="Quote", keep=True)
    mid = sent["internetMessageId"]
    sb.gmail.add_message(
        "gail@acme.com", from_=ANN, to=["gail@acme.com"], subject="Quote", message_id=mid
    )
    for acc in (ann, bob, gail):
        run = sync_account(acc.id)
        assert run.status == "ok", run.error
    [email] = db.session.scalars(select(Email))
    assert email.message_id == mid
    assert count(db, EmailLink) == 3  # Ann's Sent Items, Bob's Inbox, Gail's Gmail


def d_receive(msb, to, sender, subject, keep=False, conversation=None, body="x"):
    from sandbox.microsoft.outlook import outlook_action

    return outlook_action(
        msb,
        to,
        "receive_mail",
        {
            "from": sender,
            "subject": subject,
            "body": body,
            "to": [to],
            "sender_keeps_copy": keep,
            **({"conversation_id": conversation} if conversation else {}),
        },
    )


def test_a_reply_is_dated_by_the_start_of_its_conversation(msb, make_microsoft_account, db):
    acc = make_microsoft_account(ANN, sync_calendar=False)
    first = d_receive(msb, ANN, "joe@customer.com", "Pricing", conversation="AAQkAGconv1")
    assert sync_account(acc.id).status == "ok"
    msb.clock.advance(3 * 86400)
    d_receive(msb, ANN, "joe@customer.com", "RE: Pricing", conversation="AAQkAGconv1")
    assert sync_account(acc.id).status == "ok"
    emails = list(db.session.scalars(select(Email).order_by(Email.sent_at)))
    assert len(emails) == 2
    started = datetime.fromisoformat(first["receivedDateTime"].rstrip("Z")).date()
    assert {e.thread_started_on for e in emails} == {started}
    assert emails[1].sent_at.date() > started


def test_the_runner_saves_each_rotated_refresh_token_at_once(msb, make_microsoft_account, db):
    acc = make_microsoft_account(ANN, sync_email=False)
    old = dict(acc.credentials)
    acc.credentials = {**old, "expires_at": int(msb.clock.time()) - 10}
    db.session.commit()
    msb.faults.queue(3, 500, op="calendarView")  # the request after the refresh fails
    run = sync_account(acc.id)
    assert run.status == "failed"
    db.session.expire_all()
    saved = db.session.get(LinkedAccount, acc.id).credentials
    assert saved["refresh_token"] != old["refresh_token"]
    assert saved["access_token"] != old["access_token"]
    assert sync_account(acc.id).status == "ok"  # the saved token is the working one


def test_a_crash_right_after_a_refresh_leaves_the_rotated_token_saved(
    msb, make_microsoft_account, db, monkeypatch
):
    """The worker dies (not an error the runner records: the process ends) the moment the
    identity platform has answered the refresh. The old refresh token is then made unusable,
    as strict rotation would: the next run must work from what was committed."""
    from plugin.sync.providers.microsoft.http import MicrosoftHttp

    acc = make_microsoft_account(ANN, sync_email=False)
    old = dict(acc.credentials)
    acc.credentials = {**old, "expires_at": int(msb.clock.time()) - 10}
    db.session.commit()
    refresh = MicrosoftHttp._refresh

    def refresh_then_die(self):
        refresh(self)
        raise SystemExit("worker killed")

    monkeypatch.setattr(MicrosoftHttp, "_refresh", refresh_then_die)
    with pytest.raises(SystemExit):
        sync_account(acc.id)
    monkeypatch.setattr(MicrosoftHttp, "_refresh", refresh)
    db.session.rollback()  # what the dead process had not committed is gone
    del msb.state.refresh_tokens[old["refresh_token"]]
    msb.identity.expire_access_tokens(ANN)
    db.session.expire_all()
    saved = db.session.get(LinkedAccount, acc.id)
    assert saved.credentials["refresh_token"] in msb.state.refresh_tokens
    saved.lease_owner = None  # the dead worker's lease, expired
    db.session.commit()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error


def test_an_idle_incremental_sync_makes_one_delta_call_per_feed(msb, make_microsoft_account, db):
    d = driver(msb, db, make_microsoft_account)
    acc = d.link(ANN)
    d.event(ANN, "Call")
    d.weekly(ANN, "Weekly")
    d.message(ANN, "c@customer.com", "Hello")
    assert sync_account(acc.id).status == "ok"
    msb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.fetched == 0
    assert msb.calls(ANN) == {"calendarView.delta": 1, "messages.delta": 2}
    assert run.api_calls == 3


def test_a_download_throttled_mid_page_resumes_with_only_the_rest(msb, make_microsoft_account, db):
    d = driver(msb, db, make_microsoft_account)
    acc = d.link(ANN, sync_calendar=False)
    for i in range(25):
        d.message(ANN, f"c{i}@customer.com", f"M{i}")
    # One step of the first batch is refused for a minute; its other 19 are answered.
    msb.faults.queue(1, 429, op="messages.get", backoff_ms=60_000)
    run = sync_account(acc.id)
    assert run.status == "throttled"
    landed = count(db, Email)
    assert landed == 19  # kept; the second batch waits for the resumed page
    d.advance(61)
    msb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, Email) == 25
    assert msb.calls(ANN)["messages.get"] == 6  # only what had not come


def test_a_grant_without_mail_read_stops_only_the_mail_feed(msb, make_microsoft_account, db):
    from sync_helpers import MS_CLIENT

    from plugin.sync import grants

    d = driver(msb, db, make_microsoft_account)
    acc = d.link(ANN)
    token = msb.issue_token(ANN, ["offline_access", "User.Read", "Calendars.ReadWrite"], MS_CLIENT)
    acc.credentials = {**token, "expires_at": int(msb.clock.time()) + 3600}
    db.session.commit()
    d.event(ANN, "Kickoff")
    d.message(ANN, "c@customer.com", "Hello")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert count(db, CalendarEvent) == 1 and count(db, Email) == 0
    account = db.session.get(LinkedAccount, acc.id)
    assert account.status == "active" and grants.needs_permission(account) == ["mail"]
    msb.reset_calls()
    assert sync_account(acc.id).status == "ok"
    assert "messages.delta" not in msb.calls(ANN)  # not asked again until a re-link
