"""User and Account Calendars: feeds, the "Events" fold, details, sanitizing and access."""

from __future__ import annotations

from datetime import date, datetime

import pytest

MONTH = {"start": "2026-03-01T00:00:00", "end": "2026-04-12T00:00:00", "view": "dayGridMonth"}
WEEK = {"start": "2026-03-08T00:00:00", "end": "2026-03-15T00:00:00", "view": "timeGridWeek"}


@pytest.fixture
def sam(world, login):
    user = login(world.user("sam@crm.example", name="Sam", tz="America/New_York"))
    user.test_link = world.linked(user, "sam@gmail.com")
    return user


def feed(client, params, path="/crm-sync/calendar/feed"):
    resp = client.get(path, query_string=params)
    assert resp.status_code == 200, resp.data
    return resp.get_json()


def test_feed_shows_own_events_in_the_users_zone_and_emails_on_thread_date(client, world, sam):
    la = sam.test_link
    world.event("Kickoff", datetime(2026, 3, 10, 15), datetime(2026, 3, 10, 16), la)
    world.email("Quote", date(2026, 3, 12), la)
    items = {i["title"]: i for i in feed(client, WEEK)}
    assert items["Kickoff"]["start"] == "2026-03-10T11:00:00"  # EDT = UTC-4
    assert items["Quote"]["allDay"] and items["Quote"]["start"] == "2026-03-12"


def test_owned_events_and_all_day_dates_do_not_shift(client, world, sam):
    world.all_day("Offsite", date(2026, 3, 9), date(2026, 3, 10), owner_user_id=sam.id)
    (item,) = feed(client, WEEK)
    assert item["allDay"] and (item["start"], item["end"]) == ("2026-03-09", "2026-03-10")


def test_month_view_folds_a_busy_day_into_events(client, world, sam):
    la = sam.test_link
    world.event("One", datetime(2026, 3, 10, 15), datetime(2026, 3, 10, 16), la)
    world.email("Two", date(2026, 3, 10), la)
    world.event("Alone", datetime(2026, 3, 20, 15), datetime(2026, 3, 20, 16), la)
    month = feed(client, MONTH)
    assert sorted(i["title"] for i in month) == ["Alone", "Events"]
    day = next(i for i in month if i["title"] == "Events")
    assert day["start"] == "2026-03-10" and day["extendedProps"]["count"] == 2
    listing = client.get(day["extendedProps"]["list_url"]).get_json()
    assert sorted(i["title"] for i in listing["items"]) == ["One", "Two"]
    assert sorted(i["title"] for i in feed(client, WEEK)) == ["One", "Two"]


def test_other_users_items_stay_out_of_the_feed(client, world, sam):
    other = world.user("riley@crm.example")
    theirs = world.linked(other, "riley@gmail.com")
    world.event("Secret", datetime(2026, 3, 10, 15), datetime(2026, 3, 10, 16), theirs)
    world.email("Secret mail", date(2026, 3, 10), theirs)
    assert feed(client, WEEK) == []


def test_bad_windows_are_refused(client, sam):
    assert client.get("/crm-sync/calendar/feed").status_code == 400
    bad = {"start": "2026-01-01", "end": "2026-06-01"}
    assert client.get("/crm-sync/calendar/feed", query_string=bad).status_code == 400


def test_appointment_details(client, world, sam):
    acme = world.account("Acme", "acme.com")
    tess = world.contact("Tess Tester", acme, "tess@acme.com")
    event = world.event(
        "Renewal <b>call</b>",
        datetime(2026, 3, 10, 15),
        datetime(2026, 3, 10, 16),
        sam.test_link,
        client_account_id=acme.id,
        client_contact_id=tess.id,
        booked_by_user_id=sam.id,
        event_manager_id=sam.id,
    )
    world.participant(
        event, "tess@acme.com", name="Tess", contact_id=tess.id, account_id=acme.id, method="direct"
    )
    page = client.get(f"/crm-sync/calendar/events/{event.id}").get_data(as_text=True)
    assert "Renewal &lt;b&gt;call&lt;/b&gt;" in page and "<b>call</b>" not in page
    assert "Tue 10 Mar 2026, 11:00 – 12:00 EDT" in page and "Google Calendar" in page
    assert "Tess Tester" in page and "Acme" in page
    assert 'id="appointment-booked-by">Sam<' in page


def test_email_body_is_sanitized_again_at_display(client, world, sam):
    mail = world.email(
        "Hello",
        date(2026, 3, 10),
        sam.test_link,
        body_html='<p onclick="x()">Hi</p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">go</a>',
    )
    page = client.get(f"/crm-sync/calendar/emails/{mail.id}").get_data(as_text=True)
    body = page.split('id="email-body">', 1)[1].split("</main>", 1)[0]
    assert "<p>Hi</p>" in body
    assert "<script" not in body and "onclick" not in body and "javascript:" not in body


def test_details_of_other_users_items_are_404(client, world, sam):
    other = world.user("riley@crm.example")
    theirs = world.linked(other, "riley@gmail.com")
    event = world.event("Secret", datetime(2026, 3, 10, 15), datetime(2026, 3, 10, 16), theirs)
    mail = world.email("Secret mail", date(2026, 3, 10), theirs)
    assert client.get(f"/crm-sync/calendar/events/{event.id}").status_code == 404
    assert client.get(f"/crm-sync/calendar/emails/{mail.id}").status_code == 404
    assert client.get("/crm-sync/calendar/events/999999").status_code == 404
    assert client.get(f"/crm-sync/calendar/?user_id={other.id}").status_code == 404
    assert 'id="calendar-user-picker"' not in client.get("/crm-sync/calendar/").get_data(True)
    assert (
        client.get("/crm-sync/calendar/feed", query_string=WEEK | {"user_id": other.id}).status_code
        == 404
    )


def test_a_detail_out_of_reach_is_a_page_that_says_so_and_tells_nothing_more(
    app, client, world, sam, monkeypatch
):
    other = world.user("riley@crm.example")
    theirs = world.linked(other, "riley@gmail.com")
    secret = world.account("Secret Corp", "secret.example")
    mail = world.email("Secret mail", date(2026, 3, 10), theirs)
    gone = world.email("Removed mail", date(2026, 3, 10), theirs)
    gone_id = gone.id
    world.db.session.delete(gone)
    world.db.session.commit()
    pages = []
    for path in (f"/crm-sync/calendar/emails/{mail.id}", f"/crm-sync/calendar/emails/{gone_id}"):
        resp = client.get(path)
        assert resp.status_code == 404 and resp.mimetype == "text/html"
        page = resp.get_data(as_text=True)
        assert 'id="item-not-found"' in page and "Email not found" in page
        assert "My Calendar" in page and "Secret mail" not in page
        pages.append(page)
    assert pages[0] == pages[1]  # a refusal and a missing row read the same
    event_page = client.get("/crm-sync/calendar/events/999999").get_data(as_text=True)
    assert "Appointment not found" in event_page
    # an account the viewer may not open lends no name to the way back
    monkeypatch.setitem(app.config, "CRM_SYNC_ACCOUNT_PERMISSION", lambda user, account: False)
    page = client.get(f"/crm-sync/calendar/emails/{mail.id}?account_id={secret.id}")
    assert page.status_code == 404 and "Secret Corp" not in page.get_data(as_text=True)
    # the feeds' JSON endpoints keep their plain 404
    feed_404 = client.get("/crm-sync/calendar/feed", query_string=WEEK | {"user_id": other.id})
    assert feed_404.status_code == 404 and 'id="item-not-found"' not in feed_404.get_data(True)


def test_admin_sees_any_users_calendar(client, world, login):
    other = world.user("riley@crm.example", name="Riley")
    theirs = world.linked(other, "riley@gmail.com")
    event = world.event("Riley's", datetime(2026, 3, 10, 15), datetime(2026, 3, 10, 16), theirs)
    login(world.user("admin@crm.example", admin=True))
    assert "Riley&#39;s Calendar" in client.get(f"/crm-sync/calendar/?user_id={other.id}").get_data(
        as_text=True
    )
    assert 'id="calendar-user-picker"' in client.get("/crm-sync/calendar/").get_data(True)
    items = feed(client, WEEK | {"user_id": other.id})
    assert [i["title"] for i in items] == ["Riley's"]
    assert client.get(f"/crm-sync/calendar/events/{event.id}").status_code == 200


def test_account_calendar_items_and_interactions(client, world, sam):
    acme = world.account("Acme", "acme.com")
    other = world.linked(world.user("riley@crm.example"), "riley@gmail.com")
    met = world.event("Acme QBR", datetime(2026, 3, 10, 15), datetime(2026, 3, 10, 16), other)
    world.interaction(
        acme, event=met, participants=[{"name": "Tess", "email": "tess@acme.com", "minutes": 60}]
    )
    client_only = world.event(
        "Acme client",
        datetime(2026, 3, 11, 15),
        datetime(2026, 3, 11, 16),
        other,
        client_account_id=acme.id,
    )
    world.event("Not Acme", datetime(2026, 3, 12, 15), datetime(2026, 3, 12, 16), other)
    items = feed(client, WEEK, f"/crm-sync/accounts/{acme.id}/feed")
    assert sorted(i["title"] for i in items) == ["Acme QBR", "Acme client"]
    page = client.get(f"/crm-sync/accounts/{acme.id}/calendar").get_data(as_text=True)
    assert "2026-03-10" in page and "11:00" in page and "60 min" in page
    assert "Tess" in page and "Google Calendar" in page
    # Another user's meeting opens through the account this user may view, not otherwise.
    assert client.get(f"/crm-sync/calendar/events/{client_only.id}").status_code == 404
    url = f"/crm-sync/calendar/events/{client_only.id}?account_id={acme.id}"
    assert client.get(url).status_code == 200
    assert "Acme" in client.get("/crm-sync/accounts/").get_data(as_text=True)


def test_account_permission_hook(app, client, world, sam, monkeypatch):
    acme = world.account("Acme", "acme.com")
    globex = world.account("Globex", "globex.com")
    met = world.event(
        "Globex QBR",
        datetime(2026, 3, 10, 15),
        datetime(2026, 3, 10, 16),
        client_account_id=globex.id,
    )
    monkeypatch.setitem(
        app.config, "CRM_SYNC_ACCOUNT_PERMISSION", lambda user, account: account.name == "Acme"
    )
    assert client.get(f"/crm-sync/accounts/{acme.id}/calendar").status_code == 200
    assert client.get(f"/crm-sync/accounts/{globex.id}/calendar").status_code == 404
    assert client.get(f"/crm-sync/accounts/{globex.id}/feed", query_string=WEEK).status_code == 404
    assert (
        client.get(f"/crm-sync/calendar/events/{met.id}?account_id={globex.id}").status_code == 404
    )
    listing = client.get("/crm-sync/accounts/").get_data(as_text=True)
    assert "Acme" in listing and "Globex" not in listing


def test_email_through_an_account_shows_header_but_not_body_to_colleagues(client, world, sam):
    acme = world.account("Acme", "acme.com")
    other = world.linked(world.user("riley@crm.example"), "riley@gmail.com")
    mail = world.email(
        "Riley's pricing", date(2026, 3, 10), other, body_html="<p>Our floor price is 42</p>"
    )
    world.interaction(acme, mail=mail)
    page = client.get(f"/crm-sync/calendar/emails/{mail.id}?account_id={acme.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Riley&#39;s pricing" in text
    assert "floor price" not in text
    assert 'id="email-body-private"' in text


def test_remote_images_in_email_bodies_are_dropped(client, world, sam):
    mail = world.email(
        "Newsletter",
        date(2026, 3, 10),
        sam.test_link,
        body_html='<p>Hi</p><img src="https://tracker.example/p.gif"><img src="cid:logo">',
    )
    text = client.get(f"/crm-sync/calendar/emails/{mail.id}").get_data(as_text=True)
    assert "tracker.example" not in text
    assert 'src="cid:logo"' in text


def test_a_meeting_set_in_another_zone_names_its_own_zone_on_the_detail_page(client, world, sam):
    # Sam reads New York time; the meeting was set at 18:00 in Berlin (17:00 UTC in March).
    event = world.event(
        "Berlin review",
        datetime(2026, 3, 10, 17),
        datetime(2026, 3, 10, 18),
        sam.test_link,
        timezone="Europe/Berlin",
    )
    page = client.get(f"/crm-sync/calendar/events/{event.id}").get_data(as_text=True)
    assert "13:00 – 14:00 EDT" in page and "Your time zone: America/New_York." in page
    assert '<span id="appointment-origin">Set as 18:00 – 19:00 in Berlin.</span>' in page
    same = world.event(
        "NY call",
        datetime(2026, 3, 10, 17),
        datetime(2026, 3, 10, 18),
        sam.test_link,
        timezone="America/New_York",
    )
    page = client.get(f"/crm-sync/calendar/events/{same.id}").get_data(as_text=True)
    assert "appointment-origin" not in page
