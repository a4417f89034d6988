"""The HTTP side every stand-in shares: a WSGI app that saves the state file after writes, a
quiet request handler that can play dead, and a threaded server bound to 127.0.0.1.

``unreachable`` fault modes: "closed" accepts a connection and drops it without an answer
(the ``/_sandbox`` control plane still answers); "refused" releases the port so connections
are refused, and re-binds the same port when the mode is cleared.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Protocol

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .control import PREFIX
from .faults import Faults


class Served(Protocol):
    """What the server needs of a stand-in (``sandbox.standin.StandIn`` has it all)."""

    name: str
    state_file: str | None
    faults: Faults

    def dispatch(self, request: Request) -> Response: ...

    def save(self) -> None: ...

    def start(self, port: int = 0, host: str = "127.0.0.1") -> str: ...

    def stop(self) -> None: ...


class StandInApp:
    """WSGI entry point: ``standin.dispatch(request)`` answers; writes are saved."""

    def __init__(self, standin: Served):
        self.standin = standin

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.standin.dispatch(request)
        if (
            self.standin.state_file
            and request.method != "GET"
            and isinstance(response, Response)
            and response.status_code < 500
        ):
            self.standin.save()
        return response(environ, start_response)


class QuietHandler(WSGIRequestHandler):
    """Request handler that logs nothing and can play dead for the "closed" mode."""

    def handle_one_request(self) -> None:
        standin = getattr(self.server, "standin", None)
        if standin is not None and standin.faults.unreachable == "closed" and not self._control():
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        super().handle_one_request()

    def _control(self) -> bool:
        """Peek at the request line: the control plane stays reachable in "closed" mode."""
        try:
            head = self.connection.recv(256, socket.MSG_PEEK)
        except OSError:
            return False
        return f" {PREFIX}/".encode() in head.split(b"\r\n", 1)[0]

    def log_request(self, *args, **kwargs) -> None:
        pass


class ServerThread:
    """A werkzeug threaded server running on a daemon thread."""

    def __init__(
        self,
        standin: Served,
        host: str = "127.0.0.1",
        port: int = 0,
        handler: type[WSGIRequestHandler] = QuietHandler,
    ):
        self.standin = standin
        self.host = host
        self.port = port
        self.handler = handler
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> int:
        """Bind (the same port again after a "refused" spell) and serve; the bound port."""
        self.server = make_server(
            self.host,
            self.port,
            StandInApp(self.standin),
            threaded=True,
            request_handler=self.handler,
        )
        self.server.standin = self.standin  # type: ignore[attr-defined]
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.standin.name}-sandbox:{self.port}",
            daemon=True,
        )
        self.thread.start()
        return self.port

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None

    @property
    def running(self) -> bool:
        return self.server is not None


def serve_until_stopped(standin: Served, port: int, label: str) -> int:
    """Foreground mode for ``python -m sandbox.<service>``: start, print the "listening"
    line the demo scripts wait for, serve until SIGINT/SIGTERM, stop (saving the state)."""
    base = standin.start(port, "127.0.0.1")
    print(f"{label} listening on {base}", flush=True)
    wait: Callable[[], object] = signal.pause if hasattr(signal, "pause") else sys.stdin.read

    def _stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
    return 0
