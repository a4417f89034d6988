"""The Microsoft 365 adapter: Microsoft Graph v1.0 behind the Provider interface.

What differs from Google and Exchange and where it is handled (DESIGN.md section 8): the
identity platform rotates refresh tokens on every refresh, saved before reuse, and Graph
allows four requests in flight per mailbox (http.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from .http import BATCH_MAX, MicrosoftConfig, MicrosoftHttp

__all__ = ["MicrosoftConfig", "MicrosoftHttp", "microsoft_config"]


def microsoft_config(config: Mapping) -> MicrosoftConfig:
    """Read the CRM_SYNC_MICROSOFT_* keys once, so the adapter never reads app config."""
    login = str(config.get("CRM_SYNC_MICROSOFT_LOGIN_URL") or "https://login.microsoftonline.com")
    tenant = config.get("CRM_SYNC_MICROSOFT_TENANT") or "common"
    return MicrosoftConfig(
        client_id=config.get("CRM_SYNC_MICROSOFT_CLIENT_ID") or "",
        client_secret=config.get("CRM_SYNC_MICROSOFT_CLIENT_SECRET") or "",
        token_url=f"{login.rstrip('/')}/{tenant}/oauth2/v2.0/token",
        graph_url=str(
            config.get("CRM_SYNC_MICROSOFT_GRAPH_URL") or "https://graph.microsoft.com/v1.0"
        ).rstrip("/"),
        timeout=float(config.get("CRM_SYNC_HTTP_TIMEOUT", 30)),
        retry_attempts=int(config.get("CRM_SYNC_RETRY_ATTEMPTS", 3)),
        retry_base_delay=float(config.get("CRM_SYNC_RETRY_BASE_SECONDS", 0.5)),
        max_inline_wait=float(config.get("CRM_SYNC_MICROSOFT_MAX_INLINE_WAIT", 5)),
        page_size=int(config.get("CRM_SYNC_MICROSOFT_PAGE_SIZE", 200)),
        batch_size=min(BATCH_MAX, int(config.get("CRM_SYNC_MAIL_BATCH_SIZE", BATCH_MAX))),
    )
