"""The Exchange Server adapter: EWS through exchangelib behind the Provider interface.

What differs from Google and where it is handled (DESIGN.md section 8): sync answers
recurring masters, expanded here (calendar.py); there are no client-chosen ids, so a create
first looks for its CRM id (calendar_write.py); one feed covers Inbox and Sent Items
(mail.py); 401 is a wrong password, since the retry policy is FailFast (client.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..base import (
    ChangeSet,
    Known,
    KnownOccurrences,
    Provider,
    RemoteEvent,
    RemoteMessage,
    Window,
    WriterDelegate,
)
from .account import exchange_settings
from .calendar import list_events
from .calendar_write import ExchangeCalendarWriter
from .client import EwsClient, ExchangeConfig
from .credentials import tls_verify
from .mail import list_messages

__all__ = ["ExchangeProvider", "exchange_config", "exchange_settings"]


def exchange_config(config: Mapping) -> ExchangeConfig:
    """Read the keys the adapter uses once, so it never reads app config."""
    return ExchangeConfig(
        timeout=float(
            config.get("CRM_SYNC_EXCHANGE_TIMEOUT") or config.get("CRM_SYNC_HTTP_TIMEOUT", 30)
        ),
        retry_attempts=int(config.get("CRM_SYNC_RETRY_ATTEMPTS", 3)),
        retry_base_delay=float(config.get("CRM_SYNC_RETRY_BASE_SECONDS", 0.5)),
        max_inline_wait=float(config.get("CRM_SYNC_EXCHANGE_MAX_INLINE_WAIT", 10)),
        page_size=int(config.get("CRM_SYNC_EXCHANGE_PAGE_SIZE", 512)),  # 1-512: config.check
        get_batch_size=int(config.get("CRM_SYNC_EXCHANGE_GET_BATCH_SIZE", 128)),  # config.py
        tls_verify=tls_verify(config),
    )


class ExchangeProvider(Provider, WriterDelegate):
    name = "exchange"
    calendar_source = "Exchange"
    mail_source = "Exchange"

    def __init__(self, config: ExchangeConfig, settings: dict, email: str):
        super().__init__()
        self.client = EwsClient(config, settings, email)
        self.writer = ExchangeCalendarWriter(self.client)

    @property
    def api_calls(self) -> int:  # type: ignore[override]
        return self.client.calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        pass  # counted by the client

    def list_events(
        self,
        cursor: str | None,
        page_token: str | None,
        window: Window,
        known: KnownOccurrences | None = None,
    ) -> ChangeSet[RemoteEvent]:
        return list_events(self.client, cursor, page_token, window, known)

    def list_messages(
        self,
        cursor: str | None,
        page_token: str | None,
        window: Window,
        known: Known | None = None,
    ) -> ChangeSet[RemoteMessage]:
        return list_messages(self.client, cursor, page_token, window, known)

    def revoke(self) -> None:
        """A password grant has nothing to revoke at the server; unlinking forgets it."""
        return None

    def close(self) -> None:
        self.client.close()
