"""Freshsuccess: attendees matched to accounts (direct, then a single-account domain)."""

from __future__ import annotations

from datetime import date

from plugin.sync.matching import Matcher

from .helpers import START, account, by_email, contact, match, meeting, settings, user


def test_freshsuccess_direct_match_tester_at_acme(db):
    acme = account(db, "Acme")
    tester = contact(db, "Tester", acme, "tester@acme.com")
    me = user(db, "Me", "me@ours.com")
    result = match(meeting("me@ours.com", "tester@acme.com"))
    p = by_email(result)["tester@acme.com"]
    assert (p.method, p.contact_id, p.account_id) == ("direct", tester.id, acme.id)
    assert by_email(result)["me@ours.com"].method == "internal"
    assert by_email(result)["me@ours.com"].user_id == me.id
    assert [i.account_id for i in result.interactions] == [acme.id]


def test_freshsuccess_interaction_records_date_start_duration_participants(db):
    acme = account(db, "Acme")
    contact(db, "Tester", acme, "tester@acme.com")
    user(db, "Me", "me@ours.com")
    result = match(meeting("me@ours.com", "tester@acme.com", minutes=45, source="Outlook 365"))
    (i,) = result.interactions
    assert i.occurred_on == date(2025, 3, 4)
    assert i.start_at == START
    assert i.duration_minutes == 45
    assert i.source == "Outlook 365"
    # Everyone is assumed to attend the whole meeting.
    assert i.participants == [
        {"name": None, "email": "me@ours.com", "minutes": 45},
        {"name": "Tester", "email": "tester@acme.com", "minutes": 45},
    ]


def test_freshsuccess_single_account_domain_match(db):
    acme = account(db, "Acme", "acme.com")
    user(db, "Me", "me@ours.com")
    result = match(meeting("me@ours.com", "someone@acme.com"))
    p = by_email(result)["someone@acme.com"]
    assert (p.method, p.account_id, p.contact_id) == ("domain", acme.id, None)
    assert [i.account_id for i in result.interactions] == [acme.id]


def test_freshsuccess_two_accounts_one_domain_associates_neither(db):
    a = account(db, "Acme East", "acme.com")
    b = account(db, "Acme West", "acme.com")
    user(db, "Me", "me@ours.com")
    result = match(meeting("me@ours.com", "someone@acme.com"))
    p = by_email(result)["someone@acme.com"]
    assert p.method == "ambiguous"
    assert p.account_id is None
    assert p.candidates == tuple(sorted((a.id, b.id)))
    assert result.interactions == ()
    assert result.ambiguous == (p,)


def test_freshsuccess_direct_match_beats_domain_of_other_account(db):
    acme = account(db, "Acme")
    other = account(db, "Other", "acme.com")
    contact(db, "Tester", acme, "tester@acme.com")
    p = by_email(match(meeting(None, "tester@acme.com")))["tester@acme.com"]
    assert (p.method, p.account_id) == ("direct", acme.id)
    assert p.account_id != other.id


def test_freshsuccess_alternate_email_matches_directly(db):
    acme = account(db, "Acme")
    c = contact(db, "Tester", acme, "tester@acme.com", "t.private@example.org")
    p = by_email(match(meeting(None, "t.private@example.org")))["t.private@example.org"]
    assert (p.method, p.contact_id, p.account_id) == ("direct", c.id, acme.id)


def test_freshsuccess_one_interaction_per_account(db):
    acme = account(db, "Acme", "acme.com")
    globex = account(db, "Globex", "globex.com")
    contact(db, "Tester", acme, "tester@acme.com")
    result = match(meeting(None, "tester@acme.com", "boss@acme.com", "hank@globex.com"))
    assert sorted(i.account_id for i in result.interactions) == sorted((acme.id, globex.id))


def test_freshsuccess_all_day_meeting_has_no_start_time(db):
    acme = account(db, "Acme", "acme.com")
    result = match(meeting(None, "x@acme.com", minutes=24 * 60, all_day=True))
    (i,) = result.interactions
    assert (i.account_id, i.start_at, i.duration_minutes) == (acme.id, None, 1440)


def test_freshsuccess_case_and_whitespace_in_emails(db):
    acme = account(db, "Acme", "acme.com")
    c = contact(db, "Tester", acme, "tester@acme.com")
    result = match(meeting(None, "  Tester@ACME.com ", "Other@Acme.COM"))
    assert by_email(result)["tester@acme.com"].contact_id == c.id
    assert by_email(result)["other@acme.com"].method == "domain"


def test_freemail_domains_never_domain_match(db):
    account(db, "Gmail lovers", "gmail.com")
    settings()
    p = by_email(match(meeting(None, "someone@gmail.com")))["someone@gmail.com"]
    assert (p.method, p.account_id) == ("none", None)


def test_freemail_contact_still_matches_directly(db):
    acme = account(db, "Acme")
    contact(db, "Tester", acme, "tester@gmail.com")
    p = by_email(match(meeting(None, "tester@gmail.com")))["tester@gmail.com"]
    assert (p.method, p.account_id) == ("direct", acme.id)


def test_blocklisted_address_is_not_matched_and_makes_no_interaction(db):
    acme = account(db, "Acme", "acme.com")
    contact(db, "Tester", acme, "tester@acme.com")
    settings(blocklist="Tester@Acme.com\n")
    result = match(meeting(None, "tester@acme.com"))
    p = by_email(result)["tester@acme.com"]
    assert p.blocked and (p.contact_id, p.account_id, p.method) == (None, None, "none")
    assert result.interactions == ()


def test_blocklisted_domain_covers_subdomains(db):
    account(db, "Acme", "acme.com", "eu.acme.com")
    settings(blocklist="@acme.com")
    result = match(meeting(None, "a@acme.com", "b@eu.acme.com", "c@notacme.com"))
    people = by_email(result)
    assert people["a@acme.com"].blocked and people["b@eu.acme.com"].blocked
    assert not people["c@notacme.com"].blocked
    assert result.interactions == ()


def test_blocklisted_person_left_out_of_interaction_participants(db):
    acme = account(db, "Acme", "acme.com")
    settings(blocklist="@private.org")
    result = match(meeting(None, "x@acme.com", "doctor@private.org"))
    (i,) = result.interactions
    assert i.account_id == acme.id
    assert [p["email"] for p in i.participants] == ["x@acme.com"]


def test_internal_only_meeting_creates_no_interaction(db):
    acme = account(db, "Ours", "ours.com")
    user(db, "Me", "me@ours.com")
    user(db, "You", "you@ours.com")
    settings(sync_scope="everything", default_account_id=acme.id)
    result = match(meeting("me@ours.com", "you@ours.com"))
    assert result.syncs  # everything syncs, but
    assert result.interactions == ()
    assert {p.method for p in result.participants} == {"internal"}


def test_owner_emails_are_internal_even_unknown_to_directory(db):
    account(db, "Ours", "ours.com")
    result = match(meeting("alias@ours.com", "x@ours.com", owner_emails=("ALIAS@ours.com",)))
    assert by_email(result)["alias@ours.com"].method == "internal"
    assert by_email(result)["x@ours.com"].method == "domain"


def test_an_owner_address_is_internal_only_on_its_own_mailboxs_items_in_one_batch(db):
    """Pages of several mailboxes may share a batch: being one mailbox's owner says nothing
    about the same address on another mailbox's items."""
    account(db, "Ours", "ours.com")
    mine = meeting("alias@ours.com", "x@ours.com", owner_emails=("alias@ours.com",))
    theirs = meeting("alias@ours.com", "x@ours.com", owner_emails=("other@ours.com",))
    results = Matcher().match_many([mine, theirs, mine, theirs])
    methods = [by_email(r)["alias@ours.com"].method for r in results]
    assert methods == ["internal", "domain", "internal", "domain"]


def test_user_non_primary_email_is_internal(db):
    me = user(db, "Me", "me@ours.com", "me.alias@ours.com")
    p = by_email(match(meeting(None, "me.alias@ours.com")))["me.alias@ours.com"]
    assert (p.method, p.user_id) == ("internal", me.id)
