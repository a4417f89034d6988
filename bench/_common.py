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
    base = sb.start() if start else free_url()
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
    """A seeded stand-in (any of sandbox/) served from a forked child process, driven over
    its /_sandbox control plane. Served from a thread of the bench's own process, every
    request's handling competed with the engine for the GIL, and some of that waiting fell
    outside the timed HTTP calls, so it counted as the engine's time; the provider is
    another machine.

    `seeded` is the parent's copy of the stand-in as seeded (the syncs never change it), for
    a floor to read its items from."""

    def __init__(self, sb, base_url: str):
        self.base_url = base_url
        self.seeded = sb
        self.clock = _RemoteClock(self)
        port = int(base_url.rsplit(":", 1)[1].split("/", 1)[0])
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
                self.control("GET", "/calls")
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the sandbox child process did not start")

    def control(self, method: str, path: str, **kwargs):
        """One /_sandbox request, its JSON answer."""
        root = self.base_url.split("/", 3)[:3]
        url = "/".join(root) + "/_sandbox" + path
        resp = requests.request(method, url, timeout=30, **kwargs)
        resp.raise_for_status()
        return resp.json()

    def calls(self, email: str | None = None) -> dict[str, int]:
        return self.control("GET", "/calls", params={"email": email} if email else None)

    def reset_calls(self) -> None:
        self.control("DELETE", "/calls")

    def stop(self) -> None:
        os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)


class _RemoteClock:
    def __init__(self, child: ChildSandbox):
        self.child = child

    def advance(self, seconds: float) -> None:
        self.child.control("POST", "/clock", json={"advance": seconds})


def free_url() -> str:
    """http://127.0.0.1:PORT of a port free now, for a stand-in served later."""
    return f"http://127.0.0.1:{_free_port()}"
