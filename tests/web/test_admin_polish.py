"""The admin screens as an admin reads them: a way back and out, times to the minute in the
admin's zone (and date filters typed in it), names instead of codes, no "__None", and a
read-only Emails screen whose body is never shown raw."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from plugin.models import CalendarEvent, Contact, ContactEmail

BERLIN = "Europe/Berlin"


@pytest.fixture
def admin(world, login):
    return login(world.user("root@crm.example", "Root", admin=True, tz=BERLIN))


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_admin_home_and_every_admin_page_lead_back_and_log_out(client, admin):
    for path in ["/admin/", "/admin/crm_users/", "/admin/crm_emails/", "/admin/crm_users/new/"]:
        page = client.get(path, follow_redirects=True).data.decode()
        assert '<a class="nav-link" href="/">Back to CRM</a>' in page, path
        assert '<form method="post" action="/logout"' in page, path
    home = client.get("/admin/").data.decode()
    assert 'id="crm-admin-home"' in home
    assert home.count(">Back to CRM</a>") == 2  # the navbar's and the home page's own
    assert client.post("/logout").status_code == 302
    assert client.get("/admin/").status_code == 302  # logged out: sent to log in


def test_times_to_the_minute_in_the_admins_zone_and_filters_read_it(client, world, admin):
    ann = world.user("ann@acme.com", "Ann")
    linked = world.linked(ann, provider="exchange", last_sync_at=datetime(2026, 11, 23, 9, 15, 42))
    world.event("Early", datetime(2026, 11, 23, 8, 0, 30), datetime(2026, 11, 23, 9, 0), linked)
    world.event("Late", datetime(2026, 11, 23, 12, 0), datetime(2026, 11, 23, 13, 0), linked)

    page = _text(client.get("/admin/crm_linked_accounts/").data)
    assert "Mon 23 Nov 2026, 10:15 CET" in page  # 09:15:42 UTC
    assert not re.search(r"\d\d:\d\d:\d\d", page)

    page = client.get("/admin/crm_appointments/").data.decode()
    assert "Start (UTC)" not in page and "End (UTC)" not in page
    text = _text(page.encode())
    assert "Mon 23 Nov 2026, 09:00 CET" in text and "Mon 23 Nov 2026, 14:00 CET" in text
    # The filter value is read in Berlin: after 12:30 Berlin (11:30 UTC) is only "Late".
    view = client.application.extensions["crm_sync"].admin._views
    appointments = next(v for v in view if v.endpoint == "crm_appointments")
    index = next(
        i
        for i, f in enumerate(appointments._filters)
        if f.name == "Start" and f.operation() == "greater than"
    )
    page = _text(client.get(f"/admin/crm_appointments/?flt0_{index}=2026-11-23+12:30:00").data)
    assert "Late" in page and "Early" not in page


def test_appointment_edit_form_in_the_admins_zone(client, world, admin, db):
    event = world.event("Planning", datetime(2026, 11, 23, 9, 0), datetime(2026, 11, 23, 10, 0))
    page = client.get(f"/admin/crm_appointments/edit/?id={event.id}").data.decode()
    assert f"Start ({BERLIN})" in page
    assert 'value="2026-11-23 10:00:00"' in page
    form = {
        "title": "Planning",
        "start_at": "2026-11-23 11:00:00",
        "end_at": "2026-11-23 12:00:00",
        "location": "",
        "description": "",
    }
    resp = client.post(f"/admin/crm_appointments/edit/?id={event.id}", data=form)
    assert resp.status_code == 302
    db.session.expire_all()
    row = db.session.get(CalendarEvent, event.id)
    assert (row.start_at, row.end_at) == (datetime(2026, 11, 23, 10), datetime(2026, 11, 23, 11))


def test_no_none_labels_on_forms(client, world, admin):
    for path in ["/admin/crm_users/new/", "/admin/crm_contacts/new/", "/admin/crm_settings/"]:
        page = client.get(path, follow_redirects=True).data.decode()
        assert 'value="__None">(none)</option>' in page, path
        assert 'value="__None"></option>' not in page, path


def test_sources_and_providers_by_their_names(client, world, admin):
    ann = world.user("ann@acme.com", "Ann")
    for provider in ("google", "microsoft", "exchange"):
        world.linked(ann, f"ann.{provider}@acme.com", provider=provider)
    event = world.event("Sourced", datetime(2026, 11, 23, 9), datetime(2026, 11, 23, 10))
    event.origin = "exchange"
    world.db.session.commit()
    world.email("Mailed", date(2026, 11, 23), source="microsoft")

    page = _text(client.get("/admin/crm_linked_accounts/").data)
    for name in ("Google", "Microsoft 365", "Microsoft Exchange (on-premises)"):
        assert f" {name} " in page
    filters = client.get("/admin/crm_linked_accounts/").data.decode()
    assert '"Microsoft Exchange (on-premises)"' in filters  # the provider filter's choices
    page = _text(client.get("/admin/crm_appointments/").data)
    assert " Exchange " in page and " exchange " not in page
    page = _text(client.get("/admin/crm_emails/").data)
    assert " Outlook 365 " in page and " microsoft " not in page


def test_emails_screen_is_read_only_filtered_and_never_raw(client, world, admin):
    ann = world.user("ann@acme.com", "Ann")
    bob = world.user("bob@acme.com", "Bob")
    acme = world.account("Acme", "acme.com")
    a = world.linked(ann)
    b = world.linked(bob)
    raw = '<p>Quarterly <b>numbers</b></p><script>alert("x")</script><img src=x onerror=alert(1)>'
    mine = world.email("Numbers for Q3", date(2026, 11, 23), a, body_html=raw)
    world.email("Lunch?", date(2026, 11, 20), b, body_html="<p>Soup</p>")
    world.interaction(acme, mail=mine)
    world.db.session.commit()

    page = client.get("/admin/crm_emails/").data.decode()
    assert "Numbers for Q3" in page and "Lunch?" in page
    assert "Quarterly" not in page and "Soup" not in page  # no body in the list
    assert "/admin/crm_emails/new/" not in page and "/admin/crm_emails/edit/" not in page
    assert client.get("/admin/crm_emails/new/").status_code == 302
    assert client.post("/admin/crm_emails/delete/", data={"id": mine.id}).status_code == 302

    view = next(
        v
        for v in client.application.extensions["crm_sync"].admin._views
        if v.endpoint == "crm_emails"
    )
    names = {f.name for f in view._filters}
    assert {"Account", "Linked account", "User", "Sent"} <= names

    def only(name, op, value):
        i = next(i for i, f in enumerate(view._filters) if f.name == name and f.operation() == op)
        return _text(client.get(f"/admin/crm_emails/?flt0_{i}={value}").data)

    page = only("User", "equals", "Ann")
    assert "Numbers for Q3" in page and "Lunch?" not in page
    page = only("Linked account", "equals", "bob@acme.com")
    assert "Lunch?" in page and "Numbers for Q3" not in page
    page = only("Account", "equals", "Acme")
    assert "Numbers for Q3" in page and "Lunch?" not in page
    page = only("Sent", "smaller than", "2026-11-21+00:00:00")
    assert "Lunch?" in page and "Numbers for Q3" not in page
    page = _text(client.get("/admin/crm_emails/?search=Lunch").data)
    assert "Lunch?" in page and "Numbers for Q3" not in page

    details = client.get(f"/admin/crm_emails/details/?id={mine.id}").data.decode()
    assert "Quarterly <b>numbers</b>" in details
    assert 'alert("x")' not in details and "onerror" not in details


def test_new_contact_first_address_is_primary(client, world, admin, db):
    acme = world.account("Acme", "acme.com")
    form = {
        "name": "Primo",
        "account": str(acme.id),
        "emails-0-email": "primo@acme.com",
        "emails-1-email": "primo2@acme.com",
    }
    assert client.post("/admin/crm_contacts/new/", data=form).status_code == 302
    contact = db.session.query(Contact).filter_by(name="Primo").one()
    emails = db.session.query(ContactEmail).filter_by(contact=contact)
    rows = {e.email: e.is_primary for e in emails}
    assert rows == {"primo@acme.com": True, "primo2@acme.com": False}
