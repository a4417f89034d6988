"""The guests the CRM keeps off an Outlook meeting when it must not invite them.

Graph sends a message for every attendee of a meeting it saves, and has no switch to not do
so (unlike Google's sendUpdates or EWS's SendToNone): a create invites every attendee, a
change updates them, a delete cancels (learn.microsoft.com/graph/api/user-post-events,
event-update, event-delete). So when the CRM must not invite (the setting, a change under
"only new", a backfill, the meeting's own box off) it writes no `attendees` and keeps its
guests in a named string property of its own, which nobody is sent anything for. Reading an
event puts them back beside its real attendees, so the CRM meeting keeps its guests when the
copy comes in again and an adopted copy compares equal to its draft.

The delta answers no extended properties: a CRM-made event (known by its transactionId) may
hold withheld guests, so the calendar feed reads those events in full, at most 20 to a $batch
request (calendar.read_withheld): the echo of a push costs that, an unchanged calendar
nothing.
"""

from __future__ import annotations

import json

from ..base import Person

# PS_PUBLIC_STRINGS, as the CRM id property (calendar.CRM_PROPERTY_ID).
GUESTS_PROPERTY_ID = "String {00020329-0000-0000-C000-000000000046} Name crmSyncGuests"


def guests_property(people: tuple[Person, ...]) -> dict:
    """The property holding these guests (an empty list clears it: Graph has no way to
    remove a single-value extended property by PATCH)."""
    return {"id": GUESTS_PROPERTY_ID, "value": json.dumps([[p.email, p.name] for p in people])}


def withheld(raw: dict) -> tuple[Person, ...]:
    """The guests kept in the property of an event read with it expanded."""
    for prop in raw.get("singleValueExtendedProperties") or []:
        if str(prop.get("id", "")).lower() != GUESTS_PROPERTY_ID.lower():
            continue
        try:
            rows = json.loads(prop.get("value") or "[]")
        except ValueError:
            return ()
        return tuple(
            Person(str(row[0]), str(row[1]) if row[1] else None)
            for row in rows
            if isinstance(row, list) and len(row) == 2 and row[0]
        )
    return ()


def merged(real: tuple[Person, ...], kept: tuple[Person, ...]) -> tuple[Person, ...]:
    """The real attendees, then the withheld guests that are not among them."""
    seen = {p.email.lower() for p in real}
    return real + tuple(p for p in kept if p.email.lower() not in seen)
