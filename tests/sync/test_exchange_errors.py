"""exchangelib's errors as the engine's classes (what the stand-in cannot stage: TLS)."""

from __future__ import annotations

import pytest
from exchangelib import errors as ews

from plugin.sync.errors import AuthRevoked, SyncError, SyncTokenInvalid, Throttled, TransientError
from plugin.sync.providers.exchange.client import classify


def reraised_as_busy(cause: Exception) -> ews.ErrorServerBusy:
    """What exchangelib raises under FailFast for a cause it would otherwise retry."""
    try:
        try:
            raise cause
        except Exception:
            raise ews.ErrorServerBusy(f"Reraised from {cause!r}", back_off=10) from None
    except ews.ErrorServerBusy as exc:
        exc.__context__ = cause
        return exc


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ews.ErrorInvalidSyncStateData("stale"), SyncTokenInvalid),
        (ews.UnauthorizedError("Invalid credentials"), AuthRevoked),
        (ews.ErrorAccessDenied("no"), AuthRevoked),
        (ews.TransportError("[SSL: CERTIFICATE_VERIFY_FAILED]"), TransientError),
        (ews.ErrorTimeoutExpired("Reraised from ConnectionError"), TransientError),
        (ews.ErrorInternalServerTransientError("Caused by HTTP 503 response"), Throttled),
        (ews.ErrorSchemaValidation("bad"), SyncError),
    ],
)
def test_errors_map_to_what_the_engine_does_about_them(error, expected):
    assert type(classify(error)) is expected


def test_server_busy_keeps_its_back_off_and_disguised_failures_are_unmasked():
    busy = classify(ews.ErrorServerBusy("busy", back_off=2.5))
    assert isinstance(busy, Throttled) and busy.retry_after == 2.5
    down = classify(reraised_as_busy(ews.ErrorTimeoutExpired("connection refused")))
    assert isinstance(down, TransientError)
    unavailable = classify(reraised_as_busy(ews.ErrorInternalServerTransientError("503")))
    assert isinstance(unavailable, Throttled) and unavailable.retry_after is None
