"""HTTP authentication as IIS does it for EWS: Basic, and NTLM bound to the connection.

NTLM is a three-leg handshake on one TCP connection (Negotiate -> 401 + Challenge ->
Authenticate); the connection is then authenticated and later requests on it need no
header. pyspnego is the acceptor. A client may run it under the ``NTLM`` scheme or under
``Negotiate`` (raw NTLM tokens, or NTLM wrapped in SPNEGO, RFC 4559); IIS answers each leg
under the scheme the client chose, and for SPNEGO sends its last token with the 200.

pyspnego reads the users' credentials from the file named by
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
    scheme: str = "NTLM"  # the scheme the handshake runs under: NTLM or Negotiate
    final: str | None = None  # a last SPNEGO token to send with the authenticated answer
    extra: dict = field(default_factory=dict)


class Unauthorized(Exception):
    """Answer 401; ``challenge`` is the challenge token for the second leg, sent under
    ``scheme``."""

    def __init__(self, challenge: bytes | None = None, scheme: str = "NTLM"):
        super().__init__("401")
        self.challenge = challenge
        self.scheme = scheme


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
            return self._ntlm(conn, "NTLM" if scheme == "ntlm" else "Negotiate", token.strip())
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

    def _ntlm(self, conn: Connection, scheme: str, token: str) -> str:
        try:
            raw = base64.b64decode(token, validate=True)
        except binascii.Error as exc:
            raise Unauthorized() from exc
        if raw[:8] == b"NTLMSSP\x00":
            first = int.from_bytes(raw[8:12], "little") == 1
        else:  # SPNEGO: an InitialContextToken ([APPLICATION 0]) opens, NegTokenResp goes on
            first = raw[:1] == b"\x60"
            if scheme != "Negotiate" or raw[:1] not in (b"\x60", b"\xa1"):
                raise Unauthorized()
        with _ENV_LOCK:
            previous = os.environ.get("NTLM_USER_FILE")
            os.environ["NTLM_USER_FILE"] = self._file
            try:
                return self._step(conn, scheme, raw, first)
            finally:
                if previous is None:
                    os.environ.pop("NTLM_USER_FILE", None)
                else:
                    os.environ["NTLM_USER_FILE"] = previous

    def _step(self, conn: Connection, scheme: str, raw: bytes, first: bool) -> str:
        if first:
            conn.user = None
            conn.scheme = scheme
            conn.ntlm = spnego.server(protocol="negotiate" if scheme == "Negotiate" else "ntlm")
            try:
                out = conn.ntlm.step(raw)
            except Exception as exc:  # a token pyspnego cannot read
                conn.ntlm = None
                raise Unauthorized() from exc
            raise Unauthorized(out, scheme)
        # The last leg must come on the connection, and under the scheme, that got the
        # challenge: a token replayed on another connection finds no handshake there.
        if conn.ntlm is None or conn.scheme != scheme:
            raise Unauthorized()
        ctx, conn.ntlm = conn.ntlm, None
        try:
            out = ctx.step(raw)
        except Exception as exc:  # wrong password or unknown user
            raise Unauthorized() from exc
        if not ctx.complete:
            raise Unauthorized()
        principal = (ctx.client_principal or "").split("\\")[-1].lower()
        if principal not in self.passwords:
            raise Unauthorized()
        conn.user = principal
        if out:
            conn.final = f"{scheme} " + base64.b64encode(out).decode()
        return principal
