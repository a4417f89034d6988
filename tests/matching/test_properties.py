"""Invariants of the rules over random directories and meetings (in memory, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.sync.matching import (
    DirectoryContact,
    DirectoryUser,
    Item,
    Matcher,
    MatchSettings,
    MemoryDirectory,
    Person,
)

DOMAINS = ["acme.com", "globex.com", "initech.com", "gmail.com", "umbrella.org"]
LOCALS = ["ann", "bob", "cy", "di", "ed", "flo"]
EMAILS = [f"{n}@{d}" for n in LOCALS for d in DOMAINS]
START = datetime(2025, 1, 6, 9, 0)
RULES = MatchSettings(freemail=frozenset({"gmail.com"}))

world = st.fixed_dictionaries(
    {
        # email -> account id of a contact (ids 1..6)
        "contacts": st.dictionaries(st.sampled_from(EMAILS), st.integers(1, 6), max_size=12),
        # domain -> accounts carrying it
        "domains": st.dictionaries(
            st.sampled_from(DOMAINS), st.sets(st.integers(1, 6), min_size=1, max_size=3)
        ),
    }
)
attendees = st.lists(st.sampled_from(EMAILS), min_size=1, max_size=6, unique=True)


def directory(w, contacts_order=None, domains_order=None) -> MemoryDirectory:
    contacts = list(w["contacts"].items())
    domains = list(w["domains"].items())
    if contacts_order is not None:
        contacts = [contacts[i] for i in contacts_order]
    if domains_order is not None:
        domains = [domains[i] for i in domains_order]
    ids = {e: 100 + i for i, e in enumerate(sorted(w["contacts"]))}  # stable ids, any order
    return MemoryDirectory(
        contacts={e: DirectoryContact(ids[e], a) for e, a in contacts},
        domains={d: sorted(accounts, reverse=True) for d, accounts in domains},
    )


def item(emails) -> Item:
    return Item(
        "meeting", None, tuple(Person(e) for e in emails), START, START + timedelta(hours=1)
    )


def run(d, emails):
    return Matcher(directory=d, settings=RULES).match(item(emails))


def per_email(result):
    return {
        p.email: (p.method, p.account_id, p.contact_id, p.candidates) for p in result.participants
    }


@settings(max_examples=150, deadline=None)
@given(world, attendees)
def test_property_direct_contact_match_beats_domain(w, emails):
    result = run(directory(w), emails)
    for p in result.participants:
        if p.email in w["contacts"]:
            assert (p.method, p.account_id) == ("direct", w["contacts"][p.email])


@settings(max_examples=150, deadline=None)
@given(world, attendees, st.sampled_from(DOMAINS), st.integers(50, 60))
def test_property_unrelated_account_never_changes_a_direct_match(w, emails, domain, new_id):
    before = per_email(run(directory(w), emails))
    w2 = {"contacts": w["contacts"], "domains": dict(w["domains"])}
    w2["domains"][domain] = set(w2["domains"].get(domain, set())) | {new_id}
    after = per_email(run(directory(w2), emails))
    for email, match in before.items():
        if match[0] == "direct":
            assert after[email] == match


@settings(max_examples=150, deadline=None)
@given(world, attendees, st.randoms())
def test_property_result_independent_of_directory_order(w, emails, rnd):
    c_order = list(range(len(w["contacts"])))
    d_order = list(range(len(w["domains"])))
    rnd.shuffle(c_order)
    rnd.shuffle(d_order)
    assert run(directory(w), emails) == run(directory(w, c_order, d_order), emails)


@settings(max_examples=150, deadline=None)
@given(world, attendees, st.randoms())
def test_property_participant_matches_independent_of_participant_order(w, emails, rnd):
    shuffled = list(emails)
    rnd.shuffle(shuffled)
    a, b = run(directory(w), emails), run(directory(w), shuffled)
    assert per_email(a) == per_email(b)
    assert {i.account_id for i in a.interactions} == {i.account_id for i in b.interactions}
    assert (a.syncs, a.reason) == (b.syncs, b.reason)


@settings(max_examples=150, deadline=None)
@given(world, attendees)
def test_property_ambiguous_domain_never_yields_an_account(w, emails):
    result = run(directory(w), emails)
    for p in result.participants:
        domain = p.email.split("@")[1]
        if p.email not in w["contacts"] and len(w["domains"].get(domain, ())) > 1:
            assert p.method == "ambiguous" or domain == "gmail.com"
            assert p.account_id is None
    assert all(i.account_id is not None for i in result.interactions)
    ambiguous = {p.email for p in result.ambiguous}
    for i in result.interactions:
        linked = {p.account_id for p in result.participants if p.email not in ambiguous}
        assert i.account_id in linked


@settings(max_examples=100, deadline=None)
@given(world, st.lists(attendees, min_size=1, max_size=5))
def test_property_batch_equals_one_by_one_with_one_lookup(w, batches):
    d = directory(w)
    matcher = Matcher(directory=d, settings=RULES)
    together = matcher.match_many([item(e) for e in batches])
    assert d.calls <= 3  # users, contacts, domains: once for the whole batch
    assert together == [matcher.match(item(e)) for e in batches]


some = st.sets(st.sampled_from(EMAILS), max_size=4)


@settings(max_examples=150, deadline=None)
@given(world, attendees, some, some, some)
def test_property_owner_addresses_are_internal_unless_blocked_or_a_user(
    w, emails, owners, users, blocked
):
    """The linked mailbox's own addresses never tie an item to an account; everyone else on
    the item, and every address on another mailbox's item of the same batch, matches as if
    no mailbox owned it."""
    d = directory(w)
    d.users = {e: DirectoryUser(i + 1) for i, e in enumerate(sorted(users))}
    matcher = Matcher(directory=d, settings=replace(RULES, blocked_addresses=frozenset(blocked)))
    mine, plain = matcher.match_many(
        [replace(item(emails), owner_emails=tuple(owners)), item(emails)]
    )
    for m, p in zip(mine.participants, plain.participants, strict=True):
        if m.email in owners and m.email not in users and m.email not in blocked:
            assert (m.method, m.user_id, m.contact_id, m.account_id) == (
                "internal",
                None,
                None,
                None,
            )
        else:
            assert m == p
