"""OAuth and OpenID endpoints at Google's paths: authorize (a real HTML consent form),
token, revoke, userinfo, discovery and JWKS.

Errors before the redirect_uri is known to be good are shown as an error page, never
redirected, exactly as Google protects against open redirects.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import unquote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import scopes as scope_rules
from .api_gate import bearer
from .context import Google
from .errors import OAuthError, json_response

_templates = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=select_autoescape(["html"]),
)
AUTH_PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "access_type",
    "prompt",
    "login_hint",
    "include_granted_scopes",
    "nonce",
)
ALWAYS_GRANTED = {scope_rules.OPENID, scope_rules.EMAIL, scope_rules.PROFILE}


class AuthPageError(Exception):
    def __init__(self, status: int, error: str, detail: str):
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail

    def response(self) -> Response:
        html = _templates.get_template("error.html").render(
            status=self.status, error=self.error, detail=self.detail
        )
        return Response(html, status=self.status, content_type="text/html; charset=utf-8")


def _validate(sb: Google, params: dict) -> tuple:
    client_id = params.get("client_id")
    if not client_id:
        raise AuthPageError(400, "invalid_request", "Missing required parameter: client_id")
    client = sb.state.clients.get(client_id)
    if client is None:
        raise AuthPageError(401, "invalid_client", "The OAuth client was not found.")
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        raise AuthPageError(400, "invalid_request", "Missing required parameter: redirect_uri")
    if redirect_uri not in client.redirect_uris:
        raise AuthPageError(
            400,
            "redirect_uri_mismatch",
            f"You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 "
            f"policy. redirect_uri={redirect_uri}",
        )
    response_type = params.get("response_type")
    if not response_type:
        raise AuthPageError(400, "invalid_request", "Required parameter is missing: response_type")
    if response_type != "code":
        raise AuthPageError(
            400, "unsupported_response_type", f"Invalid response_type: {response_type}"
        )
    requested = scope_rules.parse(params.get("scope"))
    if not requested:
        raise AuthPageError(400, "invalid_request", "Missing required parameter: scope")
    bad = scope_rules.unknown(requested)
    if bad:
        raise AuthPageError(
            400, "invalid_scope", f"Some requested scopes were invalid. {{invalid={bad}}}"
        )
    method = params.get("code_challenge_method") or "plain"
    if params.get("code_challenge") and method not in ("S256", "plain"):
        raise AuthPageError(400, "invalid_request", "Invalid code_challenge_method value.")
    if (params.get("access_type") or "online") not in ("online", "offline"):
        raise AuthPageError(400, "invalid_request", "Invalid access_type value.")
    return client, redirect_uri, requested


def _back(redirect_uri: str, values: dict) -> Response:
    sep = "&" if "?" in redirect_uri else "?"
    clean = {k: v for k, v in values.items() if v is not None}
    return redirect(redirect_uri + sep + urlencode(clean), code=302)


def _form(
    sb: Google, params: dict, client, requested, email: str = "", error: str | None = None
) -> Response:
    html = _templates.get_template("consent.html").render(
        app_name=client.name,
        action="/o/oauth2/v2/auth",
        hidden=[(k, params[k]) for k in AUTH_PARAMS if params.get(k)],
        email=email or params.get("login_hint", ""),
        scopes=[
            {
                "scope": s,
                "description": scope_rules.DESCRIPTIONS.get(s, s),
                "required": s in ALWAYS_GRANTED,
            }
            for s in requested
        ],
        error=error,
    )
    return Response(html, content_type="text/html; charset=utf-8")


def authorize(sb: Google, request: Request) -> Response:
    params = {k: request.values.get(k) for k in AUTH_PARAMS}
    try:
        with sb.state.lock:
            client, redirect_uri, requested = _validate(sb, params)
    except AuthPageError as err:
        return err.response()
    state = params.get("state")
    prompts = (params.get("prompt") or "").split()
    if request.method == "GET":
        if "none" in prompts:
            return _back(redirect_uri, {"error": "login_required", "state": state})
        return _form(sb, params, client, requested)
    if request.form.get("action") != "allow":
        return _back(redirect_uri, {"error": "access_denied", "state": state})
    email = (request.form.get("email") or "").strip().lower()
    with sb.state.lock:
        user = sb.state.users.get(email)
        if user is None:
            return _form(sb, params, client, requested, email, "Couldn't find your Google Account")
        if request.form.get("password") != user.password:
            return _form(
                sb,
                params,
                client,
                requested,
                email,
                "Wrong password. Try again or click Forgot password to reset it.",
            )
        granted = list(requested)
        if request.form.get("scope_selection"):
            picked = set(request.form.getlist("granted_scope")) | ALWAYS_GRANTED
            granted = [s for s in requested if s in picked]
        if (params.get("include_granted_scopes") or "").lower() == "true":
            earlier = sb.state.grants.get((email, client.client_id), set())
            granted += sorted(s for s in earlier if s not in granted)
        code = sb.oauth.create_code(
            client.client_id,
            email,
            granted,
            redirect_uri,
            offline=params.get("access_type") == "offline",
            force_consent="consent" in prompts,
            challenge=params.get("code_challenge"),
            challenge_method=params.get("code_challenge_method") or "plain",
            nonce=params.get("nonce"),
        )
    return _back(
        redirect_uri,
        {
            "state": state,
            "code": code.code,
            "scope": " ".join(granted),
            "authuser": "0",
            "prompt": "consent",
        },
    )


def _client_credentials(request: Request, form: dict) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            raw = base64.b64decode(header[6:].strip()).decode()
        except ValueError as exc:
            raise OAuthError("invalid_client", "Unauthorized", 401) from exc
        cid, _, secret = raw.partition(":")
        cid, secret = unquote(cid), unquote(secret)
        if form.get("client_id") and form["client_id"] != cid:
            raise OAuthError("invalid_client", "Unauthorized", 401)
        return cid, secret
    return form.get("client_id"), form.get("client_secret")


def _token_form(request: Request) -> dict:
    if request.mimetype == "application/json":
        try:
            data = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError as exc:
            raise OAuthError("invalid_request", "Invalid JSON payload received.") from exc
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return request.form.to_dict()


def token(sb: Google, request: Request) -> Response:
    try:
        if sb.faults.latency:
            import time

            time.sleep(sb.faults.latency)
        sb.faults.check_token()
        form = _token_form(request)
        cid, secret = _client_credentials(request, form)
        client = sb.oauth.authenticate_client(cid, secret)
        grant_type = form.get("grant_type") or ""
        if grant_type == "authorization_code":
            out = sb.oauth.exchange_code(
                client.client_id,
                form.get("code"),
                form.get("redirect_uri"),
                form.get("code_verifier"),
            )
        elif grant_type == "refresh_token":
            out = sb.oauth.refresh(client.client_id, form.get("refresh_token"), form.get("scope"))
        else:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    except OAuthError as err:
        return err.response()
    return json_response(
        out,
        headers={
            "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
            "Pragma": "no-cache",
        },
    )


def revoke(sb: Google, request: Request) -> Response:
    raw = request.form.get("token") or request.args.get("token")
    if not sb.oauth.revoke(raw):
        return OAuthError("invalid_token", "Token expired or revoked").response()
    return json_response({})


def userinfo(sb: Google, request: Request) -> Response:
    raw = bearer(request)
    challenge = {
        "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
    }
    with sb.state.lock:
        acc = sb.state.access_tokens.get(raw or "")
        valid = acc is not None and not acc.revoked and acc.expires_at > sb.clock.time()
        if not valid or not (ALWAYS_GRANTED & set(acc.scopes)):
            body = {"error": "invalid_request", "error_description": "Invalid Credentials"}
            return json_response(body, 401, challenge)
        sb.state.count_call(acc.email, "oauth.userinfo")
        user = sb.state.users[acc.email]
        out: dict = {"sub": user.sub}
        if scope_rules.PROFILE in acc.scopes:
            first, _, last = user.name.partition(" ")
            out.update(name=user.name, given_name=first, picture=user.picture)
            if last:
                out["family_name"] = last
        if scope_rules.EMAIL in acc.scopes:
            out.update(email=user.email, email_verified=True)
    return json_response(out)


def openid_configuration(sb: Google, request: Request) -> Response:
    base = request.url_root.rstrip("/")
    return json_response(
        {
            "issuer": sb.issuer,
            "authorization_endpoint": f"{base}/o/oauth2/v2/auth",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/v1/userinfo",
            "revocation_endpoint": f"{base}/revoke",
            "jwks_uri": f"{base}/oauth2/v3/certs",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": [
                "aud",
                "email",
                "email_verified",
                "exp",
                "family_name",
                "given_name",
                "iat",
                "iss",
                "name",
                "picture",
                "sub",
            ],
            "code_challenge_methods_supported": ["plain", "S256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
        }
    )


def certs(sb: Google, request: Request) -> Response:
    return json_response({"keys": [sb.signing_key.jwk()]})


RULES = [
    Rule("/o/oauth2/v2/auth", endpoint=authorize, methods=["GET", "POST"]),
    Rule("/o/oauth2/auth", endpoint=authorize, methods=["GET", "POST"]),
    Rule("/token", endpoint=token, methods=["POST"]),
    Rule("/revoke", endpoint=revoke, methods=["POST"]),
    Rule("/v1/userinfo", endpoint=userinfo, methods=["GET", "POST"]),
    Rule("/oauth2/v3/userinfo", endpoint=userinfo, methods=["GET", "POST"]),
    Rule("/.well-known/openid-configuration", endpoint=openid_configuration, methods=["GET"]),
    Rule("/oauth2/v3/certs", endpoint=certs, methods=["GET"]),
]
