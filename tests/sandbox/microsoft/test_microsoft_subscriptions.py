"""Slice 7: /subscriptions with the validation handshake, driven by msgraph-sdk."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from kiota_abstractions.api_error import APIError
from microsoft_helpers import ANN, BOB, run, token_for
from msgraph.generated.models.subscription import Subscription


class Receiver:
    """A notification URL: echoes validationToken (or, when ``echo`` is off, answers wrong)."""

    def __init__(self):
        self.echo = True
        self.status = 200  # the status the validation request is answered with
        self.on_validation = None  # called before answering a validation request
        self.seen: list[str] = []
        self.notes: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                query = parse_qs(urlparse(self.path).query)
                if "validationToken" not in query:  # a change notification
                    length = int(self.headers.get("Content-Length") or 0)
                    receiver.notes.extend(json.loads(self.rfile.read(length))["value"])
                    self.send_response(202)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                token = query["validationToken"][0]
                if receiver.on_validation is not None:
                    receiver.on_validation()
                receiver.seen.append(token)
                body = (token if receiver.echo else "nope").encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/notify"

    def close(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def subscription(sb, url: str, minutes: int = 4000, state: str = "s3cret") -> Subscription:
    return Subscription(
        change_type="created,updated,deleted",
        notification_url=url,
        resource="me/events",
        client_state=state,
        expiration_date_time=sb.clock.now() + timedelta(minutes=minutes),
    )


def test_create_validates_the_notification_url_and_keeps_client_state(msb, receiver):
    made = run(msb, lambda c: c.subscriptions.post(subscription(msb, receiver.url)))
    assert receiver.seen and receiver.seen[0].startswith("Validation:")
    assert made.id and made.client_state == "s3cret" and made.resource == "me/events"
    listed = run(msb, lambda c: c.subscriptions.get())
    assert [s.id for s in listed.value] == [made.id]


def refusal(sb, url: str) -> tuple[int, str, str]:
    with pytest.raises(APIError) as err:
        run(sb, lambda c: c.subscriptions.post(subscription(sb, url)))
    assert sb.state.subscriptions == {}
    return err.value.response_status_code, err.value.error.code, err.value.error.message


# Graph answers a failed notificationUrl validation with 400 ValidationError, and says which
# requirement was missed (https://learn.microsoft.com/graph/change-notifications-delivery-
# webhooks#notificationurl-validation: 200 OK, text/plain, the token, within 10 seconds).
# The messages are Graph's own, as reported back from it in
# github.com/splunk/azure-functions-splunk/issues/26 (non-200),
# github.com/microsoftgraph/java-spring-webhooks-sample/issues/82 (wrong body) and
# github.com/microsoftgraph/nodejs-webhooks-sample/issues/350 (timeout).
def test_a_url_that_does_not_echo_the_token_is_refused(msb, receiver):
    receiver.echo = False
    assert refusal(msb, receiver.url) == (
        400,
        "ValidationError",
        "Subscription validation request failed. Response must exactly match "
        "validationToken query parameter.",
    )


def test_a_url_that_answers_other_than_200_is_refused_as_graph_words_it(msb, receiver):
    receiver.status = 403
    status, code, message = refusal(msb, receiver.url)
    assert (status, code) == (400, "ValidationError")
    assert message == (
        "Subscription validation request failed. HTTP status code is 'Forbidden'. "
        "Notification endpoint must respond with 200 OK to validation request."
    )


def test_an_unreachable_url_is_refused_as_graph_words_it(msb, receiver):
    dead = receiver.url
    receiver.close()
    assert refusal(msb, dead) == (
        400,
        "ValidationError",
        "Subscription validation request failed. Notification endpoint must respond with "
        "200 OK to validation request.",
    )


def test_a_url_that_answers_too_late_is_refused_as_timed_out(msb, receiver, monkeypatch):
    from sandbox.microsoft import subscriptions as subs

    monkeypatch.setattr(subs, "VALIDATION_TIMEOUT", 0.3)  # Graph waits 10 s
    receiver.on_validation = lambda: time.sleep(1.0)
    assert refusal(msb, receiver.url) == (
        400,
        "ValidationError",
        "Subscription validation request timed out.",
    )


def test_expiration_limits_and_renewal(msb, receiver):
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.subscriptions.post(subscription(msb, receiver.url, minutes=10081)))
    assert err.value.response_status_code == 400 and "10080" in err.value.error.message
    made = run(msb, lambda c: c.subscriptions.post(subscription(msb, receiver.url, minutes=60)))
    msb.clock.advance(minutes=50)
    renewal = Subscription(expiration_date_time=msb.clock.now() + timedelta(days=3))
    renewed = run(msb, lambda c: c.subscriptions.by_subscription_id(made.id).patch(renewal))
    assert renewed.expiration_date_time > made.expiration_date_time
    msb.clock.advance(days=4)
    with pytest.raises(APIError) as err:  # not renewed again: gone
        run(msb, lambda c: c.subscriptions.by_subscription_id(made.id).get())
    assert err.value.response_status_code == 404


def test_delete(msb, receiver):
    made = run(msb, lambda c: c.subscriptions.post(subscription(msb, receiver.url)))
    run(msb, lambda c: c.subscriptions.by_subscription_id(made.id).delete())
    assert msb.state.subscriptions == {}


def wait_for(receiver: Receiver, count: int) -> list[dict]:
    deadline = time.monotonic() + 10
    while len(receiver.notes) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return receiver.notes


def test_changes_are_notified_with_client_state(msb, receiver):
    made = run(msb, lambda c: c.subscriptions.post(subscription(msb, receiver.url)))
    base = f"{msb.base_url}/_sandbox/outlook/{ANN}"
    event = requests.post(
        f"{base}/create_event",
        timeout=5,
        json={
            "subject": "x",
            "start": {"dateTime": "2026-12-03T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-03T10:00:00", "timeZone": "UTC"},
        },
    ).json()
    requests.post(f"{base}/delete_event", json={"id": event["id"]}, timeout=5)
    requests.post(
        f"{msb.base_url}/_sandbox/outlook/{BOB}/create_event",
        timeout=5,
        json={
            "subject": "not Ann's",
            "start": {"dateTime": "2026-12-03T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-03T10:00:00", "timeZone": "UTC"},
        },
    )
    notes = wait_for(receiver, 2)
    time.sleep(0.1)  # nothing more arrives
    assert sorted((n["changeType"], n["resourceData"]["id"]) for n in receiver.notes) == [
        ("created", event["id"]),
        ("deleted", event["id"]),
    ]
    assert {(n["subscriptionId"], n["clientState"], n["tenantId"]) for n in notes} == {
        (made.id, "s3cret", msb.tenant_id)
    }


@pytest.mark.parametrize(
    ("resource", "scopes"),
    [
        ("me/events", ["User.Read"]),
        ("me/events", ["User.Read", "Mail.Read"]),
        ("me/messages", ["User.Read", "Calendars.ReadWrite"]),
        ("me/mailFolders('inbox')/messages", ["User.Read", "Calendars.Read"]),
    ],
)
def test_a_subscription_needs_the_resources_read_permission(msb, receiver, resource, scopes):
    sub = subscription(msb, receiver.url)
    sub.resource = resource
    token = token_for(msb, ANN, scopes)
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.subscriptions.post(sub), token=token)
    assert err.value.response_status_code == 403
    assert msb.state.subscriptions == {} and receiver.seen == []


def test_another_users_mailbox_cannot_be_subscribed(msb, receiver):
    sub = subscription(msb, receiver.url)
    sub.resource = f"users/{BOB}/events"
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.subscriptions.post(sub))
    assert err.value.response_status_code == 403
    assert msb.state.subscriptions == {}
    own = subscription(msb, receiver.url)
    own.resource = f"users/{msb.state.users[ANN].oid}/events"
    assert run(msb, lambda c: c.subscriptions.post(own)).resource == own.resource


def test_the_handshake_does_not_block_other_graph_calls(msb, receiver):
    """A receiver that calls Graph back while validating (as a push handler may) gets its
    answer at once: the handshake does not hold the stand-in's lock."""
    answers = []
    token = token_for(msb, ANN)

    def call_back():
        began = time.monotonic()
        me = requests.get(
            f"{msb.graph_url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        answers.append((me.status_code, time.monotonic() - began))

    receiver.on_validation = call_back
    made = run(msb, lambda c: c.subscriptions.post(subscription(msb, receiver.url)))
    assert made.id
    ((status, seconds),) = answers
    assert status == 200 and seconds < 2
