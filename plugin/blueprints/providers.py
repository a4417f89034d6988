"""Which providers the link flow offers, and which one a user's email domain points to.

A provider is offered only when it works here: its OAuth client (or server settings) is
configured and the view that starts its log-in is mounted.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..models import normalize_domain
from .mx_lookup import mx_provider


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    description: str
    start_endpoint: str
    config_key: str


PROVIDERS = (
    Provider(
        "google",
        "Google",
        "Gmail and Google Calendar, including Google Workspace",
        "crm_sync_link.start_google",
        "CRM_SYNC_GOOGLE_CLIENT_ID",
    ),
    Provider(
        "microsoft",
        "Microsoft 365",
        "Outlook.com and Microsoft 365 mail and calendar",
        "crm_sync_link.start_microsoft",
        "CRM_SYNC_MICROSOFT_CLIENT_ID",
    ),
    Provider(
        "exchange",
        "Microsoft Exchange (on-premises)",
        "Your company's own Exchange Server, with its server name and your password",
        "crm_sync_link.start_exchange",
        "CRM_SYNC_EXCHANGE_ENABLED",
    ),
)

# Free-mail domains whose provider is known; Workspace / 365 company domains come from
# CRM_SYNC_PROVIDER_DOMAINS.
BUILTIN_DOMAINS = {
    "gmail.com": "google",
    "googlemail.com": "google",
    "outlook.com": "microsoft",
    "hotmail.com": "microsoft",
    "live.com": "microsoft",
    "msn.com": "microsoft",
}


def available() -> list[Provider]:
    """Providers that work in this app, in display order."""
    cfg = current_app.config
    return [
        p
        for p in PROVIDERS
        if cfg.get(p.config_key) and p.start_endpoint in current_app.view_functions
    ]


def get(key: str) -> Provider | None:
    return next((p for p in available() if p.key == key), None)


def configured_domains() -> dict[str, str]:
    """CRM_SYNC_PROVIDER_DOMAINS: {"acme.com": "google"} or "a.com=google,..."."""
    configured = current_app.config.get("CRM_SYNC_PROVIDER_DOMAINS") or {}
    if isinstance(configured, str):
        pairs = (item.split("=", 1) for item in configured.split(",") if "=" in item)
        configured = {d: p for d, p in pairs}
    return {normalize_domain(d): p.strip().lower() for d, p in configured.items()}


def detect(emails: list[str]) -> tuple[Provider, str] | None:
    """The first of the user's addresses whose domain names an available provider, looked up
    as the link flow describes: CRM_SYNC_PROVIDER_DOMAINS, then the domain's MX records,
    then the known free-mail domains."""
    configured = configured_domains()
    for email in emails:
        domain = normalize_domain(email.rpartition("@")[2])
        key = (
            configured.get(domain)
            or (None if domain in BUILTIN_DOMAINS else mx_provider(domain))
            or BUILTIN_DOMAINS.get(domain, "")
        )
        provider = get(key or "")
        if provider is not None:
            return provider, email
    return None
