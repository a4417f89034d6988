"""Inbound sync throughput against a provider's stand-in (in a child process), limits enforced.

    .venv/bin/python bench/bench_sync.py                      # Google, 5,000 events + 5,000 emails
    .venv/bin/python bench/bench_sync.py --provider exchange  # Exchange Server (EWS)
    .venv/bin/python bench/bench_sync.py --events 1000 --emails 500 --pg URL

One user with N events (20% recurring occurrences) and M emails, a directory of 20,000
contacts. Prints items/second end to end and for the engine alone (end to end minus the time
inside the provider's client: requests, retries, decoding the answers), API calls against
the minimum a perfect client would make, peak Python memory (tracemalloc) of the calendar
sync at two calendar sizes, the calls and time of an idle incremental sync (one list call per
feed), and a floor measured in the same run: parsing the same decoded items into the same
value objects and bulk-inserting the same rows (meetings, links, and the participants and
interactions the engine stored), no logic.
Memory is measured on separate mailboxes of the same sizes, so that tracemalloc (which slows
Python down several times) is off while the timed syncs and the floor run.
The stand-in's clock is frozen; when a quota throttles the run, the bench advances the clock
by Retry-After and runs again, as the scheduler would later.
What differs between providers is in bench/_providers.py (one driver each).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _common import bench_app  # noqa: E402
from _floors import calendar_floor, mail_floor  # noqa: E402
from _providers import DRIVERS  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from plugin.models import (  # noqa: E402
    Account,
    AccountDomain,
    Contact,
    ContactEmail,
    EmailLink,
    EventLink,
    LinkedAccount,
)
from plugin.sync.engine import sync_account  # noqa: E402

CONTACTS = 20_000
TWINS = ("twin1@acme.com", "twin2@acme.com")  # calendars like big@'s, for a best of three
MAIL_TWINS = ("mailtwin1@acme.com", "mailtwin2@acme.com")  # mailboxes like big@'s: best of 3


def seed_directory(db):
    with db.engine.begin() as conn:
        conn.execute(insert(Account), [{"id": i, "name": f"Co {i}"} for i in range(1, 201)])
        conn.execute(
            insert(AccountDomain),
            [{"account_id": i, "domain": f"co{i}.com"} for i in range(1, 201)],
        )
        conn.execute(
            insert(Contact),
            [{"id": i, "name": f"C {i}", "account_id": i % 200 + 1} for i in range(CONTACTS)],
        )
        conn.execute(
            insert(ContactEmail),
            [
                {"contact_id": i, "email": f"c{i}@co{i % 200 + 1}.com", "is_primary": True}
                for i in range(CONTACTS)
            ],
        )


def full_sync(sb, account_id, timer):
    """Run until done, advancing the sandbox clock past each Retry-After."""
    totals = {"created": 0, "api_calls": 0, "throttled": 0}
    t0, fetch0, requests0 = time.perf_counter(), timer.seconds, timer.requests
    while True:
        run = sync_account(account_id)
        totals["created"] += run.created
        totals["api_calls"] += run.api_calls
        if run.status == "throttled":
            totals["throttled"] += 1
            sb.clock.advance(61)
            continue
        assert run.status == "ok", run.error
        break
    totals["seconds"] = time.perf_counter() - t0
    totals["fetch_seconds"] = timer.seconds - fetch0
    totals["requests"] = timer.requests - requests0
    return totals


def stored(db, link, account_id) -> int:
    return db.session.scalar(
        select(db.func.count()).select_from(link).where(link.linked_account_id == account_id)
    )


def print_calls(rows) -> None:
    for op, got, minimum in rows:
        print(f"  {op} {got} (minimum {minimum}, {got / max(minimum, 1):.2f}x)")


def idle(sb, account_id, email, expected) -> None:
    """An incremental sync with nothing changed: its calls must be one list call per feed."""
    sb.reset_calls()
    t = time.perf_counter()
    run = sync_account(account_id)
    seconds = time.perf_counter() - t
    calls = sb.calls(email)
    verdict = "as required" if calls == expected else f"EXPECTED {expected}"
    print(f"  idle incremental: {calls} in {seconds * 1000:.0f} ms, {run.status} ({verdict})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--provider", choices=sorted(DRIVERS), default="google")
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--emails", type=int, default=5000)
    ap.add_argument("--pg", help="PostgreSQL URL instead of a temporary SQLite file")
    args = ap.parse_args()
    driver = DRIVERS[args.provider]
    load = os.getloadavg()
    print(f"provider {driver.name}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    google_sb, app, db = bench_app(args.pg, start=False)
    with app.app_context():
        from plugin.settings import get_settings

        get_settings().sync_scope = "everything"
        db.session.commit()
        seed_directory(db)
        domains = [f"co{i}.com" for i in range(1, 201)]
        seeded = driver.standin(google_sb)
        t = time.perf_counter()

        def seed(email, events, emails):
            driver.seed(seeded, email, events, emails, domains, CONTACTS)

        seed("big@acme.com", args.events, args.emails)
        seed("mem@acme.com", args.events, 0)
        seed("double@acme.com", args.events * 2, 0)
        for twin in TWINS:
            seed(twin, args.events, 0)
        for twin in MAIL_TWINS:
            seed(twin, 0, args.emails)
        print(
            f"seeded stand-in in {time.perf_counter() - t:.1f}s; database {db.engine.dialect.name}"
        )
        # Served from a child process, as the provider is served from elsewhere: its request
        # handling then takes nothing from the engine's time (see _common.ChildSandbox).
        sb = driver.serve(seeded, app)
        timer = driver.install_timer()
        try:
            run_bench(args, driver, sb, app, db, timer)
        finally:
            sb.stop()


def run_bench(args, driver, sb, app, db, timer) -> None:
    def link(email, calendar=True, mail=True):
        return driver.link(sb, db, email, calendar=calendar, mail=mail)

    # calendar memory at full and at double size (traced, untimed), then the timed full sync
    peaks = []
    for mailbox in ("mem@acme.com", "double@acme.com"):
        acc_id = link(mailbox, mail=False)
        tracemalloc.start()
        full_sync(sb, acc_id, timer)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    full_peak, double_peak = peaks
    # the timed full sync on three identical calendars (the best of the three counts)
    twins = [full_sync(sb, link(t, mail=False), timer) for t in TWINS]
    big = link("big@acme.com", mail=False)
    sb.reset_calls()
    cal = full_sync(sb, big, timer)
    calls = sb.calls("big@acme.com")
    n_events = stored(db, EventLink, big)
    cal = min([cal, *twins], key=lambda run: run["seconds"] - run["fetch_seconds"])
    cal_engine_s = engine_s = cal["seconds"] - cal["fetch_seconds"]
    print(f"calendar: {n_events} occurrences stored, throttled {cal['throttled']} time(s)")
    print(f"  end to end   {n_events / cal['seconds']:8.0f} items/s ({cal['seconds']:.2f}s)")
    print(f"  engine alone {n_events / engine_s:8.0f} items/s ({engine_s:.2f}s)")
    print_calls(driver.calendar_calls(sb, "big@acme.com", calls, n_events, app))
    print(f"  all calls {calls}; {cal['requests']} requests")
    print(
        f"  peak memory {full_peak / 1e6:.1f} MB at {args.events} events, "
        f"{double_peak / 1e6:.1f} MB at {args.events * 2}"
    )

    # its floor now, next to the timed syncs: the machine's speed drifts over a run
    pages, parse = driver.calendar_pages(sb, app, "big@acme.com")
    n_floor, rows, floor_s = calendar_floor(db, pages, parse, big)
    print(
        f"calendar floor (parse + bulk insert, no logic): {n_floor / floor_s:8.0f} items/s "
        f"({floor_s:.2f}s for {n_floor} events, {rows} rows in 4 tables)"
    )
    print(f"  calendar engine alone / floor: {cal_engine_s / floor_s:.2f}x")
    idle(sb, big, "big@acme.com", driver.idle_ops(calendar=True, mail=False))

    # the mail feed of the same mailbox
    acc = db.session.get(LinkedAccount, big)
    acc.sync_calendar, acc.sync_email = False, True
    db.session.commit()
    sb.reset_calls()
    mail = full_sync(sb, big, timer)
    calls = sb.calls("big@acme.com")
    n_mail = stored(db, EmailLink, big)
    if n_mail:  # and on two mailboxes like it: the best of the three counts
        twins = [full_sync(sb, link(twin, calendar=False), timer) for twin in MAIL_TWINS]
        mail = min([mail, *twins], key=lambda run: run["seconds"] - run["fetch_seconds"])
    mail_engine_s = engine_s = mail["seconds"] - mail["fetch_seconds"]
    print(f"mail: {n_mail} messages stored, throttled {mail['throttled']} time(s)")
    print(f"  end to end   {n_mail / mail['seconds']:8.0f} items/s ({mail['seconds']:.2f}s)")
    print(f"  engine alone {n_mail / engine_s:8.0f} items/s ({engine_s:.2f}s)")
    print_calls(driver.mail_calls(sb, "big@acme.com", calls, n_mail, app))
    print(f"  all calls {calls}; {mail['requests']} requests")
    if n_mail:
        raws, parse = driver.mail_resources(sb, app, "big@acme.com")
        n_floor, rows, floor_s = mail_floor(db, raws, parse, big)
        print(
            f"mail floor (parse + bulk insert, no logic): {n_floor / floor_s:8.0f} items/s "
            f"({floor_s:.2f}s for {n_floor} messages, {rows} rows in 4 tables)"
        )
        print(f"  mail engine alone / floor: {mail_engine_s / floor_s:.2f}x")
    idle(sb, big, "big@acme.com", driver.idle_ops(calendar=False, mail=True))
    acc.sync_calendar = True
    db.session.commit()
    idle(sb, big, "big@acme.com", driver.idle_ops(calendar=True, mail=True))
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
