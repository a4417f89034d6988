"""Exchange credentials: checked once in the link flow, then stored encrypted on the account.

The link view calls `check_credentials` (the one provider call a view makes) and, only when it
succeeds, stores them with `store_exchange_settings`. The sync adapter reads them back
(exchange.account.exchange_settings) and may open its mailbox with `open_account`, which
applies the same CRM_SYNC_EXCHANGE_* settings (TLS verification or CA bundle, timeout).

Stored format: `LinkedAccount.credentials` (EncryptedJSON, Fernet at rest) holds
``{"server": <full EWS URL>, "username": ..., "password": ..., "auth_type": "ntlm"|"basic"}``.
The password is never logged: exchangelib's Credentials repr masks it, and no message here
names it.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests
import requests.adapters

log = logging.getLogger(__name__)


class _RedactAuthorization(logging.Filter):
    """exchangelib logs each request's headers at DEBUG; a Basic Authorization header is the
    password in base64. Masked before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, Mapping) and args.get("request_headers"):
            headers = args["request_headers"]
            masked = {
                k: ("********" if str(k).lower() == "authorization" else v)
                for k, v in dict(headers).items()
            }
            record.args = {**args, "request_headers": masked}
        return True


_REDACT = _RedactAuthorization()
if not any(
    isinstance(f, _RedactAuthorization) for f in logging.getLogger("exchangelib.util").filters
):
    logging.getLogger("exchangelib.util").addFilter(_REDACT)

EWS_PATH = "/EWS/Exchange.asmx"
AUTH_TYPES = ("ntlm", "basic")


class ExchangeLinkError(Exception):
    """The credentials could not be confirmed; `str(exc)` is the message for the user."""


def ews_url(server: str) -> str:
    """The EWS endpoint for what the user typed: a host name, or a URL (its path kept, or
    /EWS/Exchange.asmx when it has none). A bare host is reached over https."""
    server = server.strip()
    if "://" not in server:
        server = "https://" + server
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ExchangeLinkError(
            f"{server!r} is not a server name or an EWS URL (for example mail.example.com or "
            f"https://mail.example.com{EWS_PATH})."
        )
    path = parts.path if parts.path not in ("", "/") else EWS_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


def exchange_credentials(server: str, username: str, password: str, auth_type: str) -> dict:
    """The dict stored (encrypted) in LinkedAccount.credentials."""
    auth_type = (auth_type or "ntlm").lower()
    if auth_type not in AUTH_TYPES:
        raise ValueError(f"auth_type must be one of {AUTH_TYPES}, not {auth_type!r}")
    return {
        "server": ews_url(server),
        "username": username.strip(),
        "password": password,
        "auth_type": auth_type,
    }


def store_exchange_settings(account, server: str, username: str, password: str, auth_type: str):
    """Put checked credentials on the account (encrypted when the session commits)."""
    account.credentials = exchange_credentials(server, username, password, auth_type)
    return account


def tls_verify(config: Mapping) -> bool | str:
    """CRM_SYNC_EXCHANGE_CA_BUNDLE (a path) wins over CRM_SYNC_EXCHANGE_VERIFY_TLS."""
    bundle = config.get("CRM_SYNC_EXCHANGE_CA_BUNDLE")
    if bundle:
        return str(bundle)
    return bool(config.get("CRM_SYNC_EXCHANGE_VERIFY_TLS", True))


class _TlsAdapter(requests.adapters.HTTPAdapter):
    """Verifies with the configured setting (False, or a CA bundle path) whatever the request
    or the environment (REQUESTS_CA_BUNDLE) says, as exchangelib's NoVerifyHTTPAdapter does
    for False."""

    def __init__(self, verify: bool | str, **kwargs):
        self._verify = verify
        super().__init__(**kwargs)

    def cert_verify(self, conn, url, verify, cert):
        super().cert_verify(conn=conn, url=url, verify=self._verify, cert=cert)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        return super().get_connection_with_tls_context(
            request=request, verify=self._verify, proxies=proxies, cert=cert
        )


def _configure_protocol(protocol, config: Mapping) -> None:
    apply_connection_settings(
        protocol, float(config.get("CRM_SYNC_EXCHANGE_TIMEOUT") or 20), tls_verify(config)
    )


def apply_connection_settings(protocol_or_configuration, timeout: float, verify) -> None:
    """Give one exchangelib protocol (or the one a Configuration maps to, before its first
    request) this timeout and TLS verification (True, False or a CA bundle path), leaving
    exchangelib's process-wide TIMEOUT and HTTP_ADAPTER_CLS alone."""
    from exchangelib import Configuration
    from exchangelib.protocol import Protocol

    protocol = protocol_or_configuration
    if isinstance(protocol, Configuration):
        protocol = Protocol(config=protocol)
    protocol.TIMEOUT = float(timeout)
    if getattr(protocol, "_crm_sync_verify", True) == verify:
        return
    create = getattr(protocol, "_crm_sync_create", protocol.create_session)
    protocol._crm_sync_create = create
    protocol._crm_sync_verify = verify
    protocol.close()  # pooled sessions made with the old setting go
    if verify is True:
        protocol.create_session = create
        return

    def create_session():
        session = create()
        adapter = _TlsAdapter(
            verify,
            pool_block=True,
            pool_connections=protocol.CONNECTIONS_PER_SESSION,
            pool_maxsize=protocol.CONNECTIONS_PER_SESSION,
            max_retries=0,
        )
        session.mount(protocol.service_endpoint, adapter)
        return session

    protocol.create_session = create_session


def configuration(settings: Mapping, config: Mapping):
    """exchangelib's Configuration for stored settings: FailFast (our own retries decide),
    the configured timeout and TLS settings on its (cached) protocol. No request is made."""
    from exchangelib import BASIC, NTLM, Configuration, Credentials
    from exchangelib.protocol import FailFast, Protocol

    result = Configuration(
        service_endpoint=settings["server"],
        credentials=Credentials(settings["username"], settings["password"]),
        auth_type={"ntlm": NTLM, "basic": BASIC}[settings.get("auth_type") or "ntlm"],
        retry_policy=FailFast(),
    )
    _configure_protocol(Protocol(config=result), config)
    return result


def open_account(settings: Mapping, email: str, config: Mapping):
    """An exchangelib Account for the mailbox (no autodiscover, delegate access)."""
    from exchangelib import DELEGATE, Account

    return Account(
        email, config=configuration(settings, config), autodiscover=False, access_type=DELEGATE
    )


def _forget(configuration) -> None:
    """Drop the protocol exchangelib cached for these credentials (it keeps the password and
    would answer a retried check with its cached failure)."""
    from exchangelib.protocol import Protocol

    try:
        protocol, _ = Protocol[configuration]
        del Protocol[configuration]
    except KeyError:
        return
    if not isinstance(protocol, Exception):
        protocol.close()


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _is_tls(exc: BaseException) -> bool:
    return any(
        isinstance(e, (ssl.SSLError, requests.exceptions.SSLError)) or "SSLError" in str(e)
        for e in _chain(exc)
    )


def _is_timeout(exc: BaseException) -> bool:
    return any(
        isinstance(e, requests.exceptions.ReadTimeout) or "ReadTimeout" in str(e)
        for e in _chain(exc)
    )


def _is_unreachable(exc: BaseException) -> bool:
    return any(
        isinstance(e, (requests.exceptions.ConnectionError, requests.exceptions.Timeout, OSError))
        or "ConnectionError" in str(e)
        or "ConnectTimeout" in str(e)
        or "ReadTimeout" in str(e)
        for e in _chain(exc)
    )


def check_credentials(
    email: str, server: str, username: str, password: str, auth_type: str, config: Mapping
) -> dict:
    """Open the mailbox's calendar with these credentials; return what to store.

    :raises ExchangeLinkError: with a message that says what to fix (wrong password,
        unreachable server, TLS failure, not an EWS URL, mailbox not accessible).
    """
    from exchangelib.errors import (
        ErrorAccessDenied,
        ErrorImpersonateUserDenied,
        ErrorNonExistentMailbox,
        EWSError,
        UnauthorizedError,
    )

    settings = exchange_credentials(server, username, password, auth_type)
    url = settings["server"]
    host = urlsplit(url).hostname
    from exchangelib import DELEGATE, Account

    conf = configuration(settings, config)
    try:
        account = Account(email, config=conf, autodiscover=False, access_type=DELEGATE)
        account.calendar  # noqa: B018 - GetFolder on the calendar: the one check
    except UnauthorizedError:
        raise ExchangeLinkError(
            f"The Exchange server at {host} did not accept the user name "
            f"{settings['username']} with that password ({settings['auth_type'].upper()}). "
            "Check the password, the user name (some servers want DOMAIN\\user) and the "
            "authentication type."
        ) from None
    except (ErrorNonExistentMailbox, ErrorAccessDenied, ErrorImpersonateUserDenied):
        raise ExchangeLinkError(
            f"The server accepted the log-in, but {settings['username']} may not open the "
            f"mailbox {email}. Check the email address."
        ) from None
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message, nothing stored
        if _is_tls(exc):
            log.info("Exchange link check: TLS failure for %s: %s", url, type(exc).__name__)
            raise ExchangeLinkError(
                f"A secure (TLS) connection to {host} could not be made: its certificate "
                "was not trusted or the server does not speak https on that address. Check "
                "the server name, or ask your administrator to set CRM_SYNC_EXCHANGE_CA_BUNDLE."
            ) from None
        if _is_timeout(exc):
            timeout = config.get("CRM_SYNC_EXCHANGE_TIMEOUT") or 20
            log.info("Exchange link check: %s did not answer in time", url)
            raise ExchangeLinkError(
                f"The Exchange server {host} accepted the connection but did not answer "
                f"within {timeout} seconds. Check the server name, or try again later."
            ) from None
        if _is_unreachable(exc):
            log.info("Exchange link check: %s unreachable: %s", url, type(exc).__name__)
            raise ExchangeLinkError(
                f"The Exchange server {host} could not be reached. Check the server name "
                "and that it is reachable from the CRM, then try again."
            ) from None
        if isinstance(exc, EWSError):
            log.info("Exchange link check: %s is not EWS: %s", url, type(exc).__name__)
            raise ExchangeLinkError(
                f"{url} does not answer as Exchange Web Services. Enter the server name "
                f"or its EWS URL (usually https://<server>{EWS_PATH})."
            ) from None
        raise
    finally:
        _forget(conf)
    return settings
