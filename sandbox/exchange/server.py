"""HTTP/1.1 keep-alive for EWS on top of the shared sandbox server.

werkzeug's development handler closes every connection; NTLM authenticates the connection,
and exchangelib reads a closed connection after a 401 as a busy server. This handler keeps
the shared one's quiet logging and "closed" mode, but answers each request with a
Content-Length and keeps the connection open. One handler serves one TCP connection, so the
NTLM state lives on it."""

from __future__ import annotations

import contextlib
import io
import socket

from ..server import QuietHandler
from .auth import Connection

EWS_PATH = "/EWS/Exchange.asmx"


class KeepAliveHandler(QuietHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def run_wsgi(self) -> None:
        standin = getattr(self.server, "standin", None)
        if (
            standin is not None
            and standin.faults.unreachable == "closed"
            and not self.path.startswith("/_sandbox/")
        ):
            # A kept-alive connection was already waiting for this request when the mode
            # was set, so the shared check before the read could not see it: drop it here.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if not hasattr(self, "sandbox_connection"):
            self.sandbox_connection = Connection()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["sandbox.connection"] = self.sandbox_connection
        answer: dict = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return lambda data: None

        chunks = self.server.app(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        code, _, reason = answer["status"].partition(" ")
        self.send_response(int(code), reason)
        for name, value in answer["headers"]:
            if name.lower() not in ("content-length", "connection", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
