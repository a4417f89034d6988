"""The behaviour-suite driver over the Microsoft 365 stand-in (sandbox.microsoft), changing a
mailbox as the user would in Outlook (its /_sandbox/outlook actions, not counted, faulted or
throttled), with the stand-in's faults, throttle and delta-token store."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sync_helpers import MS_CLIENT, MS_SCOPES, MS_SECRET, point_at_microsoft

from plugin.models import LinkedAccount
from sandbox.microsoft.calendar_api import etag
from sandbox.microsoft.mailbox import occurrence_id
from sandbox.microsoft.outlook import outlook_action
from sandbox.microsoft.throttle import DEFAULTS

from .base import Driver, Remote, at

WRITES = ("events.create", "events.update", "events.delete")
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _local(when: datetime, tz: str) -> dict:
    """A dateTimeTimeZone as Outlook writes it: the local time in the user's zone."""
    local = when.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": tz}


class MicrosoftDriver(Driver):
    key = "microsoft"
    page_size_key = "CRM_SYNC_MICROSOFT_PAGE_SIZE"
    # The retried create carries the same transactionId: Graph answers the copy the first
    # try made instead of a second one; that copy holds everything, so no update follows.
    adoption_calls = {"events.create": 0, "events.list": 1}
    all_day_has_zone = True  # originalStartTimeZone names the zone it was made in
    mail_listings_per_run = 2  # Inbox and Sent Items: one delta each

    def __init__(self, server, db, make_microsoft_account):
        super().__init__(server, db)
        self._make = make_microsoft_account
        self._series: dict[str, datetime] = {}

    def link(self, email, time_zone="UTC", **fields) -> LinkedAccount:
        return self._make(email, time_zone=time_zone, **fields)

    def reset(self, account) -> None:
        sb = self.server
        sb.reset()
        sb.add_client(MS_CLIENT, MS_SECRET, ["http://localhost/cb"])
        sb.add_user(account.external_email, "Ann")
        token = sb.issue_token(account.external_email, MS_SCOPES, MS_CLIENT)
        token["expires_at"] = int(sb.clock.time()) + int(token["expires_in"])
        account.credentials = token

    def _outlook(self, email: str, action: str, body: dict):
        answer = outlook_action(self.server, email.lower(), action, body)
        return answer.get_json() if hasattr(answer, "get_json") else answer

    # ----- calendar ------------------------------------------------------------------------
    def event(self, email, title, days=1, hours=1, attendees=(), tz="UTC", start=None) -> str:
        start = start or at(days)
        body = {
            "subject": title,
            "start": _local(start, tz),
            "end": _local(start + timedelta(hours=hours), tz),
            "attendees": [{"emailAddress": {"address": a}, "type": "required"} for a in attendees],
        }
        return self._outlook(email, "create_event", body)["id"]

    def weekly(self, email, title, count=4, tz=None) -> str:
        start = at(1)
        body = {
            "subject": title,
            "start": _local(start, tz or "UTC"),
            "end": _local(start + timedelta(hours=1), tz or "UTC"),
            "recurrence": {
                "pattern": {
                    "type": "weekly",
                    "interval": 1,
                    "daysOfWeek": [DAYS[start.weekday()]],
                },
                "range": {
                    "type": "numbered",
                    "numberOfOccurrences": count,
                    "startDate": start.date().isoformat(),
                },
            },
        }
        series = self._outlook(email, "create_event", body)["id"]
        self._series[series] = start
        return series

    def _occurrence(self, series: str, n: int) -> str:
        return occurrence_id(series, self._series[series] + timedelta(weeks=n - 1))

    def all_day(self, email, title, on: date, tz) -> str:
        body = {
            "subject": title,
            "isAllDay": True,
            "start": {"dateTime": f"{on.isoformat()}T00:00:00", "timeZone": tz},
            "end": {"dateTime": f"{(on + timedelta(days=1)).isoformat()}T00:00:00", "timeZone": tz},
        }
        return self._outlook(email, "create_event", body)["id"]

    def move_occurrence(self, email, series, n, start, title=None) -> None:
        changes = {
            "start": _local(start, "UTC"),
            "end": _local(start + timedelta(hours=1), "UTC"),
        }
        if title:
            changes["subject"] = title
        self._outlook(
            email, "update_event", {"id": self._occurrence(series, n), "changes": changes}
        )

    def cancel_occurrence(self, email, series, n) -> None:
        self._outlook(email, "delete_event", {"id": self._occurrence(series, n)})

    def rename(self, email, item, title) -> None:
        self._outlook(email, "update_event", {"id": item, "changes": {"subject": title}})

    def delete(self, email, item) -> None:
        self._outlook(email, "delete_event", {"id": item})

    def live_events(self, email) -> list[Remote]:
        events = self.server.mailbox(email).events.values()
        remotes = (
            Remote(
                e.id,
                e.data.get("subject", ""),
                (e.data.get("location") or {}).get("displayName") or None,
                etag(e.change_key),
            )
            for e in events
        )
        return sorted(remotes, key=lambda r: r.id)

    def location(self, email, item) -> str | None:
        return next(r.location for r in self.live_events(email) if r.id == item)

    # ----- mail ------------------------------------------------------------------------------
    def message(self, email, sender, subject, body="x") -> str:
        sent = self._outlook(
            email, "receive_mail", {"from": sender, "subject": subject, "body": body, "to": [email]}
        )
        return sent["id"]

    def delete_message(self, email, item) -> None:
        self._outlook(email, "delete_message", {"id": item})

    def trash_message(self, email, item) -> None:
        # The stand-in keeps Inbox and Sent Items only: a move to Deleted Items leaves the
        # Inbox's delta as @removed, which is what a deletion does too.
        self._outlook(email, "delete_message", {"id": item})

    def mail_list_calls(self, email) -> int:
        return self.calls(email).get("messages.delta", 0)

    def download_calls(self, email) -> int:
        return self.calls(email).get("messages.get", 0)

    # ----- what the provider does to us -----------------------------------------------------
    def expire_cursor(self, email) -> None:
        self.server.state.epoch += 1  # every delta and page token so far: 410

    def throttle_after_pages(self, email, pages) -> None:
        throttle = self.server.throttle
        throttle.reset()  # the budget counts from now on
        throttle.window_seconds = 60
        throttle.budget = pages  # one calendarView delta call per page

    def unthrottle(self) -> None:
        self.server.throttle.budget = DEFAULTS["budget"]
        self.server.throttle.window_seconds = DEFAULTS["window_seconds"]

    def revoke(self, account) -> None:
        # The password changes a moment after the grant: tokens issued before it fail.
        self.server.clock.advance(1)
        self.server.set_password(account.external_email, "changed")

    def set_latency(self, seconds) -> None:
        self.server.faults.latency = seconds

    def list_calls(self, email) -> int:
        return self.calls(email).get("calendarView.delta", 0)

    def writes(self, email) -> int:
        calls = self.calls(email)
        return sum(calls.get(op, 0) for op in WRITES)

    def worker_config(self, app) -> dict:
        return point_at_microsoft(self.server.base_url)
