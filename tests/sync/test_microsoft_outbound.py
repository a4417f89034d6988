"""The Graph calendar writer against the Microsoft 365 stand-in: what is written (zones,
all-day, occurrences), retries and conflicts, and the invitations each setting lets Graph
send (providers/microsoft/guests.py: Graph invites every attendee it is given)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import requests
from behaviour.drivers.microsoft import MicrosoftDriver
from outbound_helpers import OWNER, create, edit
from sqlalchemy import select

from plugin.models import CalendarEvent, EventLink
from plugin.settings import get_settings
from plugin.sync.engine import sync_account
from plugin.sync.errors import EditConflict
from plugin.sync.providers import _microsoft
from plugin.sync.providers.base import EventDraft, Person
from plugin.sync.providers.microsoft.calendar_write import MicrosoftCalendarWriter

JOE, CARL = "joe@globex.com", "carl@globex.com"


def _writer(msb, db, make_microsoft_account, app):
    drv = MicrosoftDriver(msb, db, make_microsoft_account)
    account = drv.link(OWNER)
    drv.reset(account)
    return drv, MicrosoftCalendarWriter(_microsoft(app.config, account).http)


def _sent(msb) -> list[tuple[str, list[str]]]:
    return [(i["action"], i["recipients"]) for i in msb.invitations]


def _stored(msb, event_id: str):
    return msb.mailbox(OWNER).events[event_id]


def _guests(db, event_id: int) -> list[str]:
    db.session.expire_all()
    event = db.session.get(CalendarEvent, event_id)
    return sorted(p.email for p in event.participants if p.role != "organizer")


# ----- what is written ----------------------------------------------------------------------
def test_a_retried_insert_adopts_the_first_copy(msb, db, make_microsoft_account, app):
    """A crash before the provider id was saved: the next try finds the copy by its CRM id
    (a restricted $filter on the extended property) instead of making a second one."""
    drv, writer = _writer(msb, db, make_microsoft_account, app)
    draft = EventDraft("crm-1", "Review", datetime(2026, 12, 10, 9), datetime(2026, 12, 10, 10))
    first = writer.insert("x", draft, notify=False)
    again = writer.insert("x", draft, notify=False)
    assert not first.adopted and again.adopted
    assert again.remote.external_id == first.remote.external_id
    assert first.remote.crm_id == "crm-1"
    assert [e.title for e in drv.live_events(OWNER)] == ["Review"]


def test_a_post_whose_answer_was_lost_is_sent_again_without_a_duplicate(
    msb, db, make_microsoft_account, app
):
    """The POST reached Graph, its answer did not: the HTTP layer sends it again with the
    same transactionId, and Graph answers the copy the first one made."""
    drv, writer = _writer(msb, db, make_microsoft_account, app)
    session, real, lost = writer.http.session, writer.http.session.request, []

    def lose_the_first_answer(method, url, **kw):
        answer = real(method, url, **kw)
        if method == "POST" and not lost:
            lost.append(answer.status_code)
            raise requests.ReadTimeout("the answer never came")
        return answer

    session.request = lose_the_first_answer
    draft = EventDraft("crm-7", "Lost", datetime(2026, 12, 10, 9), datetime(2026, 12, 10, 10))
    pushed = writer.insert("x", draft, notify=False)
    assert lost == [201] and msb.calls(OWNER)["events.create"] == 2
    [only] = drv.live_events(OWNER)
    assert pushed.remote.external_id == only.id and pushed.remote.crm_id == "crm-7"


def test_a_meeting_in_another_zone_keeps_its_instant_and_its_zone(
    msb, db, make_microsoft_account, app
):
    _, writer = _writer(msb, db, make_microsoft_account, app)
    start = datetime(2026, 12, 10, 14, 30)  # naive UTC: 09:30 in New York
    draft = EventDraft(
        "crm-3", "NY", start, start + timedelta(hours=1), timezone="America/New_York"
    )
    remote = writer.insert("x", draft, notify=False).remote
    assert (remote.start.replace(tzinfo=None), remote.end.replace(tzinfo=None)) == (
        start,
        start + timedelta(hours=1),
    )
    assert remote.timezone == "America/New_York" and not remote.all_day
    stored = _stored(msb, remote.external_id)
    assert stored.data["_start_tz"] == "America/New_York"


def test_an_all_day_meeting_keeps_its_dates(msb, db, make_microsoft_account, app):
    """Graph wants midnight to midnight in one zone and isAllDay; the dates come back."""
    _, writer = _writer(msb, db, make_microsoft_account, app)
    draft = EventDraft(
        "crm-4",
        "Offsite",
        date(2026, 12, 14),
        date(2026, 12, 16),
        all_day=True,
        timezone="Europe/Berlin",
    )
    remote = writer.insert("x", draft, notify=False).remote
    assert remote.all_day and (remote.start, remote.end) == (date(2026, 12, 14), date(2026, 12, 16))
    moved = writer.patch(
        remote.external_id,
        EventDraft(
            "crm-4",
            "Offsite",
            date(2026, 12, 15),
            date(2026, 12, 16),
            True,
            timezone="Europe/Berlin",
        ),
        remote.etag,
        notify=False,
    )
    assert moved.all_day and (moved.start, moved.end) == (date(2026, 12, 15), date(2026, 12, 16))


def test_guests_invited_are_the_events_attendees(msb, db, make_microsoft_account, app):
    _, writer = _writer(msb, db, make_microsoft_account, app)
    draft = EventDraft(
        "crm-5",
        "Demo",
        datetime(2026, 12, 10, 9),
        datetime(2026, 12, 10, 10),
        attendees=(Person(JOE, "Joe"),),
    )
    remote = writer.insert("x", draft, notify=True).remote
    stored = _stored(msb, remote.external_id)
    assert [a["emailAddress"]["address"] for a in stored.data["attendees"]] == [JOE]
    assert [p.email for p in remote.attendees] == [JOE]
    assert _sent(msb) == [("created", [JOE])]


def test_guests_not_invited_are_kept_off_outlook_and_read_back(
    msb, db, make_microsoft_account, app
):
    _, writer = _writer(msb, db, make_microsoft_account, app)
    draft = EventDraft(
        "crm-6",
        "Quiet",
        datetime(2026, 12, 10, 9),
        datetime(2026, 12, 10, 10),
        attendees=(Person(JOE, "Joe"),),
    )
    remote = writer.insert("x", draft, notify=False).remote
    assert _stored(msb, remote.external_id).data.get("attendees") in (None, [])
    assert [(p.email, p.name) for p in remote.attendees] == [(JOE, "Joe")]
    assert writer.insert("x", draft, notify=False).adopted  # and it compares equal
    writer.delete(remote.external_id, remote.etag, notify=False)
    assert _sent(msb) == []


def test_a_stale_etag_is_an_edit_conflict_and_delete_twice_is_fine(
    msb, db, make_microsoft_account, app
):
    drv, writer = _writer(msb, db, make_microsoft_account, app)
    draft = EventDraft("crm-2", "Plan", datetime(2026, 12, 11, 9), datetime(2026, 12, 11, 10))
    made = writer.insert("x", draft, notify=False).remote
    moved = writer.patch(
        made.external_id,
        draft.__class__(**{**draft.__dict__, "title": "Plan B"}),
        made.etag,
        notify=False,
    )
    assert moved.title == "Plan B"
    with pytest.raises(EditConflict):  # Graph answers 412 to the old If-Match
        writer.patch(made.external_id, draft, made.etag, notify=False)
    with pytest.raises(EditConflict):
        writer.delete(made.external_id, made.etag, notify=False)
    assert _stored(msb, made.external_id).data["subject"] == "Plan B"
    writer.delete(made.external_id, moved.etag, notify=False)
    writer.delete(made.external_id, moved.etag, notify=False)
    assert writer.get(made.external_id) is None
    assert drv.live_events(OWNER) == []


def test_one_occurrence_is_edited_and_deleted_alone(msb, db, make_microsoft_account, app):
    drv, writer = _writer(msb, db, make_microsoft_account, app)
    series = drv.weekly(OWNER, "Weekly", count=4)
    second, third = drv._occurrence(series, 2), drv._occurrence(series, 3)
    current = writer.get(second)
    assert current.recurring_event_id == series
    draft = EventDraft(
        "crm-8",
        "Weekly (moved)",
        current.start.replace(tzinfo=None) + timedelta(hours=2),
        current.end.replace(tzinfo=None) + timedelta(hours=2),
    )
    moved = writer.patch(second, draft, current.etag, notify=False)
    assert moved.title == "Weekly (moved)" and moved.external_id == second
    writer.delete(third, writer.get(third).etag, notify=False)
    box = msb.mailbox(OWNER)
    held = [d for _, _, d in box.instances(datetime(2026, 1, 1).astimezone(), at_end())]
    titles = sorted(
        (d["event"].exceptions.get(d["original"].isoformat(), {}).get("subject") or "Weekly")
        for d in held
    )
    assert titles == ["Weekly", "Weekly", "Weekly (moved)"]  # 4 - the deleted one
    assert box.events[series].data["subject"] == "Weekly"
    assert writer.get(third) is None


def at_end():
    return datetime(2028, 1, 1).astimezone()


# ----- invitations, through the engine ------------------------------------------------------
@pytest.mark.parametrize(
    ("policy", "sent"),
    [
        ("never", []),
        # Graph updates the guests it invited on every change; carl, added later, is not
        # invited: kept in the CRM's property.
        ("new", [("created", [JOE]), ("updated", [JOE])]),
        ("always", [("created", [JOE]), ("created", [CARL]), ("updated", [JOE])]),
    ],
)
def test_invitations_follow_the_setting(msb, make_microsoft_account, db, policy, sent):
    get_settings().send_invitations = policy
    acc = make_microsoft_account(OWNER)
    sync_account(acc.id)  # linked and synced; what follows is new
    event = create(db, acc, "Invite", attendees=[JOE])
    assert sync_account(acc.id).pushed == 1
    edit(db, event, title="Invite (moved)", attendees=(Person(JOE), Person(CARL)))
    assert sync_account(acc.id).pushed == 1
    assert _sent(msb) == sent
    run = sync_account(acc.id)  # our own writes come back: no change, no push
    assert (run.status, run.updated, run.pushed) == ("ok", 0, 0)
    assert _guests(db, event.id) == [CARL, JOE]


@pytest.mark.parametrize("added_in_outlook", [False, True])
def test_guests_kept_off_outlook_survive_an_edit_made_in_outlook(
    msb, make_microsoft_account, db, added_in_outlook
):
    get_settings().send_invitations = "never"
    acc = make_microsoft_account(OWNER)
    drv = MicrosoftDriver(msb, db, make_microsoft_account)
    sync_account(acc.id)
    event = create(db, acc, "Quiet", attendees=[JOE])
    sync_account(acc.id)
    link = db.session.scalar(select(EventLink))
    changes = {"subject": "Renamed in Outlook"}
    if added_in_outlook:  # the Outlook user invites Carl: Graph sends him the request
        changes["attendees"] = [{"emailAddress": {"address": CARL}, "type": "required"}]
    drv._outlook(OWNER, "update_event", {"id": link.external_id, "changes": changes})
    run = sync_account(acc.id)
    assert (run.status, run.updated, run.pushed) == ("ok", 1, 0)
    db.session.expire_all()
    assert db.session.get(CalendarEvent, event.id).title == "Renamed in Outlook"
    assert _guests(db, event.id) == ([CARL, JOE] if added_in_outlook else [JOE])
    assert _sent(msb) == ([("created", [CARL])] if added_in_outlook else [])


def test_a_backfill_sends_nothing(msb, make_microsoft_account, db):
    get_settings().send_invitations = "always"
    acc = make_microsoft_account(OWNER)
    old = create(db, acc, "Booked before linking", attendees=[JOE])
    old.created_at = acc.created_at - timedelta(days=3)
    db.session.commit()
    assert sync_account(acc.id).pushed == 1  # the first, full sync backfills it
    edit(db, old, title="Moved")
    assert sync_account(acc.id).pushed == 1
    [remote] = msb.mailbox(OWNER).events.values()
    assert remote.data["subject"] == "Moved" and not remote.data.get("attendees")
    assert _sent(msb) == []
    assert _guests(db, old.id) == [JOE]


def test_the_echo_of_pushed_meetings_is_read_in_batches_and_an_idle_sync_reads_nothing(
    msb, make_microsoft_account, db
):
    """The delta has no extended properties: CRM-made events are read in full, 20 to a
    $batch; a calendar with no change costs its one delta call."""
    acc = make_microsoft_account(OWNER)
    sync_account(acc.id)
    for n in range(21):
        create(db, acc, f"Booked {n}", attendees=[JOE])
    assert sync_account(acc.id).pushed == 21
    msb.reset_calls()
    run = sync_account(acc.id)
    assert (run.status, run.updated, run.pushed) == ("ok", 0, 0)
    calls = msb.calls(OWNER)
    assert (calls.get("batch"), calls.get("events.get")) == (2, 21)
    msb.reset_calls()
    sync_account(acc.id)
    calls = msb.calls(OWNER)
    assert calls["calendarView.delta"] == 1
    assert not {op for op in calls if op.startswith(("events", "batch"))}
