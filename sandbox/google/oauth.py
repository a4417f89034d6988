"""OAuth 2 grants as Google runs them: codes, PKCE, refresh tokens, revocation, id_tokens.

Rules kept on purpose because clients trip on them with real Google: a code works once and
for 10 minutes (reusing it revokes what it issued); a refresh token is issued only with
access_type=offline and only on the first consent for that user and client unless
prompt=consent; revoking either token of a grant revokes the whole grant; a refresh token
unused for six months stops working, and a user keeps at most 100 live refresh tokens per
client, the 101st retiring the oldest
(https://developers.google.com/identity/protocols/oauth2#expiration).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from ..clock import Clock
from . import scopes as scope_rules
from .errors import OAuthError
from .signing import SigningKey, at_hash
from .state import AccessToken, AuthCode, RefreshToken, State
from .tokens import opaque

ACCESS_TTL = 3599
CODE_TTL = 600
ID_TOKEN_TTL = 3600
REFRESH_IDLE_TTL = 183 * 24 * 3600  # six months
REFRESH_PER_CLIENT = 100


def bad_grant(description: str = "Bad Request") -> OAuthError:
    return OAuthError("invalid_grant", description)


def pkce_ok(challenge: str, method: str, verifier: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    else:
        expected = verifier
    return hmac.compare_digest(expected, challenge)


class OAuthService:
    """Token bookkeeping; callers need not hold the lock (methods take it)."""

    def __init__(self, state: State, clock: Clock, signing_key: SigningKey, issuer: str):
        self.state = state
        self.clock = clock
        self.signing_key = signing_key
        self.issuer = issuer  # the id_token's "iss"

    def authenticate_client(self, client_id: str | None, secret: str | None):
        if not client_id:
            raise OAuthError("invalid_request", "Could not determine client ID from request.")
        client = self.state.clients.get(client_id)
        if client is None:
            raise OAuthError("invalid_client", "The OAuth client was not found.", 401)
        if secret is None or not hmac.compare_digest(secret, client.client_secret):
            raise OAuthError("invalid_client", "Unauthorized", 401)
        return client

    def create_code(
        self,
        client_id: str,
        email: str,
        scopes: list[str],
        redirect_uri: str,
        *,
        offline: bool,
        force_consent: bool,
        challenge: str | None = None,
        challenge_method: str = "plain",
        nonce: str | None = None,
    ) -> AuthCode:
        with self.state.lock:
            key = (email, client_id)
            issue_refresh = offline and (force_consent or key not in self.state.offline_granted)
            code = AuthCode(
                code=opaque("4/0A", 60),
                client_id=client_id,
                email=email,
                scopes=scopes,
                redirect_uri=redirect_uri,
                expires_at=self.clock.time() + CODE_TTL,
                challenge=challenge,
                challenge_method=challenge_method,
                nonce=nonce,
                issue_refresh=issue_refresh,
            )
            self.state.codes[code.code] = code
            self.state.grants.setdefault(key, set()).update(scopes)
            if offline:
                self.state.offline_granted.add(key)
            return code

    def issue(
        self,
        email: str,
        client_id: str,
        scopes: list[str],
        *,
        refresh: bool,
        nonce: str | None = None,
        parent: str | None = None,
    ) -> dict:
        """Mint tokens and answer the token endpoint's JSON."""
        with self.state.lock:
            refresh_token = None
            if refresh:
                refresh_token = opaque("1//0", 100)
                self.state.refresh_tokens[refresh_token] = RefreshToken(
                    refresh_token, client_id, email, list(scopes), last_used=self.clock.time()
                )
                self._retire_oldest(email, client_id)
            access = AccessToken(
                token=opaque("ya29.", 150),
                client_id=client_id,
                email=email,
                scopes=list(scopes),
                expires_at=self.clock.time() + ACCESS_TTL,
                refresh_token=refresh_token or parent,
            )
            self.state.access_tokens[access.token] = access
        out = {
            "access_token": access.token,
            "expires_in": ACCESS_TTL,
            "scope": " ".join(scopes),
            "token_type": "Bearer",
        }
        if refresh_token:
            out["refresh_token"] = refresh_token
        if scope_rules.OPENID in scopes:
            out["id_token"] = self.id_token(email, client_id, scopes, nonce, access.token)
        return out

    def _retire_oldest(self, email: str, client_id: str) -> None:
        """Past 100 live refresh tokens for this user and client, the oldest stop working
        (only those tokens: the grant and the newer tokens stay)."""
        live = [
            r
            for r in self.state.refresh_tokens.values()  # insertion order: oldest first
            if r.email == email and r.client_id == client_id and not r.revoked
        ]
        for old in live[: max(0, len(live) - REFRESH_PER_CLIENT)]:
            old.revoked = True

    def id_token(
        self, email: str, client_id: str, scopes: list[str], nonce: str | None, access: str
    ) -> str:
        user = self.state.users[email]
        now = int(self.clock.time())
        claims: dict = {
            "iss": self.issuer,
            "azp": client_id,
            "aud": client_id,
            "sub": user.sub,
            "at_hash": at_hash(access),
            "iat": now,
            "exp": now + ID_TOKEN_TTL,
        }
        if scope_rules.EMAIL in scopes:
            claims.update(email=user.email, email_verified=True)
        if scope_rules.PROFILE in scopes:
            first, _, last = user.name.partition(" ")
            claims.update(name=user.name, given_name=first, picture=user.picture)
            if last:
                claims["family_name"] = last
        if nonce:
            claims["nonce"] = nonce
        return self.signing_key.sign(claims)

    def exchange_code(
        self, client_id: str, code: str | None, redirect_uri: str | None, verifier: str | None
    ) -> dict:
        if not code:
            raise OAuthError("invalid_request", "Missing required parameter: code")
        with self.state.lock:
            record = self.state.codes.get(code)
            if record is None or record.client_id != client_id:
                raise bad_grant()
            if record.used:
                for token in record.issued:  # Google revokes what a replayed code produced
                    self.revoke(token)
                raise bad_grant()
            if record.expires_at <= self.clock.time():
                raise bad_grant()
            if redirect_uri != record.redirect_uri:
                raise OAuthError("redirect_uri_mismatch", "Bad Request")
            if record.challenge:
                if not verifier:
                    raise bad_grant("Missing code verifier.")
                if not pkce_ok(record.challenge, record.challenge_method, verifier):
                    raise bad_grant()
            record.used = True
            out = self.issue(
                record.email,
                client_id,
                record.scopes,
                refresh=record.issue_refresh,
                nonce=record.nonce,
            )
            record.issued = [out["access_token"]] + (
                [out["refresh_token"]] if "refresh_token" in out else []
            )
            return out

    def refresh(self, client_id: str, token: str | None, scope: str | None) -> dict:
        if not token:
            raise OAuthError("invalid_request", "Missing required parameter: refresh_token")
        with self.state.lock:
            record = self.state.refresh_tokens.get(token)
            now = self.clock.time()
            if record is not None and now - getattr(record, "last_used", now) > REFRESH_IDLE_TTL:
                record.revoked = True  # unused for six months
            if record is None or record.revoked:
                raise bad_grant("Token has been expired or revoked.")
            if record.client_id != client_id:
                raise OAuthError("unauthorized_client", "Unauthorized", 401)
            record.last_used = now
            scopes = record.scopes
            if scope:
                asked = scope_rules.parse(scope)
                if any(s not in record.scopes for s in asked):
                    raise OAuthError("invalid_scope", "Bad Request")
                scopes = asked
            return self.issue(record.email, client_id, scopes, refresh=False, parent=token)

    def revoke(self, token: str | None) -> bool:
        """Revoke a refresh or access token and the whole grant behind it."""
        if not token:
            return False
        with self.state.lock:
            refresh = self.state.refresh_tokens.get(token)
            access = self.state.access_tokens.get(token)
            if refresh is None and access is not None and access.refresh_token:
                refresh = self.state.refresh_tokens.get(access.refresh_token)
            if refresh is None and (access is None or access.revoked):
                return False
            if refresh is not None:
                if refresh.revoked and access is None:
                    return False
                refresh.revoked = True
                for acc in self.state.access_tokens.values():
                    if acc.refresh_token == refresh.token:
                        acc.revoked = True
                self.state.grants.pop((refresh.email, refresh.client_id), None)
                self.state.offline_granted.discard((refresh.email, refresh.client_id))
            if access is not None:
                access.revoked = True
            return True

    def expire_access_tokens(self, email: str | None = None) -> int:
        """Knob: every (or one user's) live access token expires now."""
        now = self.clock.time()
        count = 0
        with self.state.lock:
            for acc in self.state.access_tokens.values():
                if (email is None or acc.email == email) and acc.expires_at > now:
                    acc.expires_at = now
                    count += 1
        return count
