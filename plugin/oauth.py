"""The Authlib Flask client registry for the link flow (the only place a view talks to a
provider: the OAuth code exchange). Background sync uses its own OAuth2Session in plugin/sync.

The registry is made per app and kept on app.extensions["crm_sync"].oauth. It is not
`init_app`-ed, so a host that uses Authlib for its own log-in keeps its registry.
"""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from .sync.grants import GOOGLE_CALENDAR_SCOPE, GOOGLE_GMAIL_SCOPE
from .sync.providers.microsoft import identity as microsoft_identity

GOOGLE_IDENTITY_SCOPES = ("openid", "email", "profile")
GOOGLE_SCOPES = (*GOOGLE_IDENTITY_SCOPES, GOOGLE_CALENDAR_SCOPE, GOOGLE_GMAIL_SCOPE)


def make_registry(app: Flask) -> OAuth:
    """Register the provider clients whose credentials are configured."""
    oauth = OAuth()
    oauth.app = app  # what init_app would set, without taking over the host's extension slot
    cfg = app.config
    if cfg.get("CRM_SYNC_GOOGLE_CLIENT_ID"):
        oauth.register(
            "crm_google",
            client_id=cfg["CRM_SYNC_GOOGLE_CLIENT_ID"],
            client_secret=cfg.get("CRM_SYNC_GOOGLE_CLIENT_SECRET"),
            authorize_url=cfg["CRM_SYNC_GOOGLE_AUTHORIZE_URL"],
            access_token_url=cfg["CRM_SYNC_GOOGLE_TOKEN_URL"],
            userinfo_endpoint=cfg["CRM_SYNC_GOOGLE_USERINFO_URL"],
            jwks_uri=cfg["CRM_SYNC_GOOGLE_JWKS_URL"],
            # Google needs offline + consent to hand out a refresh token every time.
            authorize_params={"access_type": "offline", "prompt": "consent"},
            client_kwargs={
                "scope": " ".join(GOOGLE_SCOPES),
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_post",
                "default_timeout": cfg.get("CRM_SYNC_HTTP_TIMEOUT", 30),
            },
        )
    if cfg.get("CRM_SYNC_MICROSOFT_CLIENT_ID"):
        urls = microsoft_identity.endpoints(cfg)
        oauth.register(
            "crm_microsoft",
            client_id=cfg["CRM_SYNC_MICROSOFT_CLIENT_ID"],
            client_secret=cfg.get("CRM_SYNC_MICROSOFT_CLIENT_SECRET"),
            authorize_url=urls.authorize,
            access_token_url=urls.token,
            jwks_uri=urls.jwks,
            id_token_signing_alg_values_supported=["RS256"],
            # No prompt=consent: the identity platform hands out a refresh token whenever
            # offline_access is granted, and asks again only for what is new.
            client_kwargs={
                "scope": microsoft_identity.scopes(mail=True),
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_post",
                "default_timeout": cfg.get("CRM_SYNC_HTTP_TIMEOUT", 30),
            },
        )
    return oauth


def registry() -> OAuth:
    """This app's registry, made on first use (config is final by then)."""
    state = current_app.extensions["crm_sync"]
    oauth = getattr(state, "oauth", None)
    if oauth is None:
        oauth = state.oauth = make_registry(current_app._get_current_object())
    return oauth


def client(name: str):
    """The registered client `name` ("crm_google", "crm_microsoft"), or None when it is not
    configured."""
    return registry().create_client(name)
