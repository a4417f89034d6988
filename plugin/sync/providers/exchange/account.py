"""What a linked Exchange account stores, read in one place.

The link flow keeps the settings in LinkedAccount.credentials (encrypted at rest, like
Google's tokens): {"server", "username", "password", "auth_type"}. Everything that needs them
(the adapter, the link form's re-link prefill) calls :func:`exchange_settings`.
"""

from __future__ import annotations

AUTH_TYPES = ("ntlm", "basic")
DEFAULT_AUTH_TYPE = "ntlm"
EWS_PATH = "/EWS/Exchange.asmx"


def exchange_settings(account) -> dict:
    """dict(server, username, password, auth_type) of a linked Exchange account.

    The user name defaults to the account's email and the auth type to NTLM; a missing
    server or password stays None (the adapter then asks for a re-link)."""
    stored = account.credentials or {}
    auth = (stored.get("auth_type") or DEFAULT_AUTH_TYPE).lower()
    return {
        "server": stored.get("server") or None,
        "username": stored.get("username") or account.external_email,
        "password": stored.get("password") or None,
        "auth_type": auth if auth in AUTH_TYPES else DEFAULT_AUTH_TYPE,
    }


def ews_url(server: str) -> str:
    """A host name (mail.example.com) or a full EWS URL -> the EWS endpoint URL."""
    server = server.strip()
    if "://" in server:
        return server
    return f"https://{server.rstrip('/')}{EWS_PATH}"
