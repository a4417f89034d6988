"""Outbound push throughput: N new CRM appointments pushed to one Google calendar.

    .venv/bin/python bench/bench_push.py                 # 1,000 appointments, SQLite
    .venv/bin/python bench/bench_push.py --count 500 --pg URL

One user with a linked Google account (already fully synced, empty calendar) books N
appointments in the CRM, each with one customer attendee. The bench runs the engine until
everything is pushed and prints the wall time, the API calls by method against the minimum
(one events.insert per appointment), and the calls of the next, idle sync (the pushed events
come back through the incremental listing and must be neither imported nor pushed again).
Google's per-user quota (600 calendar requests/min) is on with a frozen sandbox clock: when a
run is throttled the bench advances the clock by Retry-After and runs again, as the scheduler
would; time spent throttled is therefore not in the wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _common import bench_app  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from plugin.models import CalendarEvent, EventLink, LinkedAccount, User, UserEmail  # noqa: E402
from plugin.sync.engine import sync_account  # noqa: E402
from plugin.sync.matching import Person  # noqa: E402
from plugin.sync.outbound import AppointmentFields, new_appointment  # noqa: E402

OWNER = "booker@acme.com"
SCOPES = ["https://www.googleapis.com/auth/calendar"]


def run_until_done(sb, account_id: int) -> dict:
    totals = {"runs": 0, "throttled": 0, "pushed": 0}
    while True:
        run = sync_account(account_id)
        totals["runs"] += 1
        totals["pushed"] += run.pushed
        if run.status == "throttled":
            totals["throttled"] += 1
            sb.clock.advance(61)
            continue
        if run.status != "ok":
            raise SystemExit(f"sync failed: {run.error}")
        return totals


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--pg", help="PostgreSQL URL instead of a temporary SQLite file")
    args = ap.parse_args()

    sb, app, db = bench_app(args.pg)
    with app.app_context():
        sb.add_user(OWNER, name="Booker")
        user = User(name="Booker", emails=[UserEmail(email=OWNER, is_primary=True)])
        account = LinkedAccount(
            user=user,
            provider="google",
            external_email=OWNER,
            sync_email=False,
            credentials=sb.issue_token(OWNER, scopes=SCOPES, client_id="bench"),
        )
        db.session.add_all([user, account])
        db.session.commit()
        run_until_done(sb, account.id)  # the first full sync of an empty calendar

        start = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
        t = time.perf_counter()
        for n in range(args.count):
            when = start + timedelta(days=1 + n % 90, hours=n % 8)
            new_appointment(
                db.session,
                user,
                AppointmentFields(
                    title=f"Appointment {n}",
                    start_at=when,
                    end_at=when + timedelta(minutes=30),
                    attendees=(Person(f"guest{n}@customer{n % 50}.com"),),
                ),
            )
        db.session.commit()
        booked = time.perf_counter() - t
        print(f"booked {args.count} appointments in the CRM in {booked:.1f} s")

        sb.reset_calls()
        t = time.perf_counter()
        totals = run_until_done(sb, account.id)
        wall = time.perf_counter() - t
        calls = sb.calls(OWNER)
        links = db.session.scalar(select(func.count()).select_from(EventLink))
        remote = len(sb.calendar.events(OWNER, include_cancelled=False))
        print(
            f"{args.count} appointments in Google in {wall:.1f} s "
            f"({args.count / wall:.0f}/s) over {totals['runs']} run(s), throttled "
            f"{totals['throttled']} time(s); {totals['pushed']} counted as pushed (the rest "
            f"were inserted by the throttled run and adopted by id on the next)"
        )
        print(f"API calls: {dict(sorted(calls.items()))} total {sum(calls.values())}")
        print(
            f"minimum: {args.count} events.insert; made {calls.get('calendar.events.insert', 0)}"
            f" inserts ({calls.get('calendar.events.insert', 0) / args.count:.3f}x); "
            f"Google holds {remote} events, the CRM {links} links"
        )

        sb.reset_calls()
        run = sync_account(account.id)
        events = db.session.scalar(select(func.count()).select_from(CalendarEvent))
        print(
            f"idle sync after the push: {dict(sb.calls(OWNER))}, created {run.created}, "
            f"pushed {run.pushed}, CRM events {events}"
        )
    sb.stop()


if __name__ == "__main__":
    main()
