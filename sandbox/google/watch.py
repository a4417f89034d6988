"""Push notifications (events.watch / channels.stop) delivered like Google's webhooks.

Deliveries run on one background thread, in order, with a short timeout; failures are
ignored (Google retries, we just record them). ``wait_idle()`` lets a test wait for the
queue to drain instead of sleeping.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import requests

from ..clock import Clock
from .errors import ApiError, invalid, not_found
from .state import State
from .tokens import opaque


@dataclass
class Channel:
    id: str
    resource_id: str
    calendar_id: str
    owner: str
    address: str
    token: str | None
    expiration: int | None  # ms since epoch
    resource_uri: str
    message_number: int = 0
    stopped: bool = False
    delivered: list[dict[str, Any]] = field(default_factory=list)


class Watcher:
    def __init__(self, state: State, clock: Clock):
        self.state = state
        self.clock = clock
        self.timeout = 2.0
        self.require_https = False  # Google requires https; local receivers are http
        self.default_ttl = 604800
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._cond = threading.Condition()
        self.deliveries: list[dict[str, Any]] = []

    # ----- API side (called with state.lock held) --------------------------------------
    def create(self, cal_id: str, owner: str, body: dict, base_url: str) -> dict:
        if not isinstance(body, dict) or not body.get("id") or not body.get("address"):
            raise ApiError(400, "Required", "required")
        if body.get("type") not in ("web_hook", "webhook"):
            raise invalid(f"Invalid channel type: {body.get('type')}", reason="pushInvalidType")
        address = str(body["address"])
        if not address.startswith("https://") and (
            self.require_https or not address.startswith("http://")
        ):
            raise ApiError(
                400,
                f"WebHook callback must be HTTPS: {address}",
                "push.webhookUrlNotHttps",
                domain="push",
            )
        if body["id"] in self.state.channels:
            raise ApiError(
                400, f"Channel id {body['id']} not unique", "channelIdNotUnique", domain="push"
            )
        now_ms = int(self.clock.time() * 1000)
        ttl = (body.get("params") or {}).get("ttl")
        expiration = int(body["expiration"]) if body.get("expiration") else None
        if expiration is None:
            expiration = now_ms + int(ttl or self.default_ttl) * 1000
        ch = Channel(
            id=str(body["id"]),
            resource_id=opaque("", 27),
            calendar_id=cal_id,
            owner=owner,
            address=address,
            token=body.get("token"),
            expiration=expiration,
            resource_uri=f"{base_url}calendar/v3/calendars/{cal_id}/events?alt=json",
        )
        self.state.channels[ch.id] = ch
        self._enqueue(ch, "sync")
        out = {
            "kind": "api#channel",
            "id": ch.id,
            "resourceId": ch.resource_id,
            "resourceUri": ch.resource_uri,
            "expiration": str(ch.expiration),
        }
        if ch.token:
            out["token"] = ch.token
        return out

    def stop(self, owner: str, body: dict) -> None:
        ch = self.state.channels.get((body or {}).get("id"))
        if ch is None or ch.resource_id != body.get("resourceId") or ch.owner != owner:
            raise not_found(message=f"Channel '{(body or {}).get('id')}' not found for project")
        ch.stopped = True

    def changed(self, cal_id: str) -> None:
        now_ms = int(self.clock.time() * 1000)
        for ch in list(self.state.channels.values()):
            if ch.calendar_id != cal_id or ch.stopped:
                continue
            if ch.expiration and ch.expiration <= now_ms:
                ch.stopped = True
                continue
            self._enqueue(ch, "exists")

    # ----- delivery --------------------------------------------------------------------
    def _enqueue(self, ch: Channel, state: str) -> None:
        ch.message_number += 1
        headers = {
            "X-Goog-Channel-ID": ch.id,
            "X-Goog-Message-Number": str(ch.message_number),
            "X-Goog-Resource-ID": ch.resource_id,
            "X-Goog-Resource-State": state,
            "X-Goog-Resource-URI": ch.resource_uri,
        }
        if ch.token:
            headers["X-Goog-Channel-Token"] = ch.token
        if ch.expiration:
            headers["X-Goog-Channel-Expiration"] = formatdate(ch.expiration / 1000, usegmt=True)
        with self._cond:
            self._pending += 1
            self._queue.put((ch, headers))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sandbox-watch", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                ch, headers = self._queue.get(timeout=1.0)
            except queue.Empty:
                with self._cond:
                    if self._pending == 0:
                        self._thread = None
                        return
                continue
            record = {"channel": ch.id, "address": ch.address, "headers": headers}
            try:
                resp = requests.post(ch.address, headers=headers, timeout=self.timeout)
                record["status"] = resp.status_code
            except requests.RequestException as exc:
                record["error"] = type(exc).__name__
            self.deliveries.append(record)
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued notification was attempted."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)
