"""Helpers for the Microsoft contract suite: msgraph-sdk pointed at the stand-in, with a
token from the control plane (or from a real code flow in the identity tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

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
