"""The behaviour-suite driver over the Google stand-in (sandbox.google)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sync_helpers import SCOPES, point_at_sandbox

from plugin.models import LinkedAccount

from .base import Driver, Remote, at


def _stamp(start: datetime) -> str:
    return start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class GoogleDriver(Driver):
    key = "google"
    page_size_key = "CRM_SYNC_CALENDAR_PAGE_SIZE"
    # Ids are client-chosen: the retried insert meets its copy (409) and reads it once; the
    # copy already holds everything, so no patch follows.
    adoption_calls = {
        "calendar.events.insert": 1,
        "calendar.events.get": 1,
        "calendar.events.patch": 0,
    }
    all_day_has_zone = False  # an all-day event is {"date": ...}, no zone
    mail_listings_per_run = 1

    def __init__(self, server, db, make_account):
        super().__init__(server, db)
        self._make = make_account
        self._series: dict[str, tuple[datetime, timedelta]] = {}

    def link(self, email, time_zone="UTC", **fields) -> LinkedAccount:
        return self._make(email, time_zone=time_zone, **fields)

    def reset(self, account) -> None:
        sb = self.server
        sb.reset()
        sb.add_client("crm-test", "crm-secret", ["http://localhost/cb"])
        sb.add_user(account.external_email, name="Ann")
        account.credentials = sb.issue_token(
            account.external_email, scopes=SCOPES, client_id="crm-test"
        )

    def _body(self, title, start, end, tz="UTC", **extra) -> dict:
        body = {
            "summary": title,
            "start": {"dateTime": start.isoformat(), "timeZone": tz},
            "end": {"dateTime": end.isoformat(), "timeZone": tz},
        }
        body.update(extra)
        return body

    def event(self, email, title, days=1, hours=1, attendees=(), tz="UTC", start=None) -> str:
        start = start or at(days)
        body = self._body(
            title,
            start,
            start + timedelta(hours=hours),
            tz,
            attendees=[{"email": a} for a in attendees],
        )
        return self.server.calendar.insert_event(email, body)["id"]

    def weekly(self, email, title, count=4, tz=None) -> str:
        start = at(1)
        rule = f"RRULE:FREQ=WEEKLY;COUNT={count}"
        body = self._body(title, start, start + timedelta(hours=1), tz or "UTC", recurrence=[rule])
        series = self.server.calendar.insert_event(email, body)["id"]
        self._series[series] = (start, timedelta(hours=1))
        return series

    def _occurrence(self, series: str, n: int) -> tuple[str, timedelta]:
        first, length = self._series[series]
        return f"{series}_{_stamp(first + timedelta(weeks=n - 1))}", length

    def all_day(self, email, title, on: date, tz) -> str:
        body = {
            "summary": title,
            "start": {"date": on.isoformat()},
            "end": {"date": (on + timedelta(days=1)).isoformat()},
        }
        return self.server.calendar.insert_event(email, body)["id"]

    def move_occurrence(self, email, series, n, start, title=None) -> None:
        instance, length = self._occurrence(series, n)
        patch = {
            "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": (start + length).isoformat(), "timeZone": "UTC"},
        }
        if title:
            patch["summary"] = title
        self.server.calendar.patch_event(email, instance, patch)

    def cancel_occurrence(self, email, series, n) -> None:
        self.server.calendar.delete_event(email, self._occurrence(series, n)[0])

    def rename(self, email, item, title) -> None:
        self.server.calendar.patch_event(email, item, {"summary": title})

    def delete(self, email, item) -> None:
        self.server.calendar.delete_event(email, item)

    def live_events(self, email) -> list[Remote]:
        events = self.server.calendar.events(email, include_cancelled=False)
        return sorted(
            (Remote(e["id"], e.get("summary", ""), e.get("location"), e["etag"]) for e in events),
            key=lambda r: r.id,
        )

    def location(self, email, item) -> str | None:
        return next(r.location for r in self.live_events(email) if r.id == item)

    def message(self, email, sender, subject, body="x") -> str:
        gmail = self.server.gmail
        return gmail.add_message(email, from_=sender, to=[email], subject=subject, body_text=body)[
            "id"
        ]

    def delete_message(self, email, item) -> None:
        self.server.gmail.delete(email, item)

    def trash_message(self, email, item) -> None:
        self.server.gmail.trash(email, item)

    def mail_list_calls(self, email) -> int:
        return self.calls(email).get("gmail.users.history.list", 0)

    def download_calls(self, email) -> int:
        return self.calls(email).get("gmail.users.messages.get", 0)

    def expire_cursor(self, email) -> None:
        self.server.calendar.invalidate_sync_tokens(email)
        self.server.gmail.expire_history(email)

    def throttle_after_pages(self, email, pages) -> None:
        self.server.quota.calendar_per_minute = pages  # one events.list per page

    def unthrottle(self) -> None:
        self.server.quota.calendar_per_minute = 600

    def revoke(self, account) -> None:
        self.server.revoke(account.credentials["refresh_token"])

    def set_latency(self, seconds) -> None:
        self.server.faults.latency = seconds

    def full_pages(self) -> None:
        self.server.short_pages.rate = 0.0

    def list_calls(self, email) -> int:
        return self.calls(email).get("calendar.events.list", 0)

    def writes(self, email) -> int:
        return sum(
            n
            for m, n in self.calls(email).items()
            if m.split(".")[-1] in {"insert", "patch", "delete"}
        )

    def worker_config(self, app) -> dict:
        return point_at_sandbox(app.config, app.config["CRM_SYNC_GOOGLE_BASE_URL"])
