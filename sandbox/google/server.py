"""The one WSGI app serving every Google path, and a threaded server bound to 127.0.0.1.

``unreachable`` fault modes: "closed" accepts a connection and drops it without an answer;
"refused" releases the port so connections are refused, and re-binds the same port when
the mode is cleared.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .errors import ApiError, json_response

if TYPE_CHECKING:
    from .sandbox import GoogleSandbox


def url_map() -> Map:
    from . import batch, calendar_api, control, gmail_api, oauth_http

    rules = [
        *oauth_http.RULES,
        *calendar_api.RULES,
        *gmail_api.RULES,
        *batch.RULES,
        *control.RULES,
    ]
    return Map([r.empty() for r in rules], strict_slashes=False, merge_slashes=False)


_MAP: Map | None = None


def dispatch(sb: GoogleSandbox, request: Request) -> Response:
    """Route one request to its handler and render every error as Google would; a batch's
    parts come through here too."""
    global _MAP
    if _MAP is None:
        _MAP = url_map()
    adapter = _MAP.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match()
        return endpoint(sb, request, **args)
    except NotFound:
        api = "gmail" if request.path.startswith(("/gmail", "/batch/gmail")) else "calendar"
        return ApiError(404, "Not Found", "notFound", api=api).response()
    except MethodNotAllowed:
        return json_response({"error": {"code": 405, "message": "Method Not Allowed"}}, 405)
    except HTTPException as exc:
        return exc.get_response(request.environ)
    except ApiError as err:
        return err.response()


class SandboxApp:
    """WSGI entry point; routes to handlers ``fn(sb, request, **path_args)``."""

    def __init__(self, sb: GoogleSandbox):
        self.sb = sb

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = dispatch(self.sb, request)
        if (
            self.sb.state_file
            and request.method != "GET"
            and isinstance(response, Response)
            and response.status_code < 500
        ):
            self.sb.save()
        return response(environ, start_response)


class _Handler(WSGIRequestHandler):
    """Quiet request handler that can play dead for the "closed" unreachable mode."""

    def handle_one_request(self) -> None:
        sb = getattr(self.server, "sandbox", None)
        if sb is not None and sb.faults.unreachable == "closed" and not self._control():
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
        return b" /_sandbox/" in head.split(b"\r\n", 1)[0]

    def log_request(self, *args, **kwargs) -> None:
        pass


class ServerThread:
    """A werkzeug threaded server running on a daemon thread."""

    def __init__(self, sb: GoogleSandbox, host: str = "127.0.0.1", port: int = 0):
        self.sb = sb
        self.host = host
        self.port = port
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> int:
        self.server = make_server(
            self.host, self.port, SandboxApp(self.sb), threaded=True, request_handler=_Handler
        )
        self.server.sandbox = self.sb  # type: ignore[attr-defined]
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"google-sandbox:{self.port}",
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

    def serve_forever(self) -> None:
        """Foreground mode for ``python -m sandbox.google``."""
        self.server = make_server(
            self.host, self.port, SandboxApp(self.sb), threaded=True, request_handler=_Handler
        )
        self.server.sandbox = self.sb  # type: ignore[attr-defined]
        self.port = self.server.server_port
        self.server.serve_forever()
