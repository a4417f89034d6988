"""HTTP/1.1 keep-alive server on 127.0.0.1: /EWS/Exchange.asmx and the /_sandbox control
plane. The request handler lives as long as its TCP connection, so NTLM's authenticated
state is bound to the connection as with IIS."""

from __future__ import annotations

import io
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from werkzeug.wrappers import Request, Response

from .auth import Connection

EWS_PATH = "/EWS/Exchange.asmx"


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive: werkzeug's development server closes every connection, which
    would break NTLM (it authenticates the connection) and turn a 401 into a dropped
    connection. One handler instance serves one TCP connection, so the auth state lives here."""

    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.sandbox_connection = Connection()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        environ = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "sandbox.connection": self.sandbox_connection,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value
        response = self.server.app.respond(Request(environ))
        data = response.get_data()
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = _serve

    def log_message(self, *args) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class App:
    """Routes to ``ews(sb, request, connection)`` and ``control(sb, request)``, handed in by
    the sandbox so this module depends on neither."""

    def __init__(self, sb: Any, ews, control):
        self.sb = sb
        self.ews = ews
        self.control = control

    def respond(self, request: Request) -> Response:
        conn = request.environ["sandbox.connection"]
        if request.path.startswith("/_sandbox/"):
            response = self.control(self.sb, request)
        elif request.path.lower() == EWS_PATH.lower():
            response = self.ews(self.sb, request, conn)
        else:
            response = Response("<h1>404 - File or directory not found.</h1>", 404)
        if self.sb.state_file and request.method == "POST" and response.status_code < 500:
            self.sb.save()
        return response


class ServerThread:
    def __init__(self, sb: Any, app: App, port: int = 0):
        self.sb = sb
        self.app = app
        self.port = port
        self.server: _Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> int:
        self.server = _Server(("127.0.0.1", self.port), _Handler)
        self.server.app = self.app  # type: ignore[attr-defined]
        self.port = self.server.server_port
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"exchange-sandbox:{self.port}",
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
