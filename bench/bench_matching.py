"""Matching throughput: 100,000 participants against directories of growing size.

    .venv/bin/python bench/bench_matching.py            # SQLite, 2k / 20k / 200k contacts
    .venv/bin/python bench/bench_matching.py --pg       # also PostgreSQL (CRM_SYNC_BENCH_PG_URL)

For each size it prints participants per second, SQL statements per batch, peak Python memory
of one batch (tracemalloc), and the same figures for a floor measured in the same run: a bare
indexed lookup of the same emails in crm_contact_emails alone, the way the directory looks
them up (a one-parameter value list joined on the unique index), with no rules. The
matcher's target is within 3x of that floor at every size. For comparison with earlier runs
it also prints the old floor, an expanding `email IN (...)` of 900 emails per statement.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta

from sqlalchemy import create_engine, event, insert, select, text
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
from plugin.sync import value_lists  # noqa: E402
from plugin.sync.matching import (  # noqa: E402
    Item,
    Matcher,
    MatchSettings,
    ModelDirectory,
    Person,
)
from plugin.sync.value_lists import IN_CHUNK, chunks  # noqa: E402

PARTICIPANTS = 100_000
PER_MEETING = 5
BATCH_MEETINGS = 1_000  # one sync page's worth of meetings per match_many call
USERS = 50
START = datetime(2025, 1, 6, 9, 0)


def populate(engine, contacts: int, accounts: int) -> None:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        step = 20_000
        for lo in range(0, accounts, step):
            ids = range(lo + 1, min(accounts, lo + step) + 1)
            conn.execute(insert(Account), [{"id": i, "name": f"Account {i}"} for i in ids])
            # Every account has its own domain; one in fifty shares a domain (ambiguous).
            conn.execute(
                insert(AccountDomain),
                [{"account_id": i, "domain": f"co{i}.com"} for i in ids]
                + [{"account_id": i, "domain": f"co{i - 1}.com"} for i in ids if i % 50 == 0],
            )
        for lo in range(0, contacts, step):
            ids = range(lo + 1, min(contacts, lo + step) + 1)
            conn.execute(
                insert(Contact),
                [{"id": i, "name": f"C {i}", "account_id": (i % accounts) + 1} for i in ids],
            )
            conn.execute(
                insert(ContactEmail),
                [
                    {
                        "contact_id": i,
                        "email": f"c{i}@co{(i % accounts) + 1}.com",
                        "is_primary": True,
                    }
                    for i in ids
                ],
            )
        conn.execute(insert(User), [{"id": i, "name": f"U {i}"} for i in range(1, USERS + 1)])
        conn.execute(
            insert(UserEmail),
            [
                {"user_id": i, "email": f"u{i}@ours.com", "is_primary": True}
                for i in range(1, USERS + 1)
            ],
        )
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def meetings(contacts: int, accounts: int, seed: int = 7) -> list[Item]:
    """40% contacts, 30% domain-only people, 10% users, 20% unknown or free-mail."""
    rnd = random.Random(seed)
    out = []
    for m in range(PARTICIPANTS // PER_MEETING):
        people = []
        for _ in range(PER_MEETING):
            r = rnd.random()
            if r < 0.4:
                i = rnd.randint(1, contacts)
                people.append(f"c{i}@co{(i % accounts) + 1}.com")
            elif r < 0.7:
                people.append(f"p{rnd.randint(1, 10**6)}@co{rnd.randint(1, accounts)}.com")
            elif r < 0.8:
                people.append(f"u{rnd.randint(1, USERS)}@ours.com")
            elif r < 0.9:
                people.append(f"x{rnd.randint(1, 10**6)}@gmail.com")
            else:
                people.append(f"y{rnd.randint(1, 10**6)}@nowhere{rnd.randint(1, 999)}.net")
        start = START + timedelta(hours=m)
        out.append(
            Item(
                "meeting",
                Person(people[0]),
                tuple(Person(p) for p in people[1:]),
                start,
                start + timedelta(minutes=30),
            )
        )
    return out


class Counter:
    def __init__(self, engine):
        self.n = 0
        event.listen(engine, "before_cursor_execute", self.hit)

    def hit(self, *args):
        self.n += 1


def run_matcher(session, items, rules) -> int:
    matcher = Matcher(directory=ModelDirectory(session), settings=rules)
    linked = 0
    for i in range(0, len(items), BATCH_MEETINGS):
        for result in matcher.match_many(items[i : i + BATCH_MEETINGS]):
            linked += len(result.interactions)
    return linked


def batch_emails(items) -> set[str]:
    return {p.email.strip().lower() for item in items for p in (item.organizer, *item.participants)}


def run_floor(session, items) -> int:
    """The floor: the same emails looked up the way the directory looks them up (one value
    list parameter joined on the unique index), in one table, with no rules."""
    dialect = session.get_bind().dialect.name
    q = value_lists.values_table(dialect, "emails")
    statement = (
        select(ContactEmail.email, ContactEmail.contact_id)
        .select_from(q)
        .join(ContactEmail, ContactEmail.email == q.c.value)
    )
    found = 0
    for i in range(0, len(items), BATCH_MEETINGS):
        for batch in chunks(batch_emails(items[i : i + BATCH_MEETINGS]), value_lists.CHUNK):
            param = value_lists.bind(dialect, batch)
            found += len(session.execute(statement, {"emails": param}).all())
    return found


def run_in_floor(session, items) -> int:
    """The earlier floor, for comparison: an expanding IN list of 900 emails per statement."""
    found = 0
    for i in range(0, len(items), BATCH_MEETINGS):
        for batch in chunks(batch_emails(items[i : i + BATCH_MEETINGS]), IN_CHUNK):
            found += len(
                session.execute(
                    select(ContactEmail.email, ContactEmail.contact_id).where(
                        ContactEmail.email.in_(batch)
                    )
                ).all()
            )
    return found


def measure(fn, counter, batches: int, repeat: int = 2):
    best = float("inf")
    for _ in range(repeat):
        counter.n = 0
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    statements = counter.n / batches
    return best, statements


def peak_kib(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def bench(url: str, label: str) -> list[str]:
    engine = create_engine(url)
    counter = Counter(engine)
    rules = MatchSettings(freemail=frozenset({"gmail.com"}))
    lines = []
    for contacts, accounts in ((2_000, 500), (20_000, 5_000), (200_000, 50_000)):
        t = time.perf_counter()
        populate(engine, contacts, accounts)
        setup = time.perf_counter() - t
        items = meetings(contacts, accounts)
        # The 100,000 generated items are long-lived input, not the matcher's garbage: keep
        # the cyclic GC from rescanning them on every collection (same for matcher and floor).
        gc.collect()
        gc.freeze()
        batches = len(items) // BATCH_MEETINGS
        with Session(engine) as session:
            run_floor(session, items[:BATCH_MEETINGS])  # warm caches for both
            m_time, m_stmt = measure(
                lambda i=items: run_matcher(session, i, rules), counter, batches
            )
            f_time, f_stmt = measure(lambda i=items: run_floor(session, i), counter, batches)
            i_time, _ = measure(lambda i=items: run_in_floor(session, i), counter, batches)
            one = items[:BATCH_MEETINGS]
            m_mem = peak_kib(lambda i=one: run_matcher(session, i, rules))
            f_mem = peak_kib(lambda i=one: run_floor(session, i))
        line = (
            f"{label:10} {contacts:>7,} contacts {accounts:>6,} accounts | "
            f"matcher {PARTICIPANTS / m_time:>9,.0f} p/s {m_stmt:4.1f} stmt/batch "
            f"{m_mem:7,.0f} KiB | floor {PARTICIPANTS / f_time:>9,.0f} p/s {f_stmt:4.1f} "
            f"stmt/batch {f_mem:7,.0f} KiB | ratio {m_time / f_time:4.2f}x "
            f"| {m_time * 1e6 / PARTICIPANTS:5.1f} us/participant "
            f"| IN-list floor {PARTICIPANTS / i_time:>9,.0f} p/s ({m_time / i_time:4.2f}x) "
            f"(setup {setup:.0f}s)"
        )
        print(line, flush=True)
        gc.unfreeze()
        lines.append(line)
    Base.metadata.drop_all(engine)
    engine.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--pg-only", action="store_true", help="only PostgreSQL")
    args = parser.parse_args()
    print(
        f"{PARTICIPANTS:,} participants in meetings of {PER_MEETING}, "
        f"{BATCH_MEETINGS:,} meetings per match_many batch, "
        f"{value_lists.CHUNK:,} addresses per value-list statement"
    )
    if not args.pg_only:
        with tempfile.TemporaryDirectory() as tmp:
            bench(f"sqlite:///{tmp}/bench.sqlite", "sqlite")
    if args.pg or args.pg_only:
        base = os.environ.get("CRM_SYNC_BENCH_PG_URL", "postgresql://postgres@127.0.0.1/test")
        schema = "crm_bench"
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            sep = "&" if "?" in base else "?"
            bench(f"{base}{sep}options=-csearch_path%3D{schema}", "postgresql")
        finally:
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()


if __name__ == "__main__":
    main()
