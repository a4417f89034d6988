"""``--seed-demo``: Ann Lee and Bob Stone (password "password") with meetings (single,
weekly series, all-day) and mail, made "as in Outlook". Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

ANN, BOB = "ann@acme.com", "bob@acme.com"


def seed_demo(sb) -> None:
    for email, name in ((ANN, "Ann Lee"), (BOB, "Bob Stone")):
        if email not in sb.passwords:
            sb.add_user(email, name)
    if sb.outlook.items(ANN, "calendar"):
        return
    today = sb.clock.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day = today + timedelta(days=1)
    sb.outlook.create_event(
        ANN,
        "Contract review with Bob",
        day.replace(hour=14),
        day.replace(hour=15),
        attendees=[BOB],
        location="Room 4",
        body="Go through the renewal.",
        send="SendToAllAndSaveCopy",
    )
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
    sb.outlook.create_event(
        ANN,
        "Team standup",
        start,
        start + timedelta(minutes=15),
        time_zone="Europe/Berlin",
        weekly=["Monday", "Wednesday", "Friday"],
        count=30,
    )
    sb.outlook.create_event(
        ANN,
        "Trade fair",
        day + timedelta(days=7),
        day + timedelta(days=8),
        all_day=True,
        time_zone="America/New_York",
    )
    sb.outlook.send_mail(BOB, [ANN], "Renewal quote", "<p>Here is the <b>quote</b>.</p>", html=True)
    sb.outlook.send_mail(ANN, [BOB], "Thanks", "Got it, thank you.")
