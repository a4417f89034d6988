"""The per-provider half of bench_sync.py, one driver a provider: how its stand-in is made,
seeded and linked, how time inside the provider's client is measured, the calls a perfect
client would make, and the decoded items its floor parses. Everything else (the runs, the
floors, the printing) is provider-neutral in bench_sync.py and _floors.py."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta

import requests
from _common import ChildSandbox, free_url

from plugin.models import LinkedAccount, User, UserEmail
from plugin.sync import providers

SCOPES = [
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/gmail.readonly",
]


def _pages(items: int, size: int) -> int:
    """Calls to list `items` in pages of `size`: at least one, even for none."""
    return max(1, -(-items // size))


def _hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def _account(db, email: str, provider: str, credentials: dict, calendar: bool, mail: bool):
    user = User(name=email, emails=[UserEmail(email=email, is_primary=True)])
    acc = LinkedAccount(
        user=user,
        provider=provider,
        external_email=email,
        credentials=credentials,
        sync_calendar=calendar,
        sync_email=mail,
    )
    db.session.add_all([user, acc])
    db.session.commit()
    return acc.id


class _Stopwatch:
    """Seconds spent inside the wrapped calls (the outermost one only) and requests sent."""

    def __init__(self):
        self.seconds = 0.0
        self.requests = 0
        self._depth = 0

    def timed(self, inner):
        watch = self

        def call(*args, **kwargs):
            watch._depth += 1
            t = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                watch._depth -= 1
                if watch._depth == 0:
                    watch.seconds += time.perf_counter() - t

        return call

    def counted(self, inner):
        def call(*args, **kwargs):
            self.requests += 1  # every request sent, retries included
            return inner(*args, **kwargs)

        return call


class GoogleBench:
    """Google Calendar and Gmail: HTTP time is GoogleHttp.get / batch_get (the request, its
    retries, decoding the JSON)."""

    name = "google"
    calendar_op = "events.list"

    def standin(self, google_sb):
        return google_sb  # the one bench_app made, which the app is pointed at

    def serve(self, seeded, app) -> ChildSandbox:
        return ChildSandbox(seeded, app.config["CRM_SYNC_GOOGLE_BASE_URL"])

    def seed(self, sb, email, events, emails, domains, contacts):
        sb.add_user(email)
        now = _hour()
        series = events // 5 // 5  # 20% of occurrences, 5 per weekly series
        for i in range(events - series * 5):
            start = now + timedelta(hours=(i % 3000) - 500)
            sb.calendar.insert_event(
                email,
                {
                    "summary": f"Meeting {i}",
                    "start": {"dateTime": start.isoformat()},
                    "end": {"dateTime": (start + timedelta(minutes=30)).isoformat()},
                    "attendees": [
                        {"email": f"c{i % contacts}@{domains[i % len(domains)]}"},
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
                    "end": {
                        "dateTime": (start + timedelta(hours=1)).isoformat(),
                        "timeZone": "UTC",
                    },
                    "attendees": [{"email": f"c{(i * 7) % contacts}@{domains[i % len(domains)]}"}],
                },
            )
        for i in range(emails):
            sb.gmail.add_message(
                email,
                from_=f"c{i % contacts}@{domains[i % len(domains)]}",
                to=[email],
                subject=f"Mail {i}",
                body_text="hello " * 20,
                date=now - timedelta(hours=i % 600),
            )

    def link(self, sb, db, email, calendar=True, mail=True):
        return _account(db, email, "google", self._token(sb, email), calendar, mail)

    @staticmethod
    def _token(sb, email) -> dict:
        body = {"email": email, "scopes": SCOPES, "client_id": "bench"}
        return sb.control("POST", "/tokens", json=body)

    def install_timer(self) -> _Stopwatch:
        watch = _Stopwatch()
        original = providers._REGISTRY["google"]

        def factory(config, account, on_token=None):
            provider = original(config, account, on_token=on_token)
            http = provider.http
            # batch_get of one call goes through get: the stopwatch times the outer one
            http.get, http.batch_get = watch.timed(http.get), watch.timed(http.batch_get)
            http._send = watch.counted(http._send)
            return provider

        providers.register("google", factory)
        return watch

    def calendar_calls(self, sb, email, calls, n_events, app) -> list[tuple[str, int, int]]:
        return [("events.list", calls.get("calendar.events.list", 0), math.ceil(n_events / 2500))]

    def mail_calls(self, sb, email, calls, n_mail, app) -> list[tuple[str, int, int]]:
        return [
            ("messages.list", calls.get("gmail.users.messages.list", 0), math.ceil(n_mail / 500)),
            ("messages.get", calls.get("gmail.users.messages.get", 0), n_mail),
        ]

    def idle_ops(self, calendar: bool, mail: bool) -> dict[str, int]:
        return {
            **({"calendar.events.list": 1} if calendar else {}),
            **({"gmail.users.history.list": 1} if mail else {}),
        }

    def calendar_pages(self, sb, app, email):
        """events.list pages as the engine's full sync got them (fetched once, untimed)."""
        from plugin.sync.providers.google.calendar import parse_event

        token = self._token(sb, email)["access_token"]
        now = datetime.now(UTC)
        params = {
            "singleEvents": "true",
            "maxResults": 2500,
            "timeMin": (now - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timeMax": (now + timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        pages, page_token = [], None
        while True:
            p = dict(params, **({"pageToken": page_token} if page_token else {}))
            body = requests.get(
                f"{sb.base_url}/calendar/v3/calendars/primary/events",
                params=p,
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            pages.append(body.get("items", []))
            page_token = body.get("nextPageToken")
            if not page_token:
                return pages, lambda raw: parse_event(raw, "primary")

    def mail_resources(self, sb, app, email):
        """Every message resource as messages.get format=full returns it, decoded."""
        from plugin.sync.providers.google.mail import parse_message
        from sandbox.google.gmail_api import render_message

        box = sb.seeded.gmail_store.mailbox(email)
        raws = [json.loads(json.dumps(render_message(m, "full"))) for m in box.messages.values()]
        return raws, parse_message


class ExchangeBench:
    """Exchange Server through exchangelib: EWS time is each request (exchangelib's
    _get_response_xml: post_ratelimited, its retries, reading the SOAP envelope) and the
    decoding of every answered element into exchangelib's items (_elem_to_obj), as Google's
    HTTP time includes decoding the JSON."""

    name = "exchange"
    calendar_op = "SyncFolderItems"
    password = "password"

    def standin(self, google_sb):
        from sandbox.clock import Clock
        from sandbox.exchange import ExchangeSandbox

        sb = ExchangeSandbox(clock=Clock(frozen=True))
        sb.bench_url = free_url()
        return sb

    def serve(self, seeded, app) -> ChildSandbox:
        return ChildSandbox(seeded, seeded.bench_url)

    def seed(self, sb, email, events, emails, domains, contacts):
        from sandbox.exchange.timezones import windows_id  # noqa: F401  (zones load once)

        sb.add_user(email, password=self.password)
        now = _hour()
        series = events // 5 // 5  # 20% of occurrences, 5 per weekly series
        for i in range(events - series * 5):
            start = now + timedelta(hours=(i % 3000) - 500)
            sb.outlook.create_event(
                email,
                f"Meeting {i}",
                start,
                start + timedelta(minutes=30),
                attendees=[f"c{i % contacts}@{domains[i % len(domains)]}", email],
            )
        for i in range(series):
            start = now + timedelta(days=i % 20, hours=i % 9)
            sb.outlook.create_event(
                email,
                f"Series {i}",
                start,
                start + timedelta(hours=1),
                attendees=[f"c{(i * 7) % contacts}@{domains[i % len(domains)]}"],
                weekly=[start.strftime("%A")],
                count=5,
            )
        for i in range(emails):
            sb.outlook.receive_mail(
                email,
                f"c{i % contacts}@{domains[i % len(domains)]}",
                f"Mail {i}",
                "hello " * 20,
                received=now - timedelta(hours=i % 600),
            )

    def _settings(self, sb, email) -> dict:
        from sandbox.exchange.server import EWS_PATH

        return {
            "server": sb.base_url + EWS_PATH,
            "username": email,
            "password": self.password,
            "auth_type": "ntlm",
        }

    def link(self, sb, db, email, calendar=True, mail=True):
        return _account(db, email, "exchange", self._settings(sb, email), calendar, mail)

    def install_timer(self) -> _Stopwatch:
        from exchangelib.services import FindItem, GetItem, SyncFolderItems, common

        watch = _Stopwatch()
        service = common.EWSService
        service._get_response_xml = watch.timed(service._get_response_xml)
        for cls in (FindItem, GetItem, SyncFolderItems):
            cls._elem_to_obj = watch.timed(cls._elem_to_obj)
        common.post_ratelimited = watch.counted(common.post_ratelimited)
        return watch

    def _batch(self, app) -> int:
        from plugin.sync.providers.exchange import exchange_config

        return exchange_config(app.config).get_batch_size

    def _page(self, app) -> int:
        from plugin.sync.providers.exchange import exchange_config

        return exchange_config(app.config).page_size

    def calendar_calls(self, sb, email, calls, n_events, app) -> list[tuple[str, int, int]]:
        """SyncFolderItems pages for the items (singles and masters), GetItem batches for
        their bodies and attendees, and one CalendarView over the window for all changed
        series, in pages of 1,000 rows (EWSFindCountLimit): the view shows every occurrence
        and single in the window, n_events rows."""
        items = self._count(sb, email, "calendar")
        return [
            ("SyncFolderItems", calls.get("SyncFolderItems", 0), _pages(items, self._page(app))),
            (
                f"GetItem (of {self._batch(app)})",
                calls.get("GetItem", 0),
                -(-items // self._batch(app)),
            ),
            ("FindItem (CalendarView)", calls.get("FindItem", 0), _pages(n_events, 1000)),
        ]

    def mail_calls(self, sb, email, calls, n_mail, app) -> list[tuple[str, int, int]]:
        page = self._page(app)
        inbox, sent = self._count(sb, email, "inbox"), self._count(sb, email, "sentitems")
        return [
            (
                "SyncFolderItems",
                calls.get("SyncFolderItems", 0),
                _pages(inbox, page) + _pages(sent, page),
            ),
            (
                f"GetItem (of {self._batch(app)})",
                calls.get("GetItem", 0),
                -(-n_mail // self._batch(app)),
            ),
        ]

    @staticmethod
    def _count(sb, email, folder: str) -> int:
        """Items in a distinguished folder of the mailbox as seeded."""
        box = sb.seeded.mailboxes[email]
        return sum(1 for i in box.items.values() if i.folder == box.by_name[folder])

    def idle_ops(self, calendar: bool, mail: bool) -> dict[str, int]:
        return {"SyncFolderItems": int(calendar) + 2 * int(mail)}

    def _client(self, sb, app, email):
        from plugin.sync.providers.exchange import EwsClient, exchange_config

        return EwsClient(exchange_config(app.config), self._settings(sb, email), email)

    def calendar_pages(self, sb, app, email):
        """The calendar's SyncFolderItems pages as the adapter read them: each single item
        (details filled by GetItem) and each CalendarView row of the page's masters, with
        its zone and master, fetched once, untimed, through the adapter's own calls."""
        from exchangelib import CalendarItem

        from plugin.settings import get_settings
        from plugin.sync.providers.base import Window
        from plugin.sync.providers.exchange.calendar import (
            MASTER,
            _fill_details,
            _spans,
            _view,
            parse_item,
        )
        from plugin.sync.providers.exchange.fields import EVENT_FIELDS, sync_page

        settings = get_settings()
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        window = Window(
            now - timedelta(days=settings.window_past_days),
            now + timedelta(days=settings.window_future_days),
        )
        client = self._client(sb, app, email)
        folder = client.folder("calendar")
        pages, state = [], None
        while True:
            changes, state, last = sync_page(client, folder, state, EVENT_FIELDS)
            items = [(i, z) for k, i, z in changes if isinstance(i, CalendarItem)]
            _fill_details(client, [i for i, _ in items])
            page = [(i, z, None) for i, z in items if i.type != MASTER]
            masters = {i.uid: (i, z) for i, z in items if i.type == MASTER}
            if masters:
                rows = {}
                for lo, hi in _spans(window):
                    for row in _view(client, folder, lo, hi, lambda r, m=masters: r.uid in m):
                        if row.type != MASTER:
                            rows.setdefault(row.id, row)
                page += [(r, masters[r.uid][1], masters[r.uid][0]) for r in rows.values()]
            pages.append(page)
            if last:
                break
        client.close()
        return pages, lambda raw: parse_item(raw[0], raw[1], series=raw[2])

    def mail_resources(self, sb, app, email):
        """Every message as GetItem (the adapter's fields) answers it, decoded."""
        from exchangelib import Message

        from plugin.sync.providers.exchange.fields import MAIL_FIELDS, MAIL_LIST_FIELDS, sync_page
        from plugin.sync.providers.exchange.mail import parse_message

        client = self._client(sb, app, email)
        raws = []
        for name, label in (("inbox", "INBOX"), ("sentitems", "SENT")):
            folder, state = client.folder(name), None
            while True:
                changes, state, last = sync_page(client, folder, state, MAIL_LIST_FIELDS)
                ids = [(i.id, None) for _, i, _ in changes if type(i) is Message]
                for lo in range(0, len(ids), 100):
                    got = client.get_items(ids[lo : lo + 100], MAIL_FIELDS, name)
                    raws += [(m, label) for m in got]
                if last:
                    break
        client.close()
        return raws, lambda raw: parse_message(raw[0], raw[1])


DRIVERS = {driver.name: driver for driver in (GoogleBench(), ExchangeBench())}
