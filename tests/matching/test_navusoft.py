"""Navusoft: what syncs ("contacts" strict, "accounts", "everything")."""

from __future__ import annotations

import pytest

from .helpers import account, contact, match, meeting, settings, user


@pytest.fixture
def crm(db):
    acme = account(db, "Acme", "acme.com")
    contact(db, "Tester", acme, "tester@acme.com")
    account(db, "East", "shared.com")
    account(db, "West", "shared.com")
    user(db, "Me", "me@ours.com")
    user(db, "You", "you@ours.com")
    return acme


@pytest.mark.parametrize(
    ("scope", "attendee", "syncs"),
    [
        ("contacts", "tester@acme.com", True),
        ("contacts", "someone@acme.com", False),
        ("contacts", "stranger@nowhere.org", False),
        ("contacts", "you@ours.com", False),
        ("accounts", "tester@acme.com", True),
        ("accounts", "someone@acme.com", True),
        ("accounts", "x@shared.com", True),
        ("accounts", "stranger@nowhere.org", False),
        ("accounts", "you@ours.com", False),
        ("everything", "stranger@nowhere.org", True),
        ("everything", "you@ours.com", True),
    ],
)
def test_navusoft_what_syncs_by_scope(crm, scope, attendee, syncs):
    settings(sync_scope=scope)
    result = match(meeting("me@ours.com", attendee))
    assert result.syncs is syncs, result.reason


def test_navusoft_contacts_only_is_strict_and_drops_domain_items(crm):
    settings(sync_scope="contacts")
    result = match(meeting("me@ours.com", "someone@acme.com"))
    assert not result.syncs
    assert result.interactions == ()
    assert result.reason == "no account contact among the participants"


def test_navusoft_blocklisted_contact_does_not_make_item_sync(crm):
    settings(sync_scope="contacts", blocklist="tester@acme.com")
    assert not match(meeting("me@ours.com", "tester@acme.com")).syncs


def test_navusoft_contact_booker_of_an_email_syncs_strictly(crm):
    settings(sync_scope="contacts")
    from plugin.sync.matching import Item, Person

    from .helpers import START

    item = Item("email", Person("Tester@Acme.com"), (Person("me@ours.com"),), START, START)
    assert match(item).syncs
