"""Slice 4: /me/events writes and reads, driven by msgraph-sdk."""

from __future__ import annotations

from datetime import date

import pytest
import requests
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from microsoft_helpers import ANN, BOB, run, token_for
from msgraph.generated.models.attendee import Attendee
from msgraph.generated.models.attendee_type import AttendeeType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.day_of_week import DayOfWeek
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.generated.models.single_value_legacy_extended_property import (
    SingleValueLegacyExtendedProperty,
)
from msgraph.generated.users.item.events.events_request_builder import EventsRequestBuilder
from msgraph.generated.users.item.events.item.instances.instances_request_builder import (
    InstancesRequestBuilder,
)

CRM_PROP = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name CrmId"


def when(day: int, hour: int) -> DateTimeTimeZone:
    return DateTimeTimeZone(date_time=f"2026-12-{day:02d}T{hour:02d}:00:00", time_zone="UTC")


def meeting(crm_id: str = "crm-1", **kw) -> Event:
    return Event(
        subject=kw.pop("subject", "Renewal with Globex"),
        start=kw.pop("start", when(3, 9)),
        end=kw.pop("end", when(3, 10)),
        transaction_id=kw.pop("transaction_id", f"crm-{crm_id}"),
        attendees=[
            Attendee(
                email_address=EmailAddress(address=BOB, name="Bob"), type=AttendeeType.Required
            ),
            Attendee(
                email_address=EmailAddress(address="hank@globex.com"), type=AttendeeType.Optional
            ),
        ],
        single_value_extended_properties=[
            SingleValueLegacyExtendedProperty(id=CRM_PROP, value=crm_id)
        ],
        **kw,
    )


def weekly() -> Event:
    return meeting(
        "crm-series",
        subject="Weekly",
        start=when(7, 14),
        end=when(7, 15),
        recurrence=PatternedRecurrence(
            pattern=RecurrencePattern(
                type=RecurrencePatternType.Weekly, interval=1, days_of_week=[DayOfWeek.Monday]
            ),
            range=RecurrenceRange(
                type=RecurrenceRangeType.Numbered,
                start_date=date(2026, 12, 7),
                number_of_occurrences=3,
            ),
        ),
    )


def instances_config():
    q = InstancesRequestBuilder.InstancesRequestBuilderGetQueryParameters(
        start_date_time="2026-12-01T00:00:00Z", end_date_time="2027-01-01T00:00:00Z"
    )
    return RequestConfiguration(query_parameters=q)


def test_post_with_transaction_id_is_idempotent_and_keeps_the_crm_id(msb):
    async def go(client):
        first = await client.me.events.post(meeting())
        again = await client.me.events.post(meeting())  # an SDK retry re-POSTs
        q = EventsRequestBuilder.EventsRequestBuilderGetQueryParameters(
            filter=f"singleValueExtendedProperties/Any(ep: ep/id eq '{CRM_PROP}' "
            "and ep/value eq 'crm-1')",
            expand=[f"singleValueExtendedProperties($filter=id eq '{CRM_PROP}')"],
        )
        found = await client.me.events.get(RequestConfiguration(query_parameters=q))
        return first, again, found

    first, again, found = run(msb, go)
    assert first.id == again.id and first.transaction_id == "crm-crm-1"
    assert [e.id for e in found.value] == [first.id]
    props = found.value[0].single_value_extended_properties
    assert [(p.id, p.value) for p in props] == [(CRM_PROP, "crm-1")]
    assert len(msb.mailbox(ANN).events) == 1


def test_get_one_and_instances(msb):
    async def go(client):
        series = await client.me.events.post(weekly())
        one = await client.me.events.by_event_id(series.id).get()
        inst = await client.me.events.by_event_id(series.id).instances.get(instances_config())
        return one, inst

    one, inst = run(msb, go)
    assert one.type.value == "seriesMaster" and one.recurrence.pattern.interval == 1
    assert [i.type.value for i in inst.value] == ["occurrence"] * 3
    assert {i.series_master_id for i in inst.value} == {one.id}
    assert [i.start.date_time[:10] for i in inst.value] == [
        "2026-12-07",
        "2026-12-14",
        "2026-12-21",
    ]


def test_patch_with_if_match_and_a_stale_etag(msb):
    async def go(client):
        made = await client.me.events.post(meeting())
        cfg = RequestConfiguration()
        cfg.headers.add("If-Match", made.additional_data["@odata.etag"])
        changed = await client.me.events.by_event_id(made.id).patch(
            Event(subject="Renewal (moved)"), cfg
        )
        with pytest.raises(APIError) as err:
            await client.me.events.by_event_id(made.id).patch(Event(subject="Lost update"), cfg)
        return made, changed, err.value

    made, changed, err = run(msb, go)
    assert changed.subject == "Renewal (moved)" and changed.change_key != made.change_key
    assert err.response_status_code == 412 and err.error.code == "ErrorIrresolvableConflict"


def test_patching_an_occurrence_makes_an_exception(msb):
    async def go(client):
        series = await client.me.events.post(weekly())
        inst = await client.me.events.by_event_id(series.id).instances.get(instances_config())
        second = inst.value[1]
        await client.me.events.by_event_id(second.id).patch(
            Event(subject="Weekly (moved)", start=when(15, 16), end=when(15, 17))
        )
        after = await client.me.events.by_event_id(series.id).instances.get(instances_config())
        return second, after

    second, after = run(msb, go)
    kinds = [(i.id == second.id, i.type.value, i.subject) for i in after.value]
    assert (True, "exception", "Weekly (moved)") in kinds
    moved = next(i for i in after.value if i.id == second.id)
    assert moved.start.date_time.startswith("2026-12-15T16:00:00")


def test_delete_then_404(msb):
    async def go(client):
        made = await client.me.events.post(meeting())
        await client.me.events.by_event_id(made.id).delete()
        with pytest.raises(APIError) as err:
            await client.me.events.by_event_id(made.id).get()
        return err.value

    err = run(msb, go)
    assert err.response_status_code == 404 and err.error.code == "ErrorItemNotFound"


def test_invitations_are_recorded_as_graph_sends_them(msb):
    async def go(client):
        made = await client.me.events.post(meeting())
        await client.me.events.by_event_id(made.id).patch(
            Event(subject="New time", start=when(4, 9), end=when(4, 10))
        )
        await client.me.events.by_event_id(made.id).delete()
        return made

    made = run(msb, go)
    sent = requests.get(f"{msb.base_url}/_sandbox/invitations", timeout=5).json()
    assert [s["action"] for s in sent] == ["created", "updated", "cancelled"]
    assert all(
        s["event_id"] == made.id and s["recipients"] == [BOB, "hank@globex.com"] for s in sent
    )


def test_read_only_grant_cannot_write(msb):
    token = token_for(msb, scopes=["User.Read", "Calendars.Read"])
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.events.post(meeting()), token=token)
    assert err.value.response_status_code == 403
    assert err.value.error.code == "ErrorAccessDenied"


def test_an_unknown_property_is_refused_on_post_and_patch(msb):
    typo = meeting(additional_data={"subjekt": "Renewal"})  # kiota writes additional_data
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.events.post(typo))
    assert err.value.response_status_code == 400 and "subjekt" in err.value.error.message
    assert msb.mailbox(ANN).events == {}
    made = run(msb, lambda c: c.me.events.post(meeting()))
    with pytest.raises(APIError) as err:
        run(
            msb,
            lambda c: c.me.events.by_event_id(made.id).patch(
                Event(additional_data={"subjekt": "Later"})
            ),
        )
    assert err.value.response_status_code == 400
    again = run(msb, lambda c: c.me.events.by_event_id(made.id).get())
    assert again.change_key == made.change_key and again.subject == made.subject


def test_a_start_or_end_without_time_zone_is_refused(msb):
    bare = DateTimeTimeZone(date_time="2026-12-03T09:00:00")
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.events.post(meeting(start=bare)))
    assert err.value.response_status_code == 400
    assert msb.mailbox(ANN).events == {}
    made = run(msb, lambda c: c.me.events.post(meeting()))
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.events.by_event_id(made.id).patch(Event(end=bare)))
    assert err.value.response_status_code == 400
    again = run(msb, lambda c: c.me.events.by_event_id(made.id).get())
    assert again.end.date_time == made.end.date_time


def test_an_occurrence_edit_or_delete_changes_the_masters_change_key(msb):
    """Exchange stores exceptions and deleted instances on the master (MS-OXOCAL 2.2.10),
    so the master item changes: its changeKey and etag move, and an If-Match on it is stale."""

    async def go(client):
        series = await client.me.events.post(weekly())
        inst = await client.me.events.by_event_id(series.id).instances.get(instances_config())
        await client.me.events.by_event_id(inst.value[1].id).patch(Event(subject="Moved"))
        edited = await client.me.events.by_event_id(series.id).get()
        await client.me.events.by_event_id(inst.value[2].id).delete()
        deleted = await client.me.events.by_event_id(series.id).get()
        return series, edited, deleted

    series, edited, deleted = run(msb, go)
    keys = [series.change_key, edited.change_key, deleted.change_key]
    assert len(set(keys)) == 3
    stale = RequestConfiguration()
    stale.headers.add("If-Match", f'W/"{series.change_key}"')
    with pytest.raises(APIError) as err:
        run(
            msb,
            lambda c: c.me.events.by_event_id(series.id).patch(Event(subject="Renamed"), stale),
        )
    assert err.value.response_status_code == 412


def test_an_update_sends_what_graph_sends_and_nothing_can_stop_it(msb):
    """event-update: a body with only attendees messages the attendees that changed (the
    added get the request, the removed a cancellation); any other change updates everyone
    kept; a meeting with no attendees is sent nothing."""
    carl = "carl@globex.com"

    def person(address):
        return Attendee(email_address=EmailAddress(address=address), type=AttendeeType.Required)

    async def go(client):
        made = await client.me.events.post(meeting())
        await client.me.events.by_event_id(made.id).patch(
            Event(attendees=[person(BOB), person(carl)])
        )
        await client.me.events.by_event_id(made.id).patch(Event(subject="Renamed"))
        alone = await client.me.events.post(
            Event(subject="Alone", start=when(5, 9), end=when(5, 10))
        )
        await client.me.events.by_event_id(alone.id).patch(Event(subject="Still alone"))
        await client.me.events.by_event_id(alone.id).delete()
        return made

    made = run(msb, go)
    sent = requests.get(f"{msb.base_url}/_sandbox/invitations", timeout=5).json()
    assert [(s["action"], s["recipients"]) for s in sent] == [
        ("created", [BOB, "hank@globex.com"]),
        ("created", [carl]),
        ("cancelled", ["hank@globex.com"]),
        ("updated", [BOB, carl]),
    ]
    assert {s["event_id"] for s in sent} == {made.id}


def test_expand_names_several_properties_with_or(msb):
    other = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Other"

    async def go(client):
        made = await client.me.events.post(
            Event(
                subject="Tagged",
                start=when(3, 9),
                end=when(3, 10),
                single_value_extended_properties=[
                    SingleValueLegacyExtendedProperty(id=CRM_PROP, value="crm-1"),
                    SingleValueLegacyExtendedProperty(id=other, value="x"),
                    SingleValueLegacyExtendedProperty(id=CRM_PROP + "2", value="y"),
                ],
            )
        )
        q = EventsRequestBuilder.EventsRequestBuilderGetQueryParameters(
            expand=[f"singleValueExtendedProperties($filter=id eq '{CRM_PROP}' or id eq '{other}')"]
        )
        return await client.me.events.by_event_id(made.id).get(
            RequestConfiguration(query_parameters=q)
        )

    got = run(msb, go)
    assert sorted(p.value for p in got.single_value_extended_properties) == ["crm-1", "x"]
