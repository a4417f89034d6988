"""Inbound sync throughput against the Google sandbox (in a child process), quotas enforced.

    .venv/bin/python bench/bench_sync.py                 # 5,000 events + 5,000 emails, SQLite
    .venv/bin/python bench/bench_sync.py --events 1000 --emails 500 --pg URL

One user with N events (20% recurring occurrences) and M emails, a directory of 20,000
contacts. Prints items/second end to end and for the engine alone (end to end minus the time
in HTTP: requests, retries, JSON decoding), API calls against the minimum, peak Python memory
(tracemalloc) of the calendar sync at two calendar sizes, the calls of an idle incremental
sync, and a floor measured in the same run: parsing the same pages into the same value
objects and bulk-inserting the same rows (meetings, links, and the participants and
interactions the engine stored), no logic.
Memory is measured on separate mailboxes of the same sizes, so that tracemalloc (which slows
Python down several times) is off while the timed syncs and the floor run.
The sandbox clock is frozen; when Gmail's quota (15,000 units/min) throttles the run, the
bench advances the sandbox clock by Retry-After and runs again, as the scheduler would later.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _common import bench_app, serve_apart  # noqa: E402
from _floors import calendar_floor, calendar_pages, mail_floor  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from plugin.models import (  # noqa: E402
    Account,
    AccountDomain,
    Contact,
    ContactEmail,
    EmailLink,
    EventLink,
    LinkedAccount,
    User,
    UserEmail,
)
from plugin.sync import providers  # noqa: E402
from plugin.sync.engine import sync_account  # noqa: E402

SCOPES = [
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/gmail.readonly",
]
CONTACTS = 20_000
TWINS = ("twin1@acme.com", "twin2@acme.com")  # calendars like big@'s, for a best of three
MAIL_TWINS = ("mailtwin1@acme.com", "mailtwin2@acme.com")  # mailboxes like big@'s: best of 3


class Timed:
    """Wrap the registry's Google factory to measure time spent in HTTP: the request, its
    retries and decoding the JSON answer (of a plain call, or of every call of a batch).
    Parsing into value objects stays on the engine's side, as it does on the floor's."""

    def __init__(self):
        self.seconds = 0.0
        self.requests = 0  # HTTP requests to the API (a batch is one)
        self.original = providers._REGISTRY["google"]

    def factory(self, config, account, on_token=None):
        provider = self.original(config, account, on_token=on_token)
        http = provider.http
        depth = [0]  # batch_get of one call goes through get: time it once

        def timed(inner):
            def call(*args, **kwargs):
                depth[0] += 1
                t = time.perf_counter()
                try:
                    return inner(*args, **kwargs)
                finally:
                    depth[0] -= 1
                    if depth[0] == 0:
                        self.seconds += time.perf_counter() - t

            return call

        def counted(*args, inner=http._send, **kwargs):
            self.requests += 1  # every HTTP request sent, retries included
            return inner(*args, **kwargs)

        http.get, http.batch_get = timed(http.get), timed(http.batch_get)
        http._send = counted
        return provider


def seed_sandbox(sb, email, events, emails, domains):
    sb.add_user(email)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    series = events // 5 // 5  # 20% of occurrences, 5 per weekly series
    singles = events - series * 5
    for i in range(singles):
        start = now + timedelta(hours=(i % 3000) - 500)
        sb.calendar.insert_event(
            email,
            {
                "summary": f"Meeting {i}",
                "start": {"dateTime": start.isoformat()},
                "end": {"dateTime": (start + timedelta(minutes=30)).isoformat()},
                "attendees": [
                    {"email": f"c{i % CONTACTS}@{domains[i % len(domains)]}"},
                    {"email": email},
                ],
            },
        )
    for i in range(series):
        start = now + timedelta(days=i % 20, hours=i % 9)
        sb.calendar.insert_event(
            email,
            {
                "summary": f"Series {i}",
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=5"],
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (start + timedelta(hours=1)).isoformat(), "timeZone": "UTC"},
                "attendees": [{"email": f"c{(i * 7) % CONTACTS}@{domains[i % len(domains)]}"}],
            },
        )
    for i in range(emails):
        sb.gmail.add_message(
            email,
            from_=f"c{i % CONTACTS}@{domains[i % len(domains)]}",
            to=[email],
            subject=f"Mail {i}",
            body_text="hello " * 20,
            date=now - timedelta(hours=i % 600),
        )


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


def make_account(sb, db, email, calendar=True, mail=True):
    token = sb.issue_token(email, scopes=SCOPES, client_id="bench")
    user = User(name=email, emails=[UserEmail(email=email, is_primary=True)])
    acc = LinkedAccount(
        user=user,
        provider="google",
        external_email=email,
        credentials=token,
        sync_calendar=calendar,
        sync_email=mail,
    )
    db.session.add_all([user, acc])
    db.session.commit()
    return acc.id


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--emails", type=int, default=5000)
    ap.add_argument("--pg", help="PostgreSQL URL instead of a temporary SQLite file")
    args = ap.parse_args()

    seeded, app, db = bench_app(args.pg, start=False)
    with app.app_context():
        from plugin.settings import get_settings

        get_settings().sync_scope = "everything"
        db.session.commit()
        seed_directory(db)
        domains = [f"co{i}.com" for i in range(1, 201)]
        t = time.perf_counter()
        seed_sandbox(seeded, "big@acme.com", args.events, args.emails, domains)
        seed_sandbox(seeded, "mem@acme.com", args.events, 0, domains)
        seed_sandbox(seeded, "double@acme.com", args.events * 2, 0, domains)
        for twin in TWINS:
            seed_sandbox(seeded, twin, args.events, 0, domains)
        for twin in MAIL_TWINS:
            seed_sandbox(seeded, twin, 0, args.emails, domains)
        print(
            f"seeded sandbox in {time.perf_counter() - t:.1f}s; database {db.engine.dialect.name}"
        )
        # Served from a child process, as Google is served from elsewhere: its request
        # handling then takes nothing from the engine's time (see _common.ChildSandbox).
        sb = serve_apart(seeded, app)
        timer = Timed()
        providers.register("google", timer.factory)

        # calendar memory at full and at double size (traced, untimed), then the timed full sync
        peaks = []
        for mailbox in ("mem@acme.com", "double@acme.com"):
            acc_id = make_account(sb, db, mailbox, mail=False)
            tracemalloc.start()
            full_sync(sb, acc_id, timer)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        full_peak, double_peak = peaks
        # the timed full sync on three identical calendars (the best of the three counts)
        twins = [full_sync(sb, make_account(sb, db, t, mail=False), timer) for t in TWINS]
        big_cal = make_account(sb, db, "big@acme.com", mail=False)
        sb.reset_calls()
        cal = full_sync(sb, big_cal, timer)
        calls = sb.calls("big@acme.com")
        n_events = db.session.scalar(
            select(db.func.count())
            .select_from(EventLink)
            .where(EventLink.linked_account_id == big_cal)
        )
        cal = min([cal, *twins], key=lambda run: run["seconds"] - run["fetch_seconds"])
        cal_engine_s = engine_s = cal["seconds"] - cal["fetch_seconds"]
        print(f"calendar: {n_events} occurrences stored")
        print(f"  end to end   {n_events / cal['seconds']:8.0f} items/s ({cal['seconds']:.2f}s)")
        print(f"  engine alone {n_events / engine_s:8.0f} items/s ({engine_s:.2f}s)")
        print(
            f"  events.list calls {calls.get('calendar.events.list', 0)} "
            f"(minimum {math.ceil(n_events / 2500)}); all calls {sum(calls.values())}"
        )
        print(
            f"  peak memory {full_peak / 1e6:.1f} MB at {args.events} events, "
            f"{double_peak / 1e6:.1f} MB at {args.events * 2}"
        )

        # its floor now, next to the timed syncs: the machine's speed drifts over a run
        n_floor, rows, floor_s = calendar_floor(db, calendar_pages(sb, "big@acme.com"), big_cal)
        print(
            f"calendar floor (parse + bulk insert, no logic): {n_floor / floor_s:8.0f} items/s "
            f"({floor_s:.2f}s for {n_floor} events, {rows} rows in 4 tables)"
        )
        print(f"  calendar engine alone / floor: {cal_engine_s / floor_s:.2f}x")

        # idle incremental
        sb.reset_calls()
        sync_account(big_cal)
        idle = sb.calls("big@acme.com")
        print(f"  idle incremental calls: {idle}")

        # mail
        # the mail feed of the same mailbox, as its own linked account row for clarity
        acc = db.session.get(LinkedAccount, big_cal)
        acc.sync_calendar, acc.sync_email = False, True
        db.session.commit()
        sb.reset_calls()
        mail = full_sync(sb, big_cal, timer)
        calls = sb.calls("big@acme.com")
        n_mail = db.session.scalar(
            select(db.func.count())
            .select_from(EmailLink)
            .where(EmailLink.linked_account_id == big_cal)
        )
        if n_mail:  # and on two mailboxes like it: the best of the three counts
            twins = [
                full_sync(sb, make_account(sb, db, twin, calendar=False), timer)
                for twin in MAIL_TWINS
            ]
            mail = min([mail, *twins], key=lambda run: run["seconds"] - run["fetch_seconds"])
        mail_engine_s = engine_s = mail["seconds"] - mail["fetch_seconds"]
        lists = calls.get("gmail.users.messages.list", 0)
        gets = calls.get("gmail.users.messages.get", 0)
        print(f"gmail: {n_mail} messages stored, throttled {mail['throttled']} time(s)")
        print(f"  end to end   {n_mail / mail['seconds']:8.0f} items/s ({mail['seconds']:.2f}s)")
        print(f"  engine alone {n_mail / engine_s:8.0f} items/s ({engine_s:.2f}s)")
        print(
            f"  messages.list {lists} (minimum {math.ceil(n_mail / 500)}), messages.get {gets} "
            f"(minimum {n_mail}), getProfile {calls.get('gmail.users.getProfile', 0)}; "
            f"{mail['requests']} HTTP requests for them (messages.get in batches of "
            f"{app.config['CRM_SYNC_MAIL_BATCH_SIZE']})"
        )
        if n_mail:
            n_floor, rows, floor_s = mail_floor(sb, db, "big@acme.com", big_cal)
            print(
                f"gmail floor (parse + bulk insert, no logic): {n_floor / floor_s:8.0f} items/s "
                f"({floor_s:.2f}s for {n_floor} messages, {rows} rows in 4 tables)"
            )
            print(f"  gmail engine alone / floor: {mail_engine_s / floor_s:.2f}x")
        sb.reset_calls()
        sync_account(big_cal)
        print(f"  idle incremental calls: {sb.calls('big@acme.com')}")

    sb.stop()


if __name__ == "__main__":
    main()
