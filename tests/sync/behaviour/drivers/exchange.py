"""The behaviour-suite driver over the EWS stand-in (sandbox.exchange), as Outlook would
change a mailbox (sb.outlook), with the stand-in's faults and throttle."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import exchangelib
from ews_helpers import ews_account, weekly

from plugin.models import LinkedAccount

from .base import Driver, Remote, at

WRITES = ("CreateItem", "UpdateItem", "DeleteItem")


class ExchangeDriver(Driver):
    key = "exchange"
    page_size_key = "CRM_SYNC_EXCHANGE_PAGE_SIZE"
    # No client-chosen ids: the retried create looks the CRM id up (restricted FindItem)
    # and adopts what it finds, so no CreateItem at all.
    adoption_calls = {"CreateItem": 0, "FindItem": 1}
    all_day_has_zone = True  # EWS keeps the (Windows) zone the event was made in
    mail_listings_per_run = 2  # Inbox and Sent Items are two folders
    # A run's calls before its first SyncFolderItems on a fresh connection: the version
    # probe (ConvertId). Folders are addressed by distinguished id, never looked up.
    RUN_OVERHEAD = 1

    def __init__(self, server, db, make_exchange_account):
        super().__init__(server, db)
        self._make = make_exchange_account

    def link(self, email, time_zone="UTC", **fields) -> LinkedAccount:
        return self._make(email, **fields)

    def reset(self, account) -> None:
        self.server.reset()
        self.server.add_user(account.external_email, "Ann", password="password")
        exchangelib.close_connections()

    def event(self, email, title, days=1, hours=1, attendees=(), tz="UTC", start=None) -> str:
        start = start or at(days)
        made = self.server.outlook.create_event(
            email,
            title,
            start,
            start + timedelta(hours=hours),
            time_zone=tz,
            attendees=list(attendees),
        )
        return made["id"]

    def weekly(self, email, title, count=4, tz=None) -> str:
        zone = {"tz": tz} if tz else {}
        return weekly(self.server, email, title, count=count, **zone)["id"]

    def all_day(self, email, title, on: date, tz) -> str:
        zone = ZoneInfo(tz)
        start = datetime.combine(on, time(0), zone)
        end = datetime.combine(on + timedelta(days=1), time(0), zone)
        made = self.server.outlook.create_event(
            email, title, start, end, time_zone=tz, all_day=True
        )
        return made["id"]

    def move_occurrence(self, email, series, n, start, title=None) -> None:
        changes = {"start": start, "end": start + timedelta(hours=1)}
        if title:
            changes["subject"] = title
        self.server.outlook.update_event(email, series, occurrence=n, **changes)

    def cancel_occurrence(self, email, series, n) -> None:
        self.server.outlook.delete_item(email, series, occurrence=n)

    def rename(self, email, item, title) -> None:
        self.server.outlook.update_event(email, item, subject=title)

    def delete(self, email, item) -> None:
        self.server.outlook.delete_item(email, item)

    def live_events(self, email) -> list[Remote]:
        items = [i for i in self.server.outlook.items(email) if i["element"] == "CalendarItem"]
        remotes = (Remote(i["id"], i["subject"], etag=i["change_key"]) for i in items)
        return sorted(remotes, key=lambda r: r.id)

    def location(self, email, item) -> str | None:
        [fetched] = ews_account(self.server, email).fetch(
            ids=[(item, None)], only_fields=["location"]
        )
        return fetched.location

    def message(self, email, sender, subject, body="x") -> str:
        if sender.lower() not in self.server.mailboxes:
            self.server.add_user(sender, sender.split("@")[0].title())
        self.server.outlook.send_mail(sender, to=[email], subject=subject, body=body)
        [item] = [
            i for i in self.server.outlook.items(email, folder="inbox") if i["subject"] == subject
        ]
        return item["id"]

    def delete_message(self, email, item) -> None:
        # The stand-in's Outlook deletes to Deleted Items only; out of the Inbox either way.
        self.server.outlook.delete_item(email, item)

    def trash_message(self, email, item) -> None:
        self.server.outlook.delete_item(email, item)

    def mail_list_calls(self, email) -> int:
        return self.calls(email).get("SyncFolderItems", 0)  # in mail-only accounts

    def download_calls(self, email) -> int:
        return self.calls(email).get("GetItem", 0)

    def expire_cursor(self, email) -> None:
        self.server.outlook.invalidate_sync_states(email)

    def throttle_after_pages(self, email, pages) -> None:
        # The call budget counts every EWS call from now on; a fresh connection makes the
        # next run's overhead exact.
        exchangelib.close_connections()
        self.server.throttle.window_seconds = 60
        # Each page is a SyncFolderItems and a GetItem (bodies and attendees).
        self.server.throttle.budget = self.RUN_OVERHEAD + 2 * pages

    def unthrottle(self) -> None:
        self.server.throttle.budget = None

    def revoke(self, account) -> None:
        self.server.add_user(account.external_email, "Ann", password="changed")

    def set_latency(self, seconds) -> None:
        self.server.faults.latency = seconds

    def list_calls(self, email) -> int:
        return self.calls(email).get("SyncFolderItems", 0)

    def writes(self, email) -> int:
        calls = self.calls(email)
        return sum(calls.get(op, 0) for op in WRITES)

    def worker_config(self, app) -> dict:
        return {"CRM_SYNC_RETRY_BASE_SECONDS": 0.01}  # the server is in the credentials
