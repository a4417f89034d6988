"""The identity platform (v2.0 endpoints): ``/{tenant}/oauth2/v2.0/authorize`` with a plain
HTML sign-in and consent form, ``/{tenant}/oauth2/v2.0/token`` (authorization_code with
PKCE, refresh_token), OpenID discovery and keys. Errors carry AADSTS codes as Entra writes
them."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.wrappers import Request, Response

from ..control import json_response
from .errors import AadError

GRAPH = "https://graph.microsoft.com/"
OIDC = ("openid", "profile", "email", "offline_access")
# Delegated permissions a user may not consent to alone (admin consent needed).
ADMIN_ONLY = {
    "directory.read.all",
    "directory.readwrite.all",
    "user.read.all",
    "user.readwrite.all",
    "group.read.all",
    "mail.read.shared",
    "calendars.read.shared",
}
ACCESS_SECONDS = 3600
CODE_SECONDS = 600
REFRESH_SECONDS = 90 * 86400  # inactive lifetime of a refresh token
TENANT_RE = re.compile(
    r"^/(common|organizations|consumers|[0-9a-f-]{36}|[a-z0-9.-]+\.[a-z]+)"
    r"(/oauth2/v2\.0/(authorize|token|logout)|/v2\.0/\.well-known/openid-configuration"
    r"|/discovery/v2\.0/keys)$",
    re.IGNORECASE,
)


def normalize_scopes(scopes: list[str] | str) -> list[str]:
    """Graph permissions in their short form ("Calendars.ReadWrite"), OIDC scopes as is."""
    items = scopes.split() if isinstance(scopes, str) else list(scopes)
    out: list[str] = []
    for s in items:
        if s.lower().startswith(GRAPH):
            s = s[len(GRAPH) :]
        if s == ".default":
            s = "User.Read"
        if s and s not in out:
            out.append(s)
    return out


class Identity:
    def __init__(self, sb):
        self.sb = sb

    @property
    def state(self):
        return self.sb.state

    # ----- tokens ----------------------------------------------------------------------
    def issue(
        self,
        email: str,
        scopes,
        client_id: str | None,
        nonce: str | None = None,
        granted_at: float | None = None,
    ) -> dict:
        st, now = self.state, self.sb.clock.time()
        user = st.users[email]
        scopes = normalize_scopes(scopes)
        graph = [s for s in scopes if s.lower() not in OIDC] or ["User.Read"]
        client_id = client_id or next(iter(st.apps), "sandbox-client")
        access = "eyJ0eXAiOiJKV1QiLCJub25jZSI6" + secrets.token_urlsafe(32)
        with st.lock:
            st.access_tokens[access] = {
                "email": email,
                "client_id": client_id,
                "scopes": [s.lower() for s in graph],
                "exp": now + ACCESS_SECONDS,
                "iat": now,
            }
            answer = {
                "token_type": "Bearer",
                "scope": " ".join(
                    graph + [s for s in scopes if s.lower() in OIDC and s != "offline_access"]
                ),
                "expires_in": ACCESS_SECONDS,
                "ext_expires_in": ACCESS_SECONDS,
                "access_token": access,
            }
            if "offline_access" in scopes:
                refresh = "1.A" + secrets.token_urlsafe(48)
                st.refresh_tokens[refresh] = {
                    "email": email,
                    "client_id": client_id,
                    "scopes": scopes,
                    "exp": now + REFRESH_SECONDS,
                    "iat": now if granted_at is None else granted_at,
                }
                answer["refresh_token"] = refresh
            if "openid" in scopes:
                answer["id_token"] = self.id_token(user, client_id, nonce, now)
        return answer

    def key(self) -> RSAKey:
        st = self.state
        with st.lock:
            if st.signing_key is None:
                key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8)})
                st.signing_key = key.as_dict(private=True)
            return RSAKey.import_key(st.signing_key)

    def jwks(self) -> dict:
        key = self.key()
        public = key.as_dict(private=False)
        public.update({"use": "sig", "kid": key.kid})
        return {"keys": [public]}

    def issuer(self) -> str:
        return f"{self.sb.base_url}/{self.state.tenant_id}/v2.0"

    def id_token(self, user, client_id: str, nonce: str | None, now: float) -> str:
        claims = {
            "ver": "2.0",
            "iss": self.issuer(),
            "aud": client_id,
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now) + ACCESS_SECONDS,
            "tid": self.state.tenant_id,
            "oid": user.oid,
            "sub": hashlib.sha256(f"{user.oid}:{client_id}".encode()).hexdigest()[:43],
            "preferred_username": user.email,
            "email": user.email,
            "name": user.name,
        }
        if nonce:
            claims["nonce"] = nonce
        key = self.key()
        return jwt.encode({"alg": "RS256", "typ": "JWT", "kid": key.kid}, claims, key)

    def revoke_sessions(self, email: str) -> None:
        """revokeSignInSessions or a password change: older refresh tokens fail."""
        with self.state.lock:
            user = self.state.users[email]
            user.valid_after = self.sb.clock.time()
            for token, info in list(self.state.access_tokens.items()):
                if info["email"] == email:
                    del self.state.access_tokens[token]

    def access(self, token: str) -> dict | None:
        info = self.state.access_tokens.get(token)
        if info is None or info["exp"] <= self.sb.clock.time():
            return None
        return info

    def expire_access_tokens(self, email: str | None = None) -> None:
        with self.state.lock:
            for info in self.state.access_tokens.values():
                if email is None or info["email"] == email.lower():
                    info["exp"] = 0

    # ----- authorize -------------------------------------------------------------------
    def check_authorize(self, args) -> tuple:
        app = self.state.apps.get(args.get("client_id", ""))
        if app is None:
            raise AadError(
                "unauthorized_client",
                700016,
                f"Application with identifier '{args.get('client_id', '')}' was not found in "
                f"the directory '{self.state.tenant_id}'.",
            )
        redirect = args.get("redirect_uri") or (app.redirect_uris or [""])[0]
        if redirect not in app.redirect_uris:
            raise AadError(
                "invalid_request",
                50011,
                f"The redirect URI '{redirect}' specified in the request does not match the "
                f"redirect URIs configured for the application '{app.client_id}'.",
            )
        return app, redirect

    def authorize(self, request: Request, tenant: str) -> Response:
        args = request.values
        try:
            app, redirect = self.check_authorize(args)
        except AadError as err:
            return _page(
                "Sign in", f"<p id='error'>{html.escape(err.body()['error_description'])}</p>", 400
            )
        state = args.get("state")

        def back(**params) -> Response:
            if state is not None:
                params["state"] = state
            return Response("", 302, {"Location": f"{redirect}?{urlencode(params)}"})

        if args.get("response_type") != "code":
            return back(
                error="unsupported_response_type",
                error_description="AADSTS700054: response_type 'id_token' is not enabled for "
                "the application.",
            )
        method = args.get("code_challenge_method", "plain" if args.get("code_challenge") else "")
        if method and method not in ("S256", "plain"):
            return back(
                error="invalid_request",
                error_description="AADSTS501491: Invalid code_challenge_method.",
            )
        scopes = normalize_scopes(args.get("scope", ""))
        if "openid" not in [s.lower() for s in scopes] and not scopes:
            return back(
                error="invalid_request",
                error_description="AADSTS900144: The request "
                "body must contain the following parameter: 'scope'.",
            )
        if request.method == "GET" or "action" not in request.form:
            return self.form(request, app, scopes)
        form = request.form
        if form["action"] != "allow":
            return back(
                error="access_denied",
                error_subcode="cancel",
                error_description="AADSTS65004: User declined to consent to access the app.",
            )
        email = form.get("email", "").lower()
        user = self.state.users.get(email)
        if user is None or user.password != form.get("password"):
            return self.form(
                request,
                app,
                scopes,
                "AADSTS50126: Error validating credentials due to invalid username or password.",
            )
        needs_admin = [
            s
            for s in scopes
            if s.lower() in ADMIN_ONLY
            or (not self.state.user_consent_allowed and s.lower() not in OIDC)
        ]
        if needs_admin and not app.admin_consented:
            return back(
                error="access_denied",
                error_description="AADSTS90094: The grant requires admin permission.",
            )
        code = "1.A" + secrets.token_urlsafe(40)
        with self.state.lock:
            self.state.codes[code] = {
                "email": email,
                "client_id": app.client_id,
                "redirect_uri": redirect,
                "scopes": scopes,
                "challenge": args.get("code_challenge"),
                "method": method,
                "nonce": args.get("nonce"),
                "exp": self.sb.clock.time() + CODE_SECONDS,
            }
        return back(code=code, session_state=secrets.token_hex(16))

    def form(self, request: Request, app, scopes, error: str = "") -> Response:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in request.values.items(multi=True)
            if k not in ("email", "password", "action")
        )
        items = "".join(f"<li>{html.escape(s)}</li>" for s in scopes)
        err = f"<p id='error'>{html.escape(error)}</p>" if error else ""
        body = (
            f"<h1>Sign in to {html.escape(app.name)}</h1>{err}"
            f'<form id="consent" method="post" action="{html.escape(request.path)}">{hidden}'
            '<label>Email <input id="email" name="email" type="email"></label>'
            '<label>Password <input id="password" name="password" type="password"></label>'
            f"<p>{html.escape(app.name)} wants to:</p><ul>{items}</ul>"
            '<button id="allow" name="action" value="allow">Accept</button>'
            '<button id="deny" name="action" value="deny">Cancel</button></form>'
        )
        return _page("Sign in to your account", body, 200 if not error else 400)

    # ----- token -----------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        try:
            return json_response(self._token(request))
        except AadError as err:
            return err.response()

    def client(self, request: Request):
        form = request.form
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if request.authorization and request.authorization.type == "basic":
            client_id = request.authorization.username
            secret = request.authorization.password
        app = self.state.apps.get(client_id or "")
        if app is None:
            raise AadError(
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self.state.tenant_id}'.",
            )
        if app.secret is not None and not secret:
            raise AadError(
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' "
                "or 'client_secret'.",
                401,
            )
        if app.secret is not None and secret != app.secret:
            raise AadError(
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request "
                "is the client secret value, not the client secret ID.",
                401,
            )
        return app

    def _token(self, request: Request) -> dict:
        form = request.form
        self.sb.count_call("-", "identity.token")
        app = self.client(request)
        grant = form.get("grant_type")
        now = self.sb.clock.time()
        if grant == "authorization_code":
            with self.state.lock:  # a redeemed code is kept (marked) until it expires
                code = self.state.codes.get(form.get("code", ""))
                used = code is not None and code.get("used", False)
                if code is not None:
                    code["used"] = True
            if used:
                raise AadError(
                    "invalid_grant",
                    54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new "
                    "valid code or use an existing refresh token.",
                )
            if code is None or code["client_id"] != app.client_id:
                raise AadError(
                    "invalid_grant",
                    70000,
                    "The provided authorization code or "
                    "refresh token has expired due to it being revoked or it is "
                    "malformed.",
                )
            if code["exp"] <= now:
                raise AadError(
                    "invalid_grant",
                    70008,
                    "The provided authorization code or "
                    "refresh token has expired due to inactivity.",
                )
            if form.get("redirect_uri") != code["redirect_uri"]:
                raise AadError(
                    "invalid_grant",
                    500112,
                    f"The reply address '{form.get('redirect_uri')}' does not match the "
                    f"reply address '{code['redirect_uri']}' provided when requesting "
                    "Authorization code.",
                )
            if code["challenge"] and not _pkce_ok(
                code["challenge"], code["method"], form.get("code_verifier")
            ):
                raise AadError(
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the "
                    "code_challenge supplied in the authorization request.",
                )
            return self.issue(code["email"], code["scopes"], app.client_id, code["nonce"])
        if grant == "refresh_token":
            info = self.state.refresh_tokens.get(form.get("refresh_token", ""))
            if info is None or info["client_id"] != app.client_id:
                raise AadError(
                    "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
                )
            if info["exp"] <= now:
                raise AadError(
                    "invalid_grant", 700082, "The refresh token has expired due to inactivity."
                )
            user = self.state.users.get(info["email"])
            if user is None or info["iat"] < user.valid_after:
                raise AadError(
                    "invalid_grant",
                    50173,
                    "The provided grant has expired due to "
                    "it being revoked, a fresh auth token is needed. The user might "
                    "have changed or reset their password.",
                )
            asked = normalize_scopes(form.get("scope", "")) or info["scopes"]
            granted = {s.lower() for s in info["scopes"]}
            extra = [s for s in asked if s.lower() not in granted]
            if extra:
                raise AadError(
                    "invalid_grant",
                    65001,
                    "The user or administrator has not "
                    f"consented to use the application with ID '{app.client_id}'.",
                )
            # A new refresh token each time; the old one keeps working until it expires.
            info["exp"] = now + REFRESH_SECONDS
            return self.issue(
                info["email"],
                list(dict.fromkeys([*asked, "offline_access"])),
                app.client_id,
                granted_at=info["iat"],
            )
        raise AadError(
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant}'.",
        )


def _pkce_ok(challenge: str, method: str, verifier: str | None) -> bool:
    if not verifier:
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
    return verifier == challenge


def _page(title: str, body: str, status: int = 200) -> Response:
    text = f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"
    return Response(text, status, content_type="text/html; charset=utf-8")


def handle_identity(sb, request: Request) -> Response | None:
    m = TENANT_RE.match(request.path)
    if m is None:
        return None
    tenant, _, what = m.group(1), m.group(2), (m.group(3) or "")
    foreign = tenant.lower() not in ("common", "organizations") and tenant != sb.tenant_id
    if foreign:  # another tenant's GUID, a domain, consumers (no personal accounts here)
        return AadError("invalid_tenant", 90002, f"Tenant '{tenant}' not found.").response()
    idn: Identity = sb.identity
    if what.lower() == "authorize":
        return idn.authorize(request, tenant)
    if what.lower() == "token":
        if request.method != "POST":
            return AadError(
                "invalid_request", 900561, "The endpoint only accepts POST requests."
            ).response()
        return idn.token(request)
    if m.group(2).lower().endswith("keys"):
        return json_response(idn.jwks())
    if m.group(2).lower().endswith("openid-configuration"):
        base = f"{sb.base_url}/{tenant}"
        return json_response(
            {
                "issuer": idn.issuer(),
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "code_challenge_methods_supported": ["plain", "S256"],
                "userinfo_endpoint": f"{sb.base_url}/oidc/userinfo",
            }
        )
    return Response("", 302, {"Location": request.args.get("post_logout_redirect_uri", "/")})
