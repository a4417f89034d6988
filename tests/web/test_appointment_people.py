"""The appointment form's people and account fields: attendees come from a search over users
and contacts (never the Virtual Assistant, never contacts of accounts the viewer may not
see, never more than a page of them), any typed address is accepted once it is an email;
the related account defaults to the matched client and a different pick is kept as chosen;
the "Send invitations" box follows the admin's setting with the same default on New and
Edit."""

from __future__ import annotations

from datetime import datetime

import pytest
from werkzeug.datastructures import MultiDict

from plugin.models import CalendarEvent
from plugin.settings import get_settings
from plugin.sync.outbound import AppointmentFields, new_appointment
from tests.web.test_appointment_form import form_as_rendered


@pytest.fixture
def sam(world, login):
    user = login(world.user("sam@crm.example", name="Sam"))
    world.linked(user, "sam@gmail.com")
    return user


@pytest.fixture
def people(world, db):
    acme = world.account("Acme", "acme.example")
    secret = world.account("Secret Co", "secret.example")
    world.contact("Alice Acme", acme, "alice@acme.example")
    world.contact("Alicia Secret", secret, "alicia@secret.example")
    world.user("alina@crm.example", name="Alina Colleague")
    va = world.user("assistant@crm.example", name="Alicorn Virtual Assistant")
    get_settings().virtual_assistant_user_id = va.id
    db.session.commit()
    return {"acme": acme, "secret": secret}


def _search(client, q):
    resp = client.get("/crm-sync/appointments/people", query_string={"q": q})
    assert resp.status_code == 200 and resp.is_json
    return resp.get_json()["results"]


def test_search_offers_users_and_contacts_but_not_the_virtual_assistant(client, sam, people):
    found = {r["value"]: r for r in _search(client, "ali")}
    assert set(found) == {"alice@acme.example", "alicia@secret.example", "alina@crm.example"}
    assert found["alice@acme.example"]["text"] == "Alice Acme <alice@acme.example>"
    assert found["alice@acme.example"]["kind"] == "contact"
    assert found["alina@crm.example"]["kind"] == "user"
    assert set(found["alina@crm.example"]) == {"value", "text", "name", "kind"}, "nothing more"
    assert _search(client, "assistant") == []
    assert _search(client, "sam@") == [], "the organizer is not offered as a guest"
    assert _search(client, "") == []
    assert _search(client, "%") == [], "LIKE wildcards are searched as text"


def test_search_hides_contacts_of_accounts_the_viewer_may_not_see(
    app, client, sam, people, monkeypatch
):
    monkeypatch.setitem(
        app.config, "CRM_SYNC_ACCOUNT_PERMISSION", lambda user, account: account.name == "Acme"
    )
    found = {r["value"] for r in _search(client, "ali")}
    assert found == {"alice@acme.example", "alina@crm.example"}


def test_search_answers_a_limited_page(client, world, sam):
    acme = world.account("Acme")
    for n in range(30):
        world.contact(f"Bulk {n:02}", acme, f"bulk{n:02}@acme.example")
    assert len(_search(client, "bulk")) == 20


def test_search_needs_a_login(client, people):
    resp = client.get("/crm-sync/appointments/people", query_string={"q": "ali"})
    assert resp.status_code in (302, 401)
    assert b"alice@acme.example" not in resp.data


def _new(client, **extra):
    data = MultiDict(
        {"title": "Kick-off", "day": "2026-05-04", "start": "10:00", "end": "11:00", **extra}
    )
    return client.post("/crm-sync/appointments/new", data=data)


def test_typed_external_addresses_are_invited_and_bad_ones_refused(client, sam, people, db):
    resp = _new(client, attendees=["not an address"])
    assert resp.status_code == 200
    assert "“not an address” is not an email address." in resp.get_data(as_text=True)
    assert db.session.query(CalendarEvent).count() == 0
    data = MultiDict({"title": "Kick-off", "day": "2026-05-04", "start": "10:00", "end": "11:00"})
    data.setlist("attendees", ["Guest@Outside.example", "alice@acme.example"])
    assert client.post("/crm-sync/appointments/new", data=data).status_code == 302
    event = db.session.query(CalendarEvent).one()
    guests = {p.email: p.name for p in event.participants if p.role != "organizer"}
    assert guests == {"guest@outside.example": None, "alice@acme.example": "Alice Acme"}


def test_the_related_account_defaults_to_the_matched_client_and_a_pick_is_kept(
    client, sam, people, db
):
    data = MultiDict({"title": "Kick-off", "day": "2026-05-04", "start": "10:00", "end": "11:00"})
    data.add("attendees", "alice@acme.example")
    assert client.post("/crm-sync/appointments/new", data=data).status_code == 302
    event = db.session.query(CalendarEvent).one()
    assert event.client_account_id == people["acme"].id and not event.client_manual
    page = client.get(f"/crm-sync/appointments/{event.id}/edit").get_data(as_text=True)
    rendered = MultiDict(form_as_rendered(page))
    assert rendered["account"] == str(people["acme"].id), "defaults to the matched client"
    assert "(now Acme)" in page
    # Save as shown: nothing changes (the matched client is not turned into a pick).
    client.post(f"/crm-sync/appointments/{event.id}/edit", data=rendered)
    db.session.expire_all()
    event = db.session.get(CalendarEvent, event.id)
    assert event.version == 1 and not event.client_manual
    rendered["account"] = str(people["secret"].id)
    assert client.post(f"/crm-sync/appointments/{event.id}/edit", data=rendered).status_code == 302
    db.session.expire_all()
    event = db.session.get(CalendarEvent, event.id)
    assert event.client_account_id == people["secret"].id
    assert event.client_manual and event.client_method == "form"
    assert event.client_contact_id is None, "Alice is not Secret Co's contact"
    # Back to matching: the attendees decide again.
    rendered["account"] = ""
    client.post(f"/crm-sync/appointments/{event.id}/edit", data=rendered)
    db.session.expire_all()
    event = db.session.get(CalendarEvent, event.id)
    assert event.client_account_id == people["acme"].id and not event.client_manual


def _box(page: str) -> str:
    return page.split('id="send_invitations"', 1)[0].rsplit("<input", 1)[1]


@pytest.mark.parametrize(
    "policy, new_box, edit_box, words",
    [
        ("never", "disabled", "disabled", "set invitations to Never, so no guest is emailed"),
        ("new", "checked", "disabled", "an invitation email when the meeting is created;"),
        ("always", "checked", "checked", "an update when it is changed, and a cancellation"),
    ],
)
def test_the_invitations_box_follows_the_admin_setting(
    client, sam, db, policy, new_box, edit_box, words
):
    get_settings().send_invitations = policy
    db.session.commit()
    event = new_appointment(
        db.session,
        sam,
        AppointmentFields(
            title="Call", start_at=datetime(2026, 5, 4, 10), end_at=datetime(2026, 5, 4, 11)
        ),
    )
    db.session.commit()
    new_page = client.get("/crm-sync/appointments/new").get_data(as_text=True)
    edit_page = client.get(f"/crm-sync/appointments/{event.id}/edit").get_data(as_text=True)
    for page, box in ((new_page, new_box), (edit_page, edit_box)):
        other = "disabled" if box == "checked" else "checked"
        assert box in _box(page) and other not in _box(page)
        assert "You are the organizer and get no email" in page
    assert words in new_page
    if policy == "new":
        assert "the CRM sends no email about this change" in edit_page
    assert "Microsoft 365" not in new_page + edit_page, "Sam's calendar is Google's"


def test_the_help_says_what_microsoft_365_does_and_what_no_calendar_means(client, world, login, db):
    ann = login(world.user("ann@crm.example", name="Ann"))
    page = client.get("/crm-sync/appointments/new").get_data(as_text=True)
    assert "you have no linked calendar, so the meeting stays in the CRM" in page
    assert "disabled" in _box(page)
    world.linked(ann, "ann@contoso.example", provider="microsoft")
    page = client.get("/crm-sync/appointments/new").get_data(as_text=True)
    assert "goes into Outlook without its guests" in page
    get_settings().send_invitations = "new"
    db.session.commit()
    event = new_appointment(
        db.session,
        ann,
        AppointmentFields(
            title="Call", start_at=datetime(2026, 5, 4, 10), end_at=datetime(2026, 5, 4, 11)
        ),
    )
    db.session.commit()
    page = client.get(f"/crm-sync/appointments/{event.id}/edit").get_data(as_text=True)
    assert "sends guests invited when the meeting was booked Outlook" in page


def test_a_disabled_box_is_not_read_as_unticked(client, sam, db):
    """A disabled checkbox is not posted: the meeting keeps its own value, and saving it
    unchanged still changes nothing."""
    event = new_appointment(
        db.session,
        sam,
        AppointmentFields(
            title="Call",
            start_at=datetime(2026, 5, 4, 10),
            end_at=datetime(2026, 5, 4, 11),
            send_invitations=True,
        ),
    )
    db.session.commit()
    page = client.get(f"/crm-sync/appointments/{event.id}/edit").get_data(as_text=True)
    data = MultiDict([(k, "Call again" if k == "title" else v) for k, v in form_as_rendered(page)])
    assert "send_invitations" not in data
    client.post(f"/crm-sync/appointments/{event.id}/edit", data=data)
    db.session.expire_all()
    event = db.session.get(CalendarEvent, event.id)
    assert event.title == "Call again" and event.send_invitations is True
