"""HTTP authentication as IIS does it for EWS: Basic, and NTLM bound to the connection.

NTLM is a three-leg handshake on one TCP connection (Negotiate -> 401 + Challenge ->
Authenticate); the connection is then authenticated and later requests on it need no
header. pyspnego is the acceptor. It reads the users' credentials from the file named by
NTLM_USER_FILE, a process-wide variable, so each sandbox writes its own file and sets the
variable only while one of its handshakes steps, under one lock.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
import threading
from dataclasses import dataclass, field

import spnego

_ENV_LOCK = threading.Lock()


@dataclass
class Connection:
    """Per-TCP-connection auth state (one per keep-alive connection)."""

    user: str | None = None
    ntlm: object | None = None  # the acceptor context during a handshake
    extra: dict = field(default_factory=dict)


class Unauthorized(Exception):
    """Answer 401; ``challenge`` is the NTLM challenge token for the second leg."""

    def __init__(self, challenge: bytes | None = None):
        super().__init__("401")
        self.challenge = challenge


class Authenticator:
    def __init__(self, passwords: dict[str, str]):
        self.passwords = passwords  # email (lower) -> password, shared with the sandbox
        self.basic = True
        self.ntlm = True
        fd, self._file = tempfile.mkstemp(prefix="ews-sandbox-ntlm-", suffix=".txt")
        os.close(fd)
        self.refresh()

    def refresh(self) -> None:
        """Rewrite the NTLM credential store (Heimdal format ``:user@upn:password``)."""
        lines = [f":{email}:{pw}" for email, pw in sorted(self.passwords.items())]
        with open(self._file, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")

    def close(self) -> None:
        if os.path.exists(self._file):
            os.unlink(self._file)

    def challenge_headers(self) -> list[tuple[str, str]]:
        headers = []
        if self.ntlm:
            headers += [("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM")]
        if self.basic:
            headers.append(("WWW-Authenticate", 'Basic realm="127.0.0.1"'))
        return headers

    def authenticate(self, conn: Connection, header: str | None) -> str:
        """The mailbox owner's email for this request, or raise ``Unauthorized``."""
        if not header:
            if conn.user and self.ntlm:
                return conn.user  # connection already authenticated by NTLM
            raise Unauthorized()
        scheme, _, token = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic" and self.basic:
            return self._basic(token.strip())
        if scheme in ("ntlm", "negotiate") and self.ntlm:
            return self._ntlm(conn, token.strip())
        raise Unauthorized()

    def _basic(self, token: str) -> str:
        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized() from exc
        email = user.lower()
        if self.passwords.get(email) != password or not password:
            raise Unauthorized()
        return email

    def _ntlm(self, conn: Connection, token: str) -> str:
        try:
            raw = base64.b64decode(token, validate=True)
        except binascii.Error as exc:
            raise Unauthorized() from exc
        msg_type = int.from_bytes(raw[8:12], "little") if raw[:8] == b"NTLMSSP\x00" else 0
        with _ENV_LOCK:
            previous = os.environ.get("NTLM_USER_FILE")
            os.environ["NTLM_USER_FILE"] = self._file
            try:
                if msg_type == 1:
                    conn.user = None
                    conn.ntlm = spnego.server(protocol="ntlm")
                    out = conn.ntlm.step(raw)
                    raise Unauthorized(out)
                if msg_type == 3 and conn.ntlm is not None:
                    ctx, conn.ntlm = conn.ntlm, None
                    try:
                        ctx.step(raw)
                    except Exception as exc:  # wrong password or unknown user
                        raise Unauthorized() from exc
                    principal = (ctx.client_principal or "").split("\\")[-1].lower()
                    if principal not in self.passwords:
                        raise Unauthorized()
                    conn.user = principal
                    return principal
            finally:
                if previous is None:
                    os.environ.pop("NTLM_USER_FILE", None)
                else:
                    os.environ["NTLM_USER_FILE"] = previous
        raise Unauthorized()
