"""EventPro: event client, booked-by and event manager from the booker's email."""

from __future__ import annotations

from .helpers import account, contact, match, meeting, settings, user


def test_eventpro_booker_user_linked_to_contact_sets_client_contact(db):
    acme = account(db, "Acme")
    c = contact(db, "Carol", acme, "carol@acme.com")
    booker = user(db, "Carol (portal)", "carol.user@acme.com", linked_contact=c)
    result = match(meeting("carol.user@acme.com"))
    assert (result.client_account_id, result.client_contact_id) == (acme.id, c.id)
    assert result.client_method == "booker_user"
    assert result.booked_by_user_id == booker.id


def test_eventpro_booker_user_linked_to_company_falls_through_to_contact_primary(db):
    acme = account(db, "Acme")
    globex = account(db, "Globex")
    c = contact(db, "Dan", globex, "dan@globex.com")
    user(db, "Dan", "dan@globex.com", linked_account=acme)
    result = match(meeting("dan@globex.com"))
    assert (result.client_account_id, result.client_contact_id) == (globex.id, c.id)
    assert result.client_method == "booker"


def test_eventpro_booker_user_linked_to_company_falls_through_to_contact_alternate(db):
    acme = account(db, "Acme")
    globex = account(db, "Globex")
    c = contact(db, "Dan", globex, "dan@globex.com", "dan.alt@globex.com")
    user(db, "Dan", "dan.alt@globex.com", linked_account=acme)
    result = match(meeting("dan.alt@globex.com"))
    assert (result.client_account_id, result.client_contact_id) == (globex.id, c.id)


def test_eventpro_booker_not_a_user_but_a_contact(db):
    acme = account(db, "Acme")
    c = contact(db, "Eve", acme, "eve@acme.com", "eve@home.net")
    result = match(meeting("EVE@home.net"))
    assert (result.client_account_id, result.client_contact_id) == (acme.id, c.id)
    assert result.client_method == "booker"


def test_eventpro_user_matched_by_non_primary_email_account(db):
    acme = account(db, "Acme")
    c = contact(db, "Fay", acme, "fay@acme.com")
    fay = user(db, "Fay", "fay@ours.com", "fay.second@ours.com", linked_contact=c)
    result = match(meeting("fay.second@ours.com"))
    assert result.booked_by_user_id == fay.id
    assert (result.client_account_id, result.client_contact_id) == (acme.id, c.id)


def test_eventpro_default_account_when_nothing_matches(db):
    fallback = account(db, "Walk-ins")
    settings(default_account_id=fallback.id)
    result = match(meeting("stranger@nowhere.org", "other@elsewhere.org"))
    assert (result.client_account_id, result.client_contact_id) == (fallback.id, None)
    assert result.client_method == "default"


def test_eventpro_no_client_without_default_account(db):
    settings(default_account_id=None)
    result = match(meeting("stranger@nowhere.org"))
    assert (result.client_account_id, result.client_method) == (None, "none")


def test_eventpro_attendee_fallback_first_direct_contact(db):
    acme = account(db, "Acme")
    globex = account(db, "Globex", "globex.com")
    first = contact(db, "First", acme, "first@acme.com")
    contact(db, "Second", globex, "second@globex.com")
    user(db, "Me", "me@ours.com")
    result = match(meeting("me@ours.com", "x@globex.com", "first@acme.com", "second@globex.com"))
    assert (result.client_account_id, result.client_contact_id) == (acme.id, first.id)
    assert result.client_method == "attendee"


def test_eventpro_attendee_fallback_single_domain_account(db):
    globex = account(db, "Globex", "globex.com")
    user(db, "Me", "me@ours.com")
    result = match(meeting("me@ours.com", "x@globex.com", "y@globex.com"))
    assert (result.client_account_id, result.client_method) == (globex.id, "domain")


def test_eventpro_attendee_fallback_two_domain_accounts_uses_default(db):
    account(db, "Globex", "globex.com")
    account(db, "Initech", "initech.com")
    fallback = account(db, "Walk-ins")
    settings(default_account_id=fallback.id)
    result = match(meeting("me@ours.com", "x@globex.com", "y@initech.com"))
    assert (result.client_account_id, result.client_method) == (fallback.id, "default")


def test_eventpro_attendee_fallback_off_goes_to_default_account(db):
    acme = account(db, "Acme")
    contact(db, "First", acme, "first@acme.com")
    fallback = account(db, "Walk-ins")
    settings(client_from_attendees=False, default_account_id=fallback.id)
    result = match(meeting("me@ours.com", "first@acme.com"))
    assert (result.client_account_id, result.client_method) == (fallback.id, "default")
    # The attendee still makes an interaction with Acme (Freshsuccess is separate).
    assert [i.account_id for i in result.interactions] == [acme.id]


def test_eventpro_booked_by_is_booker_user(db):
    me = user(db, "Me", "me@ours.com")
    va = user(db, "Virtual Assistant", "va@ours.com")
    settings(virtual_assistant_user_id=va.id)
    assert match(meeting("Me@Ours.com ")).booked_by_user_id == me.id


def test_eventpro_booked_by_falls_back_to_virtual_assistant(db):
    va = user(db, "Virtual Assistant", "va@ours.com")
    settings(virtual_assistant_user_id=va.id)
    assert match(meeting("stranger@nowhere.org")).booked_by_user_id == va.id


def test_eventpro_event_manager_auto_assign_on_booker_user(db):
    me = user(db, "Me", "me@ours.com")
    boss = user(db, "Boss", "boss@ours.com")
    settings(auto_assign_booker=True, default_event_manager_id=boss.id)
    assert match(meeting("me@ours.com")).event_manager_id == me.id


def test_eventpro_event_manager_auto_assign_on_booker_not_user_uses_default(db):
    boss = user(db, "Boss", "boss@ours.com")
    settings(auto_assign_booker=True, default_event_manager_id=boss.id)
    assert match(meeting("stranger@nowhere.org")).event_manager_id == boss.id


def test_eventpro_event_manager_auto_assign_off_uses_default_event_manager(db):
    user(db, "Me", "me@ours.com")
    boss = user(db, "Boss", "boss@ours.com")
    settings(auto_assign_booker=False, default_event_manager_id=boss.id)
    assert match(meeting("me@ours.com")).event_manager_id == boss.id


def test_eventpro_event_manager_auto_assign_off_no_default_is_virtual_assistant(db):
    user(db, "Me", "me@ours.com")
    va = user(db, "Virtual Assistant", "va@ours.com")
    settings(
        auto_assign_booker=False, default_event_manager_id=None, virtual_assistant_user_id=va.id
    )
    assert match(meeting("me@ours.com")).event_manager_id == va.id


def test_eventpro_event_manager_auto_assign_on_no_user_no_default_is_virtual_assistant(db):
    va = user(db, "Virtual Assistant", "va@ours.com")
    settings(
        auto_assign_booker=True, default_event_manager_id=None, virtual_assistant_user_id=va.id
    )
    assert match(meeting("stranger@nowhere.org")).event_manager_id == va.id


def test_eventpro_email_booker_is_the_from(db):
    from plugin.sync.matching import Item, Person

    from .helpers import START

    acme = account(db, "Acme")
    c = contact(db, "Tester", acme, "tester@acme.com")
    me = user(db, "Me", "me@ours.com")
    item = Item("email", Person("tester@acme.com"), (Person("me@ours.com"),), START, START)
    result = match(item)
    assert (result.client_account_id, result.client_contact_id) == (acme.id, c.id)
    assert [p.role for p in result.participants] == ["from", "to"]
    assert result.participants[1].user_id == me.id
    assert result.interactions[0].duration_minutes == 0
