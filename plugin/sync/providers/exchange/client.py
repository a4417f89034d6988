"""EWS through exchangelib for the adapter: one Account per linked account, FailFast (so a
401 is a wrong password, never "busy"), our own retries honouring ErrorServerBusy.back_off,
a count of every EWS request, and the mapping of exchangelib's errors to ours."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from exchangelib import BASIC, DELEGATE, NTLM, Account, Configuration, Credentials
from exchangelib import errors as ews
from exchangelib.folders import Calendar, Inbox, Root, SentItems
from exchangelib.properties import DistinguishedFolderId, Mailbox
from exchangelib.protocol import FailFast

from ...errors import AuthRevoked, SyncError, SyncTokenInvalid, Throttled, TransientError
from ..retry import backoff_delay, server_wait
from .account import ews_url
from .credentials import apply_connection_settings

T = TypeVar("T")
AUTH = {"ntlm": NTLM, "basic": BASIC}
# The folders the adapter reads, by their DistinguishedFolderId.
FOLDERS = {"calendar": Calendar, "inbox": Inbox, "sentitems": SentItems}

# Refusals that mean this mailbox is not ours to read with these credentials any more.
AUTH_CODES = (
    ews.UnauthorizedError,
    ews.ErrorAccessDenied,
    ews.ErrorNonExistentMailbox,
    ews.ErrorImpersonateUserDenied,
)


@dataclass(frozen=True)
class ExchangeConfig:
    timeout: float = 30
    retry_attempts: int = 3
    retry_base_delay: float = 0.5
    # A busy server asking us to wait longer than this stops the run (Throttled) instead.
    max_inline_wait: float = 10
    page_size: int = 512  # SyncFolderItems MaxChangesReturned, at most 512
    get_batch_size: int = 128  # items per GetItem (a divisor of page_size: see config.py)
    tls_verify: bool | str = True  # or a CA bundle path (credentials.tls_verify)


def classify(exc: Exception) -> SyncError:
    """The engine's error class for an exchangelib error raised by a whole call."""
    if isinstance(exc, SyncError):
        return exc
    if isinstance(exc, ews.ErrorInvalidSyncStateData):
        return SyncTokenInvalid("Exchange refused the sync state (ErrorInvalidSyncStateData)")
    if isinstance(exc, ews.ErrorServerBusy):
        # exchangelib re-raises a connection failure or a 503 as "busy" with a back-off of
        # its own invention; only the server's own ErrorServerBusy names a real one.
        if isinstance(exc.__context__, ews.ErrorTimeoutExpired):
            return TransientError(f"Exchange unreachable: {exc.__context__}")
        if isinstance(exc.__context__, ews.ErrorInternalServerTransientError):
            return Throttled("Exchange is unavailable (503)", None)
        return Throttled("Exchange is busy (ErrorServerBusy)", exc.back_off)
    if isinstance(exc, ews.ErrorInternalServerTransientError):  # HTTP 503
        return Throttled("Exchange is unavailable (503)", None)
    if isinstance(exc, AUTH_CODES):
        return AuthRevoked(
            "Exchange refused the stored credentials (wrong or changed password); "
            "please re-link the account."
        )
    if isinstance(exc, (ews.ErrorTimeoutExpired, ews.MalformedResponseError)):
        return TransientError(f"Exchange did not answer: {type(exc).__name__}")
    if isinstance(exc, ews.ResponseMessageError):
        return SyncError(f"Exchange answered {type(exc).__name__}: {exc}")
    if isinstance(exc, ews.TransportError):  # connection refused, TLS failure, DNS
        return TransientError(f"Exchange unreachable: {type(exc).__name__}")
    if isinstance(exc, ews.EWSError):
        return SyncError(f"Exchange: {type(exc).__name__}: {exc}")
    raise exc


class CountingFailFast(FailFast):
    """FailFast (a 401 is a wrong password) that also counts every answer EWS sends, so the
    run's API calls are what reached Exchange: each page, each GetItem batch, retries and
    exchangelib's own requests (folder lookups, the version probe) included."""

    def __init__(self):
        self.answers = 0

    def raise_response_errors(self, response):
        self.answers += 1
        return super().raise_response_errors(response)


class EwsClient:
    """The exchangelib Account of one linked account, and every call made through it."""

    def __init__(
        self,
        config: ExchangeConfig,
        settings: dict,
        email: str,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.config = config
        self._policy = CountingFailFast()
        self._sleep = sleep
        self._folder_ids: dict[str, str] = {}
        self._root = None
        if not settings.get("server") or not settings.get("password"):
            raise AuthRevoked("No Exchange server or password is stored; please re-link.")
        configuration = Configuration(
            service_endpoint=ews_url(settings["server"]),
            credentials=Credentials(settings["username"] or email, settings["password"]),
            auth_type=AUTH[settings.get("auth_type") or "ntlm"],
            retry_policy=self._policy,
        )
        apply_connection_settings(configuration, config.timeout, config.tls_verify)
        self.account = Account(
            email, config=configuration, autodiscover=False, access_type=DELEGATE
        )
        # exchangelib caches one protocol per endpoint and credentials: make this run's
        # policy (and count) the one it uses, and its timeout (120 s by default) ours.
        protocol = self.account.protocol
        protocol.config.retry_policy = self._policy
        protocol.TIMEOUT = config.timeout

    def folder(self, name: str):
        """A distinguished folder ("calendar", "inbox", "sentitems") addressed by its
        DistinguishedFolderId and never resolved. exchangelib's account.calendar costs a
        GetFolder for the root and one for the folder on every new Account (one a run);
        SyncFolderItems, FindItem, GetItem and CreateItem all take the distinguished id."""
        mailbox = Mailbox(email_address=self.account.primary_smtp_address)
        if self._root is None:
            self._root = Root(
                account=self.account,
                _distinguished_id=DistinguishedFolderId(id="root", mailbox=mailbox),
            )
        distinguished = DistinguishedFolderId(id=name, mailbox=mailbox)
        return FOLDERS[name](root=self._root, _distinguished_id=distinguished)

    def get_items(self, ids: list, only_fields, folder: str) -> list:
        """One GetItem for these ids (or (id, changekey) pairs): the items, or the exception
        of each one refused. `folder` only tells exchangelib which item classes to validate
        the fields against (left out, it resolves the mailbox root: one GetFolder)."""
        return list(
            self.account.fetch(
                ids=ids,
                folder=self.folder(folder),
                only_fields=only_fields,
                chunk_size=len(ids) or 1,
            )
        )

    def folder_id(self, name: str) -> str:
        """The real FolderId of a distinguished folder (one GetFolder, once per client), for
        comparing with an item's ParentFolderId, which EWS answers as a real id."""
        if name not in self._folder_ids:
            folder = self.call(lambda: FOLDERS[name].resolve(self.account, self.folder(name)))
            self._folder_ids[name] = folder.id
        return self._folder_ids[name]

    @property
    def calls(self) -> int:
        """EWS requests answered in this client's lifetime."""
        return self._policy.answers

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` (which sends EWS requests and consumes their answers), retried
        on a busy server after its back-off (when short enough) and on connection failures
        with our jittered back-off; anything else is raised as the engine's class."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - classified, or raised as it was
                err = classify(exc)
                if attempt < self.config.retry_attempts and self._retry(err, attempt):
                    continue
                raise err from exc

    def _retry(self, err: SyncError, attempt: int) -> bool:
        base = self.config.retry_base_delay
        if isinstance(err, Throttled):
            wait = server_wait(err.retry_after, base, attempt)
            if wait > self.config.max_inline_wait:
                return False
            self._sleep(wait)
            return True
        if isinstance(err, TransientError):
            self._sleep(backoff_delay(base, attempt))
            return True
        return False

    def close(self) -> None:
        with contextlib.suppress(Exception):  # best effort on the way out
            self.account.protocol.close()
