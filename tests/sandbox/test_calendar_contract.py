"""Calendar v3 contract, driven with google-api-python-client."""

from __future__ import annotations

import pytest
from google_contract_helpers import ANN, CAL_RO, calendar_api, error_of, event
from googleapiclient.errors import HttpError

T0, T1 = "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"


def test_calendar_list_and_primary_alias(cal):
    items = cal.calendarList().list().execute()["items"]
    assert [c["id"] for c in items] == [ANN] and items[0]["primary"] is True
    assert cal.calendars().get(calendarId="primary").execute()["id"] == ANN


def test_insert_get_and_google_fields(cal):
    ev = (
        cal.events()
        .insert(
            calendarId="primary",
            body=event(
                "Kickoff",
                "2024-05-01T12:00:00+02:00",
                "2024-05-01T13:00:00+02:00",
                attendees=[{"email": "hank@globex.com"}],
                extendedProperties={"private": {"crmId": "42"}},
            ),
        )
        .execute()
    )
    assert ev["etag"].startswith('"') and ev["etag"][1:-1].isdigit()
    assert ev["iCalUID"] == f"{ev['id']}@google.com" and ev["sequence"] == 0
    assert ev["start"] == {"dateTime": T0} and ev["status"] == "confirmed"
    assert ev["organizer"] == {"email": ANN, "displayName": "Ann Lee", "self": True}
    assert ev["attendees"][0]["responseStatus"] == "needsAction"
    got = cal.events().get(calendarId=ANN, eventId=ev["id"]).execute()
    assert got == ev


def test_client_chosen_ids(cal):
    body = event("x", T0, T1, id="crm00001abc")
    assert cal.events().insert(calendarId="primary", body=body).execute()["id"] == "crm00001abc"
    with pytest.raises(HttpError) as dup:
        cal.events().insert(calendarId="primary", body=body).execute()
    assert dup.value.resp.status == 409
    assert error_of(dup.value) == {
        "errors": [
            {
                "domain": "global",
                "reason": "duplicate",
                "message": "The requested identifier already exists.",
            }
        ],
        "code": 409,
        "message": "The requested identifier already exists.",
    }
    cal.events().delete(calendarId="primary", eventId="crm00001abc").execute()
    with pytest.raises(HttpError) as again:  # a deleted id stays taken
        cal.events().insert(calendarId="primary", body=body).execute()
    assert again.value.resp.status == 409
    for bad in ("UPPER12345", "abc", "has_underscore1", "wxyz12345"):
        with pytest.raises(HttpError) as exc:
            cal.events().insert(calendarId="primary", body=event("x", T0, T1, id=bad)).execute()
        assert (
            exc.value.resp.status == 400 and error_of(exc.value)["errors"][0]["reason"] == "invalid"
        )


@pytest.mark.parametrize(
    "body,reason",
    [
        ({"summary": "no times"}, "required"),
        ({"start": {"dateTime": T0}}, "required"),
        ({"start": {"dateTime": T1}, "end": {"dateTime": T0}}, "timeRangeEmpty"),
        ({"start": {"date": "2024-05-01"}, "end": {"dateTime": T1}}, "invalid"),
        (
            {
                "start": {"dateTime": "2024-05-01T10:00:00"},
                "end": {"dateTime": "2024-05-01T11:00:00"},
            },
            "required",
        ),
    ],
)
def test_insert_validation(cal, body, reason):
    with pytest.raises(HttpError) as exc:
        cal.events().insert(calendarId="primary", body=body).execute()
    assert exc.value.resp.status == 400
    assert error_of(exc.value)["errors"][0]["reason"] == reason


def test_paging_and_page_size_limits(cal, sb):
    for i in range(7):
        sb.calendar.insert_event(
            ANN, event(f"e{i}", f"2024-05-0{i + 1}T10:00:00Z", f"2024-05-0{i + 1}T11:00:00Z")
        )
    seen, token, pages = [], None, 0
    while True:
        page = cal.events().list(calendarId="primary", maxResults=3, pageToken=token).execute()
        pages += 1
        seen += [e["summary"] for e in page["items"]]
        token = page.get("nextPageToken")
        if not token:
            assert "nextSyncToken" in page
            break
        assert "nextSyncToken" not in page
    assert pages == 3 and sorted(seen) == [f"e{i}" for i in range(7)]
    big = cal.events().list(calendarId="primary", maxResults=99999).execute()
    assert len(big["items"]) == 7
    with pytest.raises(HttpError) as exc:  # page tokens are bound to their query
        first = cal.events().list(calendarId="primary", maxResults=3).execute()
        cal.events().list(calendarId="primary", q="e1", pageToken=first["nextPageToken"]).execute()
    assert exc.value.resp.status == 400


def test_full_then_incremental_sync(cal, sb):
    a = sb.calendar.insert_event(ANN, event("a", T0, T1))
    b = sb.calendar.insert_event(ANN, event("b", T0, T1))
    full = cal.events().list(calendarId="primary").execute()
    assert {e["id"] for e in full["items"]} == {a["id"], b["id"]}
    token = full["nextSyncToken"]

    quiet = cal.events().list(calendarId="primary", syncToken=token).execute()
    assert quiet["items"] == [] and quiet["nextSyncToken"]

    sb.calendar.patch_event(ANN, a["id"], {"summary": "a2"})
    sb.calendar.delete_event(ANN, b["id"])
    c = sb.calendar.insert_event(ANN, event("c", T0, T1))
    inc = cal.events().list(calendarId="primary", syncToken=quiet["nextSyncToken"]).execute()
    by_id = {e["id"]: e for e in inc["items"]}
    assert set(by_id) == {a["id"], b["id"], c["id"]}
    assert by_id[a["id"]]["summary"] == "a2"
    assert by_id[b["id"]]["status"] == "cancelled"  # deleted items come regardless of showDeleted
    assert "showDeleted" not in inc
    listed = cal.events().list(calendarId="primary").execute()["items"]
    assert b["id"] not in {e["id"] for e in listed}
    shown = cal.events().list(calendarId="primary", showDeleted=True).execute()["items"]
    assert b["id"] in {e["id"] for e in shown}


def test_incremental_sync_pages_and_sync_token_only_on_last_page(cal, sb):
    full = cal.events().list(calendarId="primary").execute()
    for i in range(5):
        sb.calendar.insert_event(ANN, event(f"n{i}", T0, T1))
    first = (
        cal.events()
        .list(calendarId="primary", syncToken=full["nextSyncToken"], maxResults=2)
        .execute()
    )
    assert "nextSyncToken" not in first and len(first["items"]) == 2
    ids = [e["id"] for e in first["items"]]
    token = first["nextPageToken"]
    while token:
        page = (
            cal.events()
            .list(
                calendarId="primary", syncToken=full["nextSyncToken"], maxResults=2, pageToken=token
            )
            .execute()
        )
        ids += [e["id"] for e in page["items"]]
        token = page.get("nextPageToken")
    assert len(set(ids)) == 5 and "nextSyncToken" in page


@pytest.mark.parametrize(
    "param",
    [
        {"timeMin": T0},
        {"timeMax": T1},
        {"updatedMin": T0},
        {"q": "x"},
        {"iCalUID": "x"},
        {"privateExtendedProperty": "a=b"},
        {"sharedExtendedProperty": "a=b"},
        {"orderBy": "updated"},
    ],
)
def test_sync_token_rejects_incompatible_params(cal, param):
    token = cal.events().list(calendarId="primary").execute()["nextSyncToken"]
    with pytest.raises(HttpError) as exc:
        cal.events().list(calendarId="primary", syncToken=token, **param).execute()
    assert exc.value.resp.status == 400


def test_invalidated_sync_token_is_410(cal, sb):
    token = cal.events().list(calendarId="primary").execute()["nextSyncToken"]
    sb.calendar.invalidate_sync_tokens(ANN)
    with pytest.raises(HttpError) as exc:
        cal.events().list(calendarId="primary", syncToken=token).execute()
    assert exc.value.resp.status == 410
    assert error_of(exc.value) == {
        "errors": [
            {
                "domain": "calendar",
                "reason": "fullSyncRequired",
                "message": "Sync token is no longer valid, a full sync is required.",
                "locationType": "parameter",
                "location": "syncToken",
            }
        ],
        "code": 410,
        "message": "Sync token is no longer valid, a full sync is required.",
    }


def test_order_by_start_time_needs_single_events(cal):
    with pytest.raises(HttpError) as exc:
        cal.events().list(calendarId="primary", orderBy="startTime").execute()
    assert exc.value.resp.status == 400
    cal.events().list(calendarId="primary", orderBy="startTime", singleEvents=True).execute()


def test_etags_if_match_and_if_none_match(cal, sb):
    ev = sb.calendar.insert_event(ANN, event("e", T0, T1))
    req = cal.events().get(calendarId="primary", eventId=ev["id"])
    req.headers["If-None-Match"] = ev["etag"]
    with pytest.raises(HttpError) as nm:
        req.execute()
    assert nm.value.resp.status == 304
    sb.calendar.patch_event(ANN, ev["id"], {"summary": "changed elsewhere"})
    stale = cal.events().patch(calendarId="primary", eventId=ev["id"], body={"summary": "mine"})
    stale.headers["If-Match"] = ev["etag"]
    with pytest.raises(HttpError) as pf:
        stale.execute()
    assert pf.value.resp.status == 412
    assert error_of(pf.value)["errors"][0]["reason"] == "conditionNotMet"
    fresh = cal.events().get(calendarId="primary", eventId=ev["id"]).execute()
    ok = cal.events().patch(calendarId="primary", eventId=ev["id"], body={"summary": "mine"})
    ok.headers["If-Match"] = fresh["etag"]
    assert ok.execute()["etag"] != fresh["etag"]


def test_delete_get_cancelled_and_delete_again(cal, sb):
    ev = sb.calendar.insert_event(ANN, event("e", T0, T1))
    cal.events().delete(calendarId="primary", eventId=ev["id"]).execute()
    got = cal.events().get(calendarId="primary", eventId=ev["id"]).execute()
    assert got["status"] == "cancelled"
    with pytest.raises(HttpError) as exc:
        cal.events().delete(calendarId="primary", eventId=ev["id"]).execute()
    assert exc.value.resp.status == 410
    assert error_of(exc.value)["errors"][0]["reason"] == "deleted"
    with pytest.raises(HttpError) as missing:
        cal.events().get(calendarId="primary", eventId="nosuchevent1").execute()
    assert missing.value.resp.status == 404


def test_patch_merges_update_replaces(cal, sb):
    ev = sb.calendar.insert_event(
        ANN, event("e", T0, T1, description="d", extendedProperties={"private": {"a": "1"}})
    )
    patched = (
        cal.events()
        .patch(
            calendarId="primary",
            eventId=ev["id"],
            body={"extendedProperties": {"private": {"b": "2"}}},
        )
        .execute()
    )
    assert patched["extendedProperties"]["private"] == {"a": "1", "b": "2"}
    assert patched["description"] == "d"
    moved = (
        cal.events()
        .patch(
            calendarId="primary",
            eventId=ev["id"],
            body={
                "start": {"dateTime": "2024-05-02T10:00:00Z"},
                "end": {"dateTime": "2024-05-02T11:00:00Z"},
            },
        )
        .execute()
    )
    assert moved["sequence"] == 1
    updated = (
        cal.events()
        .update(calendarId="primary", eventId=ev["id"], body=event("only", T0, T1))
        .execute()
    )
    assert "description" not in updated and "extendedProperties" not in updated


def test_filters(cal, sb):
    sb.calendar.insert_event(
        ANN,
        event(
            "Globex review",
            T0,
            T1,
            extendedProperties={"private": {"crm": "1"}, "shared": {"k": "v"}},
        ),
    )
    sb.calendar.insert_event(ANN, event("Lunch", "2024-06-01T10:00:00Z", "2024-06-01T11:00:00Z"))
    ev = cal.events()
    assert [e["summary"] for e in ev.list(calendarId="primary", q="globex").execute()["items"]] == [
        "Globex review"
    ]
    assert (
        len(ev.list(calendarId="primary", privateExtendedProperty="crm=1").execute()["items"]) == 1
    )
    assert (
        len(ev.list(calendarId="primary", sharedExtendedProperty="k=nope").execute()["items"]) == 0
    )
    window = ev.list(
        calendarId="primary", timeMin="2024-05-15T00:00:00Z", timeMax="2024-07-01T00:00:00Z"
    ).execute()["items"]
    assert [e["summary"] for e in window] == ["Lunch"]


def test_all_day_events(cal):
    ev = (
        cal.events()
        .insert(
            calendarId="primary",
            body={
                "summary": "Fair",
                "start": {"date": "2024-05-10"},
                "end": {"date": "2024-05-12"},
            },
        )
        .execute()
    )
    assert ev["start"] == {"date": "2024-05-10"} and ev["end"] == {"date": "2024-05-12"}
    hit = (
        cal.events()
        .list(calendarId="primary", timeMin="2024-05-11T12:00:00Z", timeMax="2024-05-11T13:00:00Z")
        .execute()["items"]
    )
    assert [e["id"] for e in hit] == [ev["id"]]
    miss = (
        cal.events()
        .list(calendarId="primary", timeMin="2024-05-12T00:00:00Z", timeMax="2024-05-13T00:00:00Z")
        .execute()["items"]
    )
    assert miss == []  # end date is exclusive


def test_send_updates_is_recorded(cal, sb):
    body = event("Invite", T0, T1, attendees=[{"email": "hank@globex.com"}])
    ev = cal.events().insert(calendarId="primary", body=body, sendUpdates="all").execute()
    cal.events().patch(
        calendarId="primary", eventId=ev["id"], body={"summary": "quiet"}, sendUpdates="none"
    ).execute()
    invites = sb.calendar.invitations(ANN)
    assert [(i["action"], i["send_updates"], i["recipients"]) for i in invites] == [
        ("created", "all", ["hank@globex.com"]),
        ("updated", "none", []),
    ]


def test_readonly_scope_cannot_write(sb):
    ro = calendar_api(sb, ANN, scopes=[CAL_RO])
    ro.events().list(calendarId="primary").execute()
    with pytest.raises(HttpError) as exc:
        ro.events().insert(calendarId="primary", body=event("x", T0, T1)).execute()
    assert exc.value.resp.status == 403
    err = error_of(exc.value)
    assert err["errors"][0]["reason"] == "insufficientPermissions"
    assert err["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def test_other_users_calendar_is_404(cal, sb):
    sb.add_user("bob@acme.com")
    with pytest.raises(HttpError) as exc:
        cal.events().list(calendarId="bob@acme.com").execute()
    assert exc.value.resp.status == 404


def test_fields_partial_response(cal, sb):
    sb.calendar.insert_event(ANN, event("e", T0, T1, description="d"))
    page = (
        cal.events()
        .list(calendarId="primary", fields="nextSyncToken,items(id,status,start/dateTime)")
        .execute()
    )
    assert set(page) == {"nextSyncToken", "items"}
    assert set(page["items"][0]) == {"id", "status", "start"}
    assert set(page["items"][0]["start"]) == {"dateTime"}
    with pytest.raises(HttpError) as exc:
        cal.events().list(calendarId="primary", fields="items(id").execute()
    assert exc.value.resp.status == 400


def test_secondary_calendar_move_and_external_only(cal, sb):
    sb.add_user("bob@acme.com")
    sb.calendar.add_calendar(ANN, "team0001@group.calendar.google.com", "Team")
    ids = [c["id"] for c in cal.calendarList().list().execute()["items"]]
    assert ids == [ANN, "team0001@group.calendar.google.com"]
    ev = (
        cal.events()
        .insert(
            calendarId="primary",
            sendUpdates="externalOnly",
            body=event(
                "m", T0, T1, attendees=[{"email": "bob@acme.com"}, {"email": "hank@globex.com"}]
            ),
        )
        .execute()
    )
    assert sb.calendar.invitations(ANN)[0]["recipients"] == ["hank@globex.com"]
    moved = (
        cal.events()
        .move(
            calendarId="primary", eventId=ev["id"], destination="team0001@group.calendar.google.com"
        )
        .execute()
    )
    assert moved["id"] == ev["id"]
    assert (
        cal.events().get(calendarId="primary", eventId=ev["id"]).execute()["status"] == "cancelled"
    )
    team = cal.events().list(calendarId="team0001@group.calendar.google.com").execute()
    assert [e["id"] for e in team["items"]] == [ev["id"]]


def test_changes_made_while_paging_come_again_in_the_next_sync(cal, sb):
    ids = [sb.calendar.insert_event(ANN, event(f"e{i}", T0, T1))["id"] for i in range(4)]
    first = cal.events().list(calendarId="primary", maxResults=2).execute()
    sb.calendar.patch_event(ANN, ids[0], {"summary": "changed mid-sync"})
    rest = (
        cal.events()
        .list(calendarId="primary", maxResults=2, pageToken=first["nextPageToken"])
        .execute()
    )
    assert len(first["items"]) + len(rest["items"]) == 4
    inc = cal.events().list(calendarId="primary", syncToken=rest["nextSyncToken"]).execute()
    assert [(e["id"], e["summary"]) for e in inc["items"]] == [(ids[0], "changed mid-sync")]
