"""The Google adapter: Calendar v3 and Gmail v1 behind the Provider interface."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ...errors import AuthRevoked
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
from .calendar import list_events
from .calendar_write import GoogleCalendarWriter
from .http import GoogleConfig, GoogleHttp
from .mail import list_messages


def google_config(config: Mapping) -> GoogleConfig:
    """Read the CRM_SYNC_GOOGLE_* keys once, so the adapter never reads app config."""
    return GoogleConfig(
        client_id=config.get("CRM_SYNC_GOOGLE_CLIENT_ID") or "",
        client_secret=config.get("CRM_SYNC_GOOGLE_CLIENT_SECRET") or "",
        token_url=config["CRM_SYNC_GOOGLE_TOKEN_URL"],
        revoke_url=config["CRM_SYNC_GOOGLE_REVOKE_URL"],
        calendar_url=config["CRM_SYNC_GOOGLE_CALENDAR_URL"],
        gmail_url=config["CRM_SYNC_GOOGLE_GMAIL_URL"],
        timeout=float(config.get("CRM_SYNC_HTTP_TIMEOUT", 30)),
        retry_attempts=int(config.get("CRM_SYNC_RETRY_ATTEMPTS", 3)),
        retry_base_delay=float(config.get("CRM_SYNC_RETRY_BASE_SECONDS", 0.5)),
        calendar_page_size=int(config.get("CRM_SYNC_CALENDAR_PAGE_SIZE", 2500)),
        mail_page_size=int(config.get("CRM_SYNC_MAIL_PAGE_SIZE", 500)),
        gmail_batch_url=config.get("CRM_SYNC_GOOGLE_GMAIL_BATCH_URL")
        or batch_url_for(config["CRM_SYNC_GOOGLE_GMAIL_URL"]),
        mail_batch_size=int(config.get("CRM_SYNC_MAIL_BATCH_SIZE", 50)),  # 1-100: config.check
    )


def batch_url_for(gmail_url: str) -> str:
    """https://host/gmail/v1 -> https://host/batch/gmail/v1 (Google's per-API batch path)."""
    root, sep, version = gmail_url.rstrip("/").rpartition("/gmail/")
    return f"{root}/batch/gmail/{version}" if sep else ""


class GoogleProvider(Provider, WriterDelegate):
    name = "google"
    calendar_source = "Google Calendar"
    mail_source = "Gmail"

    def __init__(
        self,
        config: GoogleConfig,
        credentials: dict | None,
        on_token: Callable[[dict], None] | None = None,
        calendar_id: str = "primary",
    ):
        super().__init__()
        if not credentials or not credentials.get("access_token"):
            raise AuthRevoked("No Google token is stored for this account; please re-link.")
        self.calendar_id = calendar_id
        self.http = GoogleHttp(config, credentials, on_token)
        self.writer = GoogleCalendarWriter(self.http, calendar_id)

    @property
    def api_calls(self) -> int:  # type: ignore[override]
        return self.http.calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        pass  # counted by the HTTP layer

    def list_events(
        self,
        cursor: str | None,
        page_token: str | None,
        window: Window,
        known: KnownOccurrences | None = None,
    ) -> ChangeSet[RemoteEvent]:
        # Google lists every changed occurrence itself (cancelled ones too): `known` unused.
        return list_events(self.http, self.calendar_id, cursor, page_token, window)

    def list_messages(
        self,
        cursor: str | None,
        page_token: str | None,
        window: Window,
        known: Known | None = None,
    ) -> ChangeSet[RemoteMessage]:
        return list_messages(self.http, cursor, page_token, window, known)

    def revoke(self) -> None:
        token = self.http.session.token
        value = token.get("refresh_token") or token.get("access_token")
        if value:
            # 200 revoked, 400 invalid_token: already dead, which is what we wanted.
            self.http.post_form(self.http.config.revoke_url, {"token": value})

    def close(self) -> None:
        self.http.session.close()
