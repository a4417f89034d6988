"""Seeding and inspection, "as if the user did it in Google".

Seeded writes go through the same code as API writes, so they bump sync positions, history
ids and push notifications exactly like a change made in the Google UI. Results are the
JSON a Google API would return.
"""

from __future__ import annotations

from datetime import datetime

from .calendar_model import Calendar, render
from .calendar_store import CalendarStore
from .gmail_api import render_message
from .gmail_store import GmailStore


class CalendarSeeder:
    """``sb.calendar``: write and read events of a user's calendars."""

    def __init__(self, store: CalendarStore):
        self.store = store

    def _cal(self, email: str, calendar_id: str) -> Calendar:
        return self.store.resolve(email.lower(), calendar_id)

    def add_calendar(
        self, email: str, calendar_id: str, summary: str = "", time_zone: str | None = None
    ) -> dict:
        """A secondary calendar owned by ``email`` (id e.g. ``team@group.calendar.google.com``)."""
        with self.store.state.lock:
            user = self.store.state.users[email.lower()]
            cal = Calendar(
                id=calendar_id,
                owner=user.email,
                summary=summary or calendar_id,
                time_zone=time_zone or user.time_zone,
                primary=False,
                updated=self.store.clock.time(),
            )
            self.store.state.calendars[calendar_id] = cal
            return {"id": cal.id, "summary": cal.summary, "timeZone": cal.time_zone}

    def insert_event(
        self, email: str, event: dict, calendar_id: str = "primary", send_updates: str = "none"
    ) -> dict:
        with self.store.state.lock:
            cal = self._cal(email, calendar_id)
            ev = self.store.insert(cal, event, email.lower(), send_updates)
            return render(cal, ev, self.store.names())

    def patch_event(
        self,
        email: str,
        event_id: str,
        patch: dict,
        calendar_id: str = "primary",
        send_updates: str = "none",
    ) -> dict:
        """Patch an event, or an instance ``<masterId>_<stamp>`` (creating an exception)."""
        with self.store.state.lock:
            cal = self._cal(email, calendar_id)
            ev = self.store.modify(
                cal, event_id, patch, email.lower(), patch=True, send_updates=send_updates
            )
            return render(cal, ev, self.store.names())

    def update_event(
        self,
        email: str,
        event_id: str,
        event: dict,
        calendar_id: str = "primary",
        send_updates: str = "none",
    ) -> dict:
        with self.store.state.lock:
            cal = self._cal(email, calendar_id)
            ev = self.store.modify(
                cal, event_id, event, email.lower(), patch=False, send_updates=send_updates
            )
            return render(cal, ev, self.store.names())

    def delete_event(
        self, email: str, event_id: str, calendar_id: str = "primary", send_updates: str = "none"
    ) -> None:
        """Delete an event, a whole series, or one instance (a cancelled exception)."""
        with self.store.state.lock:
            cal = self._cal(email, calendar_id)
            self.store.delete(cal, event_id, email.lower(), send_updates)

    def get_event(self, email: str, event_id: str, calendar_id: str = "primary") -> dict | None:
        with self.store.state.lock:
            cal = self._cal(email, calendar_id)
            ev = self.store.find(cal, event_id)
            return None if ev is None else render(cal, ev, self.store.names())

    def events(
        self, email: str, calendar_id: str = "primary", include_cancelled: bool = True
    ) -> list[dict]:
        """Every stored event (masters, exceptions, singles) with full data, cancelled too."""
        with self.store.state.lock:
            cal = self._cal(email, calendar_id)
            names = self.store.names()
            return [
                render(cal, ev, names)
                for ev in cal.events.values()
                if include_cancelled or not ev.cancelled
            ]

    def invalidate_sync_tokens(self, email: str) -> None:
        """Knob: every sync token issued so far for the user's calendars answers 410."""
        with self.store.state.lock:
            for cal in self.store.state.calendars.values():
                if cal.owner == email.lower():
                    cal.epoch += 1

    def invitations(self, email: str | None = None, sent_only: bool = False) -> list[dict]:
        """Writes that involved guests: sendUpdates mode and who would have been emailed."""
        with self.store.state.lock:
            cals = {c.id: c.owner for c in self.store.state.calendars.values()}
            out = [
                dict(vars(inv))
                for inv in self.store.state.invitations
                if email is None or cals.get(inv.calendar_id) == email.lower()
            ]
        return [i for i in out if i["recipients"] or not sent_only]

    @property
    def notifications(self) -> list[dict]:
        """Push notifications attempted so far (headers, address, status or error)."""
        return list(self.store.watch.deliveries)

    def wait_for_notifications(self, timeout: float = 5.0) -> bool:
        return self.store.watch.wait_idle(timeout)


class GmailSeeder:
    """``sb.gmail``: deliver, change and inspect messages in a user's mailbox."""

    def __init__(self, store: GmailStore):
        self.store = store

    def add_message(
        self,
        email: str,
        *,
        from_: str,
        to: list[str] | str,
        subject: str = "",
        body_text: str | None = None,
        body_html: str | None = None,
        cc: list[str] | None = None,
        date: datetime | None = None,
        thread_of: str | None = None,
        message_id: str | None = None,
        labels: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict:
        """A message arrives (or is sent, if ``from_`` is the user). Returns format=minimal.

        ``thread_of`` is a Gmail message id, thread id or RFC 822 Message-ID to reply to.
        ``labels`` defaults to INBOX+UNREAD, or SENT for the user's own messages.
        """
        with self.store.state.lock:
            msg = self.store.add(
                email.lower(),
                from_=from_,
                to=[to] if isinstance(to, str) else list(to),
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                cc=cc,
                date=date,
                thread_of=thread_of,
                message_id=message_id,
                label_ids=labels,
                headers=headers,
            )
            return render_message(msg, "minimal")

    def modify(
        self,
        email: str,
        message_id: str,
        add: list[str] | None = None,
        remove: list[str] | None = None,
    ) -> dict:
        with self.store.state.lock:
            box = self.store.mailbox(email.lower())
            msg = self.store.modify(box, message_id, add or [], remove or [])
            return render_message(msg, "minimal")

    def trash(self, email: str, message_id: str) -> dict:
        return self.modify(email, message_id, add=["TRASH"])

    def delete(self, email: str, message_id: str) -> None:
        with self.store.state.lock:
            box = self.store.mailbox(email.lower())
            self.store.delete(box, message_id)

    def add_label(self, email: str, name: str) -> str:
        with self.store.state.lock:
            box = self.store.mailbox(email.lower())
            label_id = f"Label_{len(box.labels) + 1}"
            box.labels[label_id] = name
            return label_id

    def get(self, email: str, message_id: str, fmt: str = "full") -> dict:
        with self.store.state.lock:
            box = self.store.mailbox(email.lower())
            return render_message(self.store.get(box, message_id), fmt)

    def messages(self, email: str) -> list[dict]:
        with self.store.state.lock:
            box = self.store.mailbox(email.lower())
            return [render_message(m, "minimal") for m in box.messages.values()]

    def history_id(self, email: str) -> int:
        with self.store.state.lock:
            return self.store.mailbox(email.lower()).history_id

    def expire_history(self, email: str) -> None:
        """Knob: history.list from any older historyId answers 404."""
        with self.store.state.lock:
            self.store.expire_history(email.lower())

    @property
    def retention_seconds(self) -> float:
        return self.store.retention

    @retention_seconds.setter
    def retention_seconds(self, value: float) -> None:
        self.store.retention = value
