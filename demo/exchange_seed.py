"""The demo CRM's Exchange mailbox: Ann's meetings and mail with the demo customers (Globex,
Initech, Hooli), on top of the stand-in's own --seed-demo data.

    python -m demo.exchange_seed --port 8766 [--state-file instance/exchange.pkl]

serves the Exchange stand-in (sandbox.exchange) with both seeds, in the foreground, as
./scripts/demo.sh starts it. Idempotent: a saved state is seeded once.
"""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import UTC, timedelta

from lxml import etree

ANN = "ann@acme.com"
HANK = "hank@globex.com"  # Globex uses the same Exchange in the demo, so he can reply
PETER = "peter@initech.com"
TESS = "tess@hooli.com"
SUBJECT_MEETING = "Globex renewal (Exchange)"


def _message_id(sb, email: str, subject: str) -> str:
    box = sb.mailboxes[email]
    for item in box.in_folder(box.folder("sentitems")):
        if etree.fromstring(item.fields["Subject"]).text == subject:
            return etree.fromstring(item.fields["InternetMessageId"]).text
    raise LookupError(subject)


def seed_customers(sb) -> bool:
    """Ann's Exchange calendar and mail with customers; False when already there."""
    from sandbox.exchange.demo_seed import seed_demo

    seed_demo(sb)
    if any(i["subject"] == SUBJECT_MEETING for i in sb.outlook.items(ANN, "calendar")):
        return False
    if HANK not in sb.passwords:
        sb.add_user(HANK, "Hank Scorpio", password="globex-demo")
    now = sb.clock.now().astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
    sb.outlook.create_event(
        ANN,
        SUBJECT_MEETING,
        day.replace(hour=10),
        day.replace(hour=11),
        attendees=[HANK],
        location="Teams",
        body="Renewal terms and the expansion to Globex Europe.",
    )
    first = (day + timedelta(days=1)).replace(hour=15)
    series = sb.outlook.create_event(
        ANN,
        "Initech weekly check-in",
        first,
        first + timedelta(minutes=30),
        time_zone="America/Chicago",
        attendees=[PETER],
        weekly=[first.strftime("%A")],
        count=8,
    )
    moved = first + timedelta(days=7, hours=1)  # the second one an hour later (an exception)
    sb.outlook.update_event(
        ANN,
        series["id"],
        occurrence=2,
        subject="Initech check-in (moved)",
        start=moved,
        end=moved + timedelta(minutes=30),
    )
    sb.outlook.delete_item(ANN, series["id"], occurrence=3)  # and the third one cancelled
    onsite = day + timedelta(days=4)
    sb.outlook.create_event(
        ANN,
        "Hooli onsite",
        onsite,
        onsite + timedelta(days=2),
        all_day=True,
        time_zone="America/Los_Angeles",
        attendees=[TESS],
    )
    sb.outlook.send_mail(
        HANK, [ANN], "Globex expansion", "Can we add 40 seats for Globex Europe next month?"
    )
    sb.outlook.send_mail(
        ANN,
        [HANK],
        "RE: Globex expansion",
        "Yes: I will bring a quote to the renewal meeting.",
        in_reply_to=_message_id(sb, HANK, "Globex expansion"),
    )
    sb.outlook.send_mail(ANN, [PETER], "Initech onboarding", "Here is the onboarding plan.")
    return True


def main(argv: list[str] | None = None) -> int:
    from sandbox.exchange import ExchangeSandbox

    ap = argparse.ArgumentParser(prog="python -m demo.exchange_seed", description=__doc__)
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--state-file")
    args = ap.parse_args(argv)
    sb = ExchangeSandbox(state_file=args.state_file)
    seed_customers(sb)
    sb.save()
    sb.start(args.port)
    print(f"Exchange sandbox listening on {sb.ews_url}", flush=True)

    def _stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
