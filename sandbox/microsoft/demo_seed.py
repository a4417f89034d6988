"""``--seed-demo``: Ann and Bob with a meeting, a weekly series and customer mail
(idempotent: nothing is added to a mailbox that already has events)."""

from __future__ import annotations

from datetime import timedelta

from .outlook import outlook_action


def seed_demo(sb) -> None:
    ann = sb.add_user("ann@acme.com", "Ann Lee").email
    sb.add_user("bob@acme.com", "Bob Stone")
    if sb.mailbox(ann).events:
        return
    day = sb.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)

    def at(days: int, hour: int) -> dict:
        when = day + timedelta(days=days, hours=hour)
        return {"dateTime": when.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}

    outlook_action(
        sb,
        ann,
        "create_event",
        {
            "subject": "Renewal call with Globex",
            "start": at(1, 15),
            "end": at(1, 16),
            "attendees": [{"emailAddress": {"address": "hank@globex.com", "name": "Hank"}}],
        },
    )
    outlook_action(
        sb,
        ann,
        "create_event",
        {
            "subject": "Weekly check-in with Initech",
            "start": at(2, 10),
            "end": at(2, 10)
            | {
                "dateTime": (day + timedelta(days=2, hours=10, minutes=30)).strftime(
                    "%Y-%m-%dT%H:%M:%S"
                )
            },
            "recurrence": {
                "pattern": {
                    "type": "weekly",
                    "interval": 1,
                    "daysOfWeek": [(day + timedelta(days=2)).strftime("%A").lower()],
                },
                "range": {"type": "numbered", "numberOfOccurrences": 10},
            },
            "attendees": [{"emailAddress": {"address": "peter@initech.com", "name": "Peter"}}],
        },
    )
    outlook_action(
        sb,
        ann,
        "receive_mail",
        {
            "from": "hank@globex.com",
            "from_name": "Hank Scorpio",
            "subject": "Contract renewal",
            "body": "<p>Can we talk on Thursday?</p>",
            "content_type": "html",
        },
    )
