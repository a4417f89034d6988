"""Dump what the matcher decides about many random items, to compare two versions of the rules.

    .venv/bin/python bench/dump_matching.py > /tmp/match_before.jsonl
    ... change the rules ...
    .venv/bin/python bench/dump_matching.py > /tmp/match_after.jsonl
    diff /tmp/match_before.jsonl /tmp/match_after.jsonl     # must be empty

A fixed seed builds random worlds (users with several addresses, some linked to a contact or a
company; contacts with and without an account; accounts with zero or more domains, some shared
by several accounts; free-mail and blocked domains and addresses) and random meetings and
emails over them (organizer or From, attendees or To, repeated addresses in other case and
with blanks, mailbox owners, all-day meetings), under random settings. Every item is matched
through `Matcher.match_many` in batches of random size, over an in-memory directory and over
the plugin's own tables (SQLite in memory), and the public rules are also called on their own
as the store calls them. Each line is one result as JSON with sorted keys; the lines are
sorted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from datetime import datetime, timedelta

from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from plugin.models import (  # noqa: E402
    Account,
    AccountDomain,
    Base,
    Contact,
    ContactEmail,
    User,
    UserEmail,
)
from plugin.sync.matching import (  # noqa: E402
    Defaults,
    DirectoryContact,
    DirectoryUser,
    Item,
    Matcher,
    MatchSettings,
    MemoryDirectory,
    ModelDirectory,
    Person,
)
from plugin.sync.matching.rules import (  # noqa: E402
    build_interactions,
    event_client,
    people,
    what_syncs,
)

FREEMAIL = ("gmail.com", "outlook.com", "yahoo.com")
BLOCKED_DOMAINS = ("spam.example", "blocked.org")
SOURCES = ("Google Calendar", "Outlook 365", "Exchange", "Gmail")
START = datetime(2026, 1, 5, 8, 0)


class World:
    """One random directory: the same people as a MemoryDirectory and as model rows."""

    def __init__(self, rnd: random.Random, number: int):
        self.accounts = list(range(1, rnd.randint(3, 40) + 1))
        pool = [f"co{number}x{i}.com" for i in range(len(self.accounts) + 5)]
        pool += [f"eu.{d}" for d in pool[:3]]  # subdomains of account domains
        self.domains: dict[str, set[int]] = {}
        for aid in self.accounts:
            for domain in rnd.sample(pool, rnd.choice((0, 1, 1, 1, 2))):
                self.domains.setdefault(domain, set()).add(aid)
        # A few domains on several accounts (ambiguous), one of them a free-mail one.
        for domain in rnd.sample(pool, 3) + ["gmail.com"]:
            self.domains.setdefault(domain, set()).update(rnd.sample(self.accounts, 2))
        known = sorted(self.domains)
        others = [f"nowhere{number}x{i}.net" for i in range(5)]
        self.contacts: dict[str, tuple[int, int | None]] = {}  # email -> (id, account)
        self.contact_rows: list[tuple[int, int | None]] = []
        for n in range(rnd.randint(5, 120)):
            cid = 1000 + n
            aid = rnd.choice(self.accounts) if rnd.random() < 0.85 else None
            self.contact_rows.append((cid, aid))
            for k in range(rnd.choice((1, 1, 2, 3))):
                domain = rnd.choice(known + list(FREEMAIL) + others + list(BLOCKED_DOMAINS))
                email = f"c{n}k{k}@{domain}"
                self.contacts.setdefault(email, (cid, aid))
        contact_ids = [c for c, _ in self.contact_rows]
        contact_account = dict(self.contact_rows)
        self.users: dict[str, tuple[int, int | None, int | None, int | None]] = {}
        self.user_rows: list[tuple[int, int | None, int | None]] = []  # id, contact, account
        for uid in range(1, rnd.randint(1, 12) + 1):
            r = rnd.random()
            linked_contact = rnd.choice(contact_ids) if r < 0.35 else None
            linked_account = rnd.choice(self.accounts) if 0.35 <= r < 0.55 else None
            self.user_rows.append((uid, linked_contact, linked_account))
            for k in range(rnd.choice((1, 1, 2, 3))):
                domain = rnd.choice(("ours.com", "ours.com", rnd.choice(known), "gmail.com"))
                entry = (
                    uid,
                    linked_contact,
                    contact_account.get(linked_contact) if linked_contact else None,
                    linked_account,
                )
                self.users.setdefault(f"u{uid}k{k}@{domain}", entry)
        self.defaults = None
        if rnd.random() < 0.3:
            self.defaults = Defaults(
                default_account_id=rnd.choice((None, *self.accounts)),
                default_event_manager_id=rnd.choice((None, 1, 2)),
                virtual_assistant_user_id=rnd.choice((None, 1, 3)),
            )
        # Addresses items draw from: every kind the rules tell apart.
        self.addresses = (
            list(self.users)
            + list(self.contacts)
            + [f"p{i}@{d}" for i, d in enumerate(known * 3)]
            + [f"f{i}@{d}" for i, d in enumerate(FREEMAIL * 3)]
            + [f"b{i}@{d}" for i, d in enumerate(BLOCKED_DOMAINS + ("mail.blocked.org",))]
            + [f"o{i}@{d}" for i, d in enumerate(others)]
            + ["solo@nodomain", "plain-without-at"]
        )

    def memory(self) -> MemoryDirectory:
        return MemoryDirectory(
            users={e: DirectoryUser(*u) for e, u in self.users.items()},
            contacts={e: DirectoryContact(*c) for e, c in self.contacts.items()},
            domains={d: sorted(a) for d, a in self.domains.items()},
            defaults=self.defaults,
        )

    def populate(self, engine) -> None:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(Account), [{"id": a, "name": f"A{a}"} for a in self.accounts])
            rows = [{"account_id": a, "domain": d} for d, ids in self.domains.items() for a in ids]
            if rows:
                conn.execute(insert(AccountDomain), rows)
            conn.execute(
                insert(Contact),
                [{"id": c, "name": f"C{c}", "account_id": a} for c, a in self.contact_rows],
            )
            conn.execute(
                insert(ContactEmail),
                [{"contact_id": c, "email": e} for e, (c, _) in self.contacts.items()],
            )
            conn.execute(
                insert(User),
                [
                    {"id": u, "name": f"U{u}", "linked_contact_id": c, "linked_account_id": a}
                    for u, c, a in self.user_rows
                ],
            )
            conn.execute(
                insert(UserEmail), [{"user_id": u[0], "email": e} for e, u in self.users.items()]
            )

    def settings(self, rnd: random.Random) -> MatchSettings:
        blocked = rnd.sample(self.addresses, min(len(self.addresses), rnd.choice((0, 0, 2, 5))))
        return MatchSettings(
            default_account_id=rnd.choice((None, None, *self.accounts)),
            default_event_manager_id=rnd.choice((None, 1, 2)),
            virtual_assistant_user_id=rnd.choice((None, 1, 5)),
            auto_assign_booker=rnd.random() < 0.7,
            client_from_attendees=rnd.random() < 0.8,
            sync_scope=rnd.choice(("contacts", "accounts", "everything")),
            blocked_addresses=frozenset(vary(rnd, e) for e in blocked),
            blocked_domains=frozenset(rnd.sample(BLOCKED_DOMAINS, rnd.randint(0, 2))),
            freemail=frozenset(rnd.sample(FREEMAIL, rnd.randint(0, 3))),
        )


def vary(rnd: random.Random, email: str) -> str:
    """The same address as a provider might spell it."""
    r = rnd.random()
    if r < 0.15:
        return email.upper()
    if r < 0.25:
        return f"  {email.title()} "
    return email


def random_item(rnd: random.Random, world: World) -> Item:
    kind = "email" if rnd.random() < 0.4 else "meeting"
    pick = world.addresses
    participants = []
    for _ in range(rnd.choice((0, 1, 2, 3, 3, 4, 5, 8))):
        r = rnd.random()
        email = "" if r < 0.03 else ("   " if r < 0.05 else vary(rnd, rnd.choice(pick)))
        name = rnd.choice((None, None, "Ann", "Bob Z", ""))
        participants.append(Person(email, name))
    if participants and rnd.random() < 0.2:
        # The same address again, spelled differently, maybe with a name the first lacked.
        again = rnd.choice(participants)
        participants.append(Person(vary(rnd, again.email.strip()), rnd.choice((None, "Again"))))
    organizer = None
    if rnd.random() < 0.85:
        organizer = Person(vary(rnd, rnd.choice(pick)), rnd.choice((None, "Org")))
    elif rnd.random() < 0.3:
        organizer = Person("", None)
    start = START + timedelta(minutes=rnd.randint(0, 60 * 24 * 400))
    end = start if kind == "email" else start + timedelta(minutes=rnd.choice((0, 15, 30, 90)))
    if kind == "meeting" and rnd.random() < 0.1:
        end = start - timedelta(minutes=5)  # a provider's end before its start
    owners: tuple[str, ...] = ()
    if rnd.random() < 0.6:
        owners = tuple(vary(rnd, e) for e in rnd.sample(pick, rnd.randint(1, 3)))
    return Item(
        kind=kind,
        organizer=organizer,
        participants=tuple(participants),
        start=start,
        end=end,
        all_day=kind == "meeting" and rnd.random() < 0.15,
        source=rnd.choice(SOURCES),
        owner_emails=owners,
    )


def plain(value):
    """JSON-ready: datetimes as ISO text, tuples and lists as lists."""
    if isinstance(value, datetime) or hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [plain(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    return value


PARTICIPANT_FIELDS = (
    "email",
    "name",
    "role",
    "user_id",
    "contact_id",
    "account_id",
    "method",
    "candidates",
    "blocked",
    "external",
)
DRAFT_FIELDS = (
    "account_id",
    "occurred_on",
    "start_at",
    "duration_minutes",
    "source",
    "participants",
)


def participant(m) -> dict:
    return {f: plain(getattr(m, f)) for f in PARTICIPANT_FIELDS}


def draft(d) -> dict:
    return {f: plain(getattr(d, f)) for f in DRAFT_FIELDS}


def dump_result(key: str, item: Item, result, lookup, settings) -> str:
    booker = item.organizer.email.strip().lower() if item.organizer else None
    row = {
        "key": key,
        "syncs": result.syncs,
        "reason": result.reason,
        "client_account_id": result.client_account_id,
        "client_contact_id": result.client_contact_id,
        "client_method": result.client_method,
        "booked_by_user_id": result.booked_by_user_id,
        "event_manager_id": result.event_manager_id,
        "participants": [participant(m) for m in result.participants],
        "interactions": [draft(d) for d in result.interactions],
        "ambiguous": [m.email for m in result.ambiguous],
        "item_kept": result.item is item,
        "people": plain(people(item)),
        # The public rules on their own, as the store and the admin's pick call them.
        "alone": {
            "interactions": [draft(d) for d in build_interactions(item, result.participants)],
            "event_client": plain(event_client(booker, result.participants, lookup, settings)),
            "what_syncs": plain(what_syncs(result.participants, settings)),
        },
    }
    return json.dumps(row, sort_keys=True)


def run(worlds: int, items_per_world: int, model_every: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    lines: list[str] = []
    engine = create_engine("sqlite://")
    for w in range(worlds):
        world = World(rnd, w)
        settings = world.settings(rnd)
        items = [random_item(rnd, world) for _ in range(items_per_world)]
        directories = [("memory", world.memory())]
        session = None
        if w % model_every == 0:
            world.populate(engine)
            session = Session(engine)
            directories.append(("model", ModelDirectory(session, chunk=rnd.choice((None, 7)))))
        for label, directory in directories:
            matcher = Matcher(directory=directory, settings=settings)
            i = 0
            while i < len(items):
                size = rnd.choice((1, 2, 5, 17, 60))
                batch = items[i : i + size]
                lookup = matcher.lookup(batch)
                for n, (item, result) in enumerate(
                    zip(batch, matcher.match_many(batch), strict=True)
                ):
                    key = f"{w:04d}/{i + n:05d}/{label}"
                    lines.append(dump_result(key, item, result, lookup, matcher.settings))
                i += size
        if session is not None:
            session.close()
    engine.dispose()
    lines.sort()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=200)
    parser.add_argument("--items", type=int, default=150, help="items per world")
    parser.add_argument("--model-every", type=int, default=4, help="also run every Nth world")
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    for line in run(args.worlds, args.items, args.model_every, args.seed):
        print(line)


if __name__ == "__main__":
    main()
