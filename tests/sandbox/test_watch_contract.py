"""events.watch push notifications with Google's headers, and channels.stop."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google_contract_helpers import ANN, event
from googleapiclient.errors import HttpError


@pytest.fixture
def receiver():
    got: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            got.append(dict(self.headers))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got
    server.shutdown()
    server.server_close()


def test_watch_sends_sync_then_exists_until_stopped(cal, sb, receiver):
    address, got = receiver
    channel = (
        cal.events()
        .watch(
            calendarId="primary",
            body={"id": "chan-1", "type": "web_hook", "address": address, "token": "secret-t"},
        )
        .execute()
    )
    assert channel["kind"] == "api#channel" and channel["resourceId"]
    sb.calendar.insert_event(ANN, event("e", "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"))
    assert sb.calendar.wait_for_notifications()
    assert [h["X-Goog-Resource-State"] for h in got] == ["sync", "exists"]
    assert [h["X-Goog-Message-Number"] for h in got] == ["1", "2"]
    first = got[0]
    assert first["X-Goog-Channel-ID"] == "chan-1" and first["X-Goog-Channel-Token"] == "secret-t"
    assert first["X-Goog-Resource-ID"] == channel["resourceId"]
    assert first["X-Goog-Resource-URI"].endswith(f"/calendar/v3/calendars/{ANN}/events?alt=json")
    assert first["X-Goog-Channel-Expiration"].endswith("GMT")

    cal.channels().stop(body={"id": "chan-1", "resourceId": channel["resourceId"]}).execute()
    sb.calendar.insert_event(ANN, event("f", "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"))
    assert sb.calendar.wait_for_notifications()
    assert len(got) == 2
    with pytest.raises(HttpError) as exc:
        cal.channels().stop(body={"id": "chan-1", "resourceId": "wrong"}).execute()
    assert exc.value.resp.status == 404


def test_unreachable_receiver_is_ignored(cal, sb):
    cal.events().watch(
        calendarId="primary",
        body={"id": "chan-2", "type": "web_hook", "address": "http://127.0.0.1:9/none"},
    ).execute()
    assert sb.calendar.wait_for_notifications()
    assert sb.calendar.notifications[0]["error"]
    sb.watch.require_https = True
    with pytest.raises(HttpError) as exc:
        cal.events().watch(
            calendarId="primary",
            body={"id": "chan-3", "type": "web_hook", "address": "http://127.0.0.1:9/x"},
        ).execute()
    assert exc.value.resp.status == 400
