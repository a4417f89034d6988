"""What every sync benchmark starts from: a Google sandbox with a frozen clock, and the demo
host on a fresh database pointed at it."""

from __future__ import annotations

import gc
import os
import signal
import socket
import tempfile
import time

import requests

from plugin.models import Base
from sandbox.clock import Clock
from sandbox.google import GoogleSandbox


def bench_app(pg_url: str | None, start: bool = True):
    """(sandbox, app, db): tables created empty; call inside `with app.app_context()`.

    With start=False the sandbox is not served yet: seed it, then serve_apart() it."""
    from demo.app import create_app, db

    url = pg_url or "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.sqlite")
    sb = GoogleSandbox(clock=Clock(frozen=True))
    base = sb.start() if start else f"http://127.0.0.1:{_free_port()}"
    sb.add_client("bench", "secret", ["http://localhost/cb"])
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "CRM_SYNC_GOOGLE_BASE_URL": base,
            "CRM_SYNC_GOOGLE_CLIENT_ID": "bench",
            "CRM_SYNC_GOOGLE_CLIENT_SECRET": "secret",
        }
    )
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
    return sb, app, db


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ChildSandbox:
    """The seeded sandbox served from a forked child process, driven over its /_sandbox
    control plane. Served from a thread of the bench's own process, every request's handling
    competed with the engine for the GIL, and some of that waiting fell outside the timed
    HTTP calls, so it counted as the engine's time; Google is another machine.

    `gmail_store` is the parent's copy of the mailboxes as seeded (the syncs never change
    them), for the mail floor to render its messages from."""

    def __init__(self, sb: GoogleSandbox, base_url: str):
        self.base_url = base_url
        self.gmail_store = sb.gmail_store
        self.clock = _RemoteClock(self)
        port = int(base_url.rsplit(":", 1)[1])
        gc.collect()
        gc.freeze()  # the seeded state stays shared with the child, page for page
        pid = os.fork()
        if pid == 0:  # the child: serve until the parent says stop
            try:
                sb.start(port)
                signal.pause()
            finally:
                os._exit(0)
        self.pid = pid
        for _ in range(200):
            try:
                self._call("GET", "/calls")
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the sandbox child process did not start")

    def _call(self, method: str, path: str, **kwargs):
        resp = requests.request(method, f"{self.base_url}/_sandbox{path}", timeout=30, **kwargs)
        resp.raise_for_status()
        return resp.json()

    def issue_token(self, email: str, scopes=None, client_id: str | None = None) -> dict:
        return self._call(
            "POST", "/tokens", json={"email": email, "scopes": scopes, "client_id": client_id}
        )

    def calls(self, email: str | None = None) -> dict[str, int]:
        return self._call("GET", "/calls", params={"email": email} if email else None)

    def reset_calls(self) -> None:
        self._call("DELETE", "/calls")

    def stop(self) -> None:
        os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)


class _RemoteClock:
    def __init__(self, child: ChildSandbox):
        self.child = child

    def advance(self, seconds: float) -> None:
        self.child._call("POST", "/clock", json={"advance": seconds})


def serve_apart(sb: GoogleSandbox, app) -> ChildSandbox:
    return ChildSandbox(sb, app.config["CRM_SYNC_GOOGLE_BASE_URL"])
