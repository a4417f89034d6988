"""Which provider hosts a company's mail, from its domain's MX records (dnspython).

Workspace and Microsoft 365 company domains are not in any built-in list, but their MX
records name the provider's mail hosts. The lookup is short (CRM_SYNC_MX_TIMEOUT) and its
answer, or its failure, is cached, so the link page never waits on DNS twice for a domain.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import current_app

log = logging.getLogger(__name__)

# Host suffixes of each provider's inbound mail servers (lower case, no trailing dot).
MX_SUFFIXES = {
    "google": ("aspmx.l.google.com", "googlemail.com", "smtp.google.com"),
    "microsoft": ("mail.protection.outlook.com", "olc.protection.outlook.com", "mx.microsoft"),
}
CACHE_SECONDS = 3600
_cache: dict[str, tuple[float, str | None]] = {}
_lock = threading.Lock()


def provider_for_hosts(hosts: list[str]) -> str | None:
    """The provider whose mail hosts the MX records name; None for anyone else's."""
    for host in hosts:
        name = host.lower().rstrip(".")
        for provider, suffixes in MX_SUFFIXES.items():
            if any(name == s or name.endswith("." + s) for s in suffixes):
                return provider
    return None


def _dns_hosts(domain: str) -> list[str]:
    import dns.exception
    import dns.resolver

    resolver = dns.resolver.Resolver()
    resolver.lifetime = float(current_app.config.get("CRM_SYNC_MX_TIMEOUT") or 1.5)
    try:
        answer = resolver.resolve(domain, "MX")
    except (dns.exception.DNSException, OSError) as exc:
        log.info("MX lookup for %s failed: %s", domain, type(exc).__name__)
        return []
    return [str(record.exchange) for record in answer]


def mx_provider(domain: str, now: Callable[[], float] = time.monotonic) -> str | None:
    """'google' / 'microsoft' when the domain's mail is hosted there, else None."""
    cfg = current_app.config
    if not domain or not cfg.get("CRM_SYNC_MX_LOOKUP"):
        return None
    with _lock:
        hit = _cache.get(domain)
    if hit is not None and now() - hit[0] < CACHE_SECONDS:
        return hit[1]
    resolver = cfg.get("CRM_SYNC_MX_RESOLVER") or _dns_hosts
    try:
        provider = provider_for_hosts(resolver(domain))
    except Exception:  # noqa: BLE001 - a broken resolver must not break the link page
        log.exception("MX resolver failed for %s", domain)
        provider = None
    with _lock:
        _cache[domain] = (now(), provider)
    return provider


def clear_cache() -> None:
    with _lock:
        _cache.clear()
