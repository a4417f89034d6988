"""The Microsoft 365 adapter: Microsoft Graph v1.0 behind the Provider interface.

What differs from Google and Exchange and where it is handled (DESIGN.md section 8): the
identity platform rotates refresh tokens on every refresh, saved before reuse, and Graph
allows four requests in flight per mailbox (http.py); occurrences come bare and are filled
from their series master, fetched once per series per run, and the window frozen into the
delta token is moved by a periodic full round (calendar.py); Inbox and Sent Items are two
delta feeds in one (mail.py).
"""

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
from .calendar_write import MicrosoftCalendarWriter
from .http import BATCH_MAX, MicrosoftConfig, MicrosoftHttp
from .mail import list_messages

__all__ = ["MicrosoftConfig", "MicrosoftHttp", "MicrosoftProvider", "microsoft_config"]


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


class MicrosoftProvider(Provider, WriterDelegate):
    name = "microsoft"
    calendar_source = "Outlook 365"
    mail_source = "Outlook 365"

    def __init__(
        self,
        config: MicrosoftConfig,
        credentials: dict | None,
        on_token: Callable[[dict], None] | None = None,
    ):
        super().__init__()
        if not credentials or not credentials.get("access_token"):
            raise AuthRevoked("No Microsoft token is stored for this account; please re-link.")
        self.http = MicrosoftHttp(config, credentials, on_token)
        # Series masters by id, fetched once per series in this run (None: deleted).
        self.masters: dict[str, dict | None] = {}
        self.writer = MicrosoftCalendarWriter(self.http)

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
        # Graph lists every changed occurrence itself (removed ones too): `known` unused.
        return list_events(self.http, cursor, page_token, window, self.masters)

    def list_messages(
        self,
        cursor: str | None,
        page_token: str | None,
        window: Window,
        known: Known | None = None,
    ) -> ChangeSet[RemoteMessage]:
        return list_messages(self.http, cursor, page_token, window, known)

    def revoke(self) -> None:
        """Nothing to call: the identity platform has no per-app token revocation, and
        revokeSignInSessions would sign the user out of every app they use. Unlinking
        forgets the token; the user can remove the app's consent at myapps.microsoft.com."""
        return None

    def close(self) -> None:
        self.http.close()
