"""Helpers for the Microsoft contract suite: msgraph-sdk pointed at the stand-in, with a
token from the control plane (or from a real code flow in the identity tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import requests
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient

ANN, BOB = "ann@acme.com", "bob@acme.com"
CLIENT, SECRET = "crm-client", "crm-secret"
REDIRECT = "http://localhost:5000/oauth/microsoft/callback"
ALL = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "User.Read",
    "Calendars.ReadWrite",
    "Mail.ReadWrite",
    "Mail.Send",
]


class StaticToken(AccessTokenProvider):
    """An access token we already hold (the SDK's azure-identity provider needs Azure)."""

    def __init__(self, token: str):
        self.token = token

    async def get_authorization_token(self, uri: str, additional_authentication_context=None):
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator(["127.0.0.1"])


def graph_client(sb, token: str) -> GraphServiceClient:
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(token)))
    adapter.base_url = sb.graph_url
    return GraphServiceClient(request_adapter=adapter)


def token_for(sb, email: str = ANN, scopes: list[str] | None = None) -> str:
    return sb.issue_token(email, scopes or ALL, CLIENT)["access_token"]


def run(
    sb,
    fn: Callable[[GraphServiceClient], Awaitable[Any]],
    email: str = ANN,
    token: str | None = None,
) -> Any:
    """Run ``fn(client)`` on a fresh event loop with a fresh client (httpx's async client
    belongs to one loop)."""

    async def main():
        return await fn(graph_client(sb, token or token_for(sb, email)))

    return asyncio.run(main())


class FormParser(HTMLParser):
    """The sign-in page's form: its action, hidden inputs and element ids."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "form":
            self.action = a.get("action")
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields.append((a["name"], a.get("value") or ""))


def sign_in(url: str, email: str = ANN, password: str = "password", action: str = "allow"):
    """Drive the sign-in and consent page like a browser: GET the form, POST it back."""
    page = requests.get(url, timeout=5)
    assert page.status_code == 200, page.text
    form = FormParser()
    form.feed(page.text)
    assert {"email", "password", "allow", "deny"} <= form.ids
    data = [*form.fields, ("email", email), ("password", password), ("action", action)]
    return requests.post(urljoin(url, form.action), data=data, allow_redirects=False, timeout=5)
