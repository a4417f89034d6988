"""HTTP to Google for the adapters: OAuth2 session, call counting, retries, error classes.

Google's error shapes: https://developers.google.com/calendar/api/guides/errors and
https://developers.google.com/gmail/api/guides/handle-errors. Tokens never reach a log line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client import InvalidTokenError, OAuthError
from authlib.integrations.requests_client import OAuth2Session

from ...errors import (
    AuthRevoked,
    ItemRejected,
    ScopeMissing,
    SyncError,
    SyncTokenInvalid,
    Throttled,
    TransientError,
)
from ..retry import backoff_delay, retry_after_seconds
from . import batch as google_batch

# The errors batch_get answers a call with instead of raising: they concern that call alone.
PER_CALL = (ItemRejected, Throttled, TransientError)
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}
SCOPE_REASONS = {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}
AUTH_REASONS = SCOPE_REASONS | {"authError"}


@dataclass(frozen=True)
class GoogleConfig:
    client_id: str
    client_secret: str
    token_url: str
    revoke_url: str
    calendar_url: str
    gmail_url: str
    timeout: float = 30
    retry_attempts: int = 3
    retry_base_delay: float = 0.5
    calendar_page_size: int = 2500
    mail_page_size: int = 500
    # Google's batch endpoint for Gmail, and the calls sent in one batch (at most 100; Google
    # advises 50 or fewer, as larger batches are likelier to be rate limited).
    gmail_batch_url: str = ""
    mail_batch_size: int = 50


class GoogleHttp:
    """One authorized session per linked account; counts every request it sends."""

    def __init__(
        self,
        config: GoogleConfig,
        token: dict,
        on_token: Callable[[dict], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.config = config
        self.calls = 0
        # Calls Gmail took in one batch when it refused the rest as concurrent; None: no
        # limit met yet. Kept for the session (one sync run of one account).
        self.batch_limit: int | None = None
        self._sleep = sleep
        self._on_token = on_token
        self.session = OAuth2Session(
            config.client_id,
            config.client_secret,
            token=token,
            token_endpoint=config.token_url,
            update_token=self._saved,
        )
        # Count token refreshes as API calls too: they are requests to Google.
        self.session.register_compliance_hook("refresh_token_response", self._count)

    def _count(self, resp):
        self.calls += 1
        return resp

    def _saved(self, token: dict, refresh_token: str | None = None, access_token=None) -> None:
        if self._on_token:
            self._on_token(dict(token))

    def get(self, url: str, params: Any = None, *, sync_cursor: bool = False) -> dict:
        """GET JSON with in-call retries for 5xx/timeouts; classify everything else.

        `sync_cursor` says the request carried an incremental cursor, so 410 (Calendar) or
        404 (Gmail history) mean the cursor expired.
        """
        return self._classify(self._retrying("GET", url, params), sync_cursor)

    def batch_get(self, batch_url: str, calls: Sequence[tuple[str, Any]]) -> list[dict | SyncError]:
        """GET these (url, params) in one request to `batch_url`, each answered on its own,
        in call order: its JSON, or the error get() would raise for it when that error is the
        call's alone (PER_CALL: gone, throttled, or 5xx past the retries), so that what was
        answered is kept whatever happens to the rest.

        Calls answered 5xx are asked again together with jittered backoff, and calls answered
        401 once more after a token refresh, as get() does. Calls refused as "too many
        concurrent requests" (Gmail runs a batch's calls at once, up to a per-user limit) are
        asked again after backoff in requests no larger than the number the server did take,
        a size this session then keeps. A revoked grant or any other refusal is raised. Each
        call counts as one API call, as Google counts them; the batch itself does not.
        Without a batch URL, or for one call, the calls go one by one."""
        if len(calls) == 1 or not batch_url:
            return [self._one(url, params) for url, params in calls]
        if len(calls) > google_batch.MAX_CALLS:
            raise ValueError(f"at most {google_batch.MAX_CALLS} calls in one batch")
        results: list[Any] = [None] * len(calls)
        pending = list(range(len(calls)))
        refreshed, failures, crowding = False, 0, 0
        while pending:
            again, unauthorized, crowded, failed = self._round(
                batch_url, calls, pending, results, refreshed
            )
            if failed is not None:  # a request as a whole: every call not answered yet
                _settle(results, [i for i in pending if results[i] is None], failed)
                break
            failures += bool(again)
            crowding += bool(crowded)
            attempts = self.config.retry_attempts
            if again and failures >= attempts:
                again = _settle(
                    results,
                    again,
                    TransientError(f"Google answered 5xx {failures} times to a call"),
                )
            if crowded and crowding >= attempts:
                busy = Throttled("Google: too many concurrent requests for this user")
                crowded = _settle(results, crowded, busy)
            if again or crowded:
                self._backoff(max(failures, crowding))
            if unauthorized:
                refreshed = True
                self._refresh()
            pending = sorted(again + unauthorized + crowded)
        return results

    def _round(self, batch_url, calls, pending, results, refreshed):
        """Send the pending calls (in requests of at most batch_limit) and file each answer:
        into `results`, or into the lists of calls to ask again (5xx, 401, concurrent).
        Returns (again, unauthorized, crowded, the PER_CALL error that stopped a request)."""
        again, unauthorized, crowded = [], [], []
        limit = self.batch_limit or len(pending)
        for lo in range(0, len(pending), limit):
            chunk = pending[lo : lo + limit]
            try:
                answers = self._batch(batch_url, [calls[i] for i in chunk])
            except PER_CALL as exc:
                return again, unauthorized, crowded, exc
            taken = 0
            for i, resp in zip(chunk, answers, strict=True):
                if resp.status_code >= 500:
                    again.append(i)
                elif resp.status_code == 401 and not refreshed:
                    unauthorized.append(i)
                elif _crowded(resp):
                    crowded.append(i)
                    continue
                else:
                    results[i] = self._answer(resp)
                taken += 1
            if taken < len(chunk):  # some refused as concurrent: send no more than taken
                self.batch_limit = max(1, min(taken, self.batch_limit or taken))
        return again, unauthorized, crowded, None

    def _one(self, url: str, params: Any) -> dict | SyncError:
        try:
            return self.get(url, params)
        except PER_CALL as exc:
            return exc

    def _answer(self, resp: requests.Response) -> dict | SyncError:
        try:
            return self._classify(resp, sync_cursor=False)
        except PER_CALL as exc:
            return exc

    def _batch(self, batch_url: str, calls: Sequence[tuple[str, Any]]) -> list[requests.Response]:
        """One batch POST (retried as a whole on timeouts, 5xx and a 401, as any request)."""
        content_type, body = google_batch.build(calls)
        resp = self._retrying(
            "POST",
            batch_url,
            None,
            weight=len(calls),
            data=body,
            headers={"Content-Type": content_type},
        )
        if resp.status_code == 404:
            raise SyncError(f"Google has no batch endpoint at {batch_url}")
        if resp.status_code >= 300:
            self._classify(resp, sync_cursor=False)  # raises: the batch as a whole failed
        content_type = resp.headers.get("Content-Type", "")
        try:
            return google_batch.parse(content_type, resp.content, len(calls))
        except ValueError as exc:
            raise TransientError(f"Google answered a batch unreadably: {exc}") from exc

    def write(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict | None = None,
    ) -> requests.Response:
        """Send a calendar write with the same 401-refresh, 5xx/timeout retries and throttling
        and grant errors as get(); every other answer goes back to the caller, because 409,
        410 and 412 mean something particular to a write. Retrying a write is safe here:
        inserts carry a client-chosen id (a repeat gets 409) and patches an If-Match."""
        resp = self._retrying(method, url, params, json=json, headers=headers)
        reason, message = _reason(resp) if resp.status_code >= 400 else ("", "")
        code = resp.status_code
        if code == 429 or (code == 403 and reason in RATE_REASONS):
            raise Throttled(f"Google rate limit ({reason or code})", _retry_after(resp))
        if code in (401, 403) and (code == 401 or reason in AUTH_REASONS):
            raise _refused(code, message, reason)
        return resp

    def _retrying(
        self, method: str, url: str, params: Any, weight: int = 1, **kwargs
    ) -> requests.Response:
        """One request, repeated on timeouts, 5xx and rate limits that name no wait with
        jittered exponential backoff (Google does not promise a Retry-After; a named wait is
        the engine's to keep), and once after a 401 with a refreshed token (Google may end
        an access token early). `weight`: the API calls it counts for (a batch's calls)."""
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self._send(url, params, method=method, weight=weight, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as exc:
                if attempt >= self.config.retry_attempts:
                    raise TransientError(f"Google unreachable: {type(exc).__name__}") from exc
                self._backoff(attempt)
                continue
            if resp.status_code == 401 and not refreshed:
                refreshed = True
                self._refresh()
                continue
            if resp.status_code >= 500:
                if attempt >= self.config.retry_attempts:
                    raise TransientError(f"Google answered {resp.status_code} {attempt} times")
                self._backoff(attempt)
                continue
            if _unnamed_rate_limit(resp) and attempt < self.config.retry_attempts:
                self._backoff(attempt)
                continue
            return resp

    def post_form(self, url: str, data: dict) -> requests.Response:
        self.calls += 1
        try:
            return requests.post(url, data=data, timeout=self.config.timeout)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError(f"Google unreachable: {type(exc).__name__}") from exc

    def _send(
        self, url: str, params: Any, method: str = "GET", weight: int = 1, **kwargs
    ) -> requests.Response:
        try:
            self.session.ensure_active_token(self.session.token)
        except OAuthError as exc:
            raise self._auth_error(exc) from exc
        self.calls += weight
        try:
            return self.session.request(
                method, url, params=params, timeout=self.config.timeout, **kwargs
            )
        except InvalidTokenError as exc:
            raise AuthRevoked("The Google access token could not be renewed.") from exc
        except OAuthError as exc:
            raise self._auth_error(exc) from exc

    def _refresh(self) -> None:
        if not self.session.token.get("refresh_token"):
            raise AuthRevoked("Google ended the access and no refresh token was granted.")
        try:
            self.session.refresh_token(self.config.token_url)
        except OAuthError as exc:
            raise self._auth_error(exc) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError("Google token endpoint unreachable") from exc

    @staticmethod
    def _auth_error(exc: OAuthError) -> SyncError:
        if exc.error in ("invalid_grant", "invalid_client", "unauthorized_client"):
            return AuthRevoked(
                "Google no longer accepts this link (the access was revoked or expired); "
                "please re-link the account."
            )
        return TransientError(f"Google token endpoint: {exc.error}")

    def _backoff(self, attempt: int) -> None:
        self._sleep(backoff_delay(self.config.retry_base_delay, attempt))

    def _classify(self, resp: requests.Response, sync_cursor: bool) -> dict:
        code = resp.status_code
        if code < 300:
            try:
                return resp.json()
            except ValueError as exc:
                raise TransientError("Google answered a body that is not JSON") from exc
        reason, message = _reason(resp)
        if code == 429 or (code == 403 and reason in RATE_REASONS):
            raise Throttled(f"Google rate limit ({reason or code})", _retry_after(resp))
        if sync_cursor and code in (404, 410):
            raise SyncTokenInvalid(f"Google expired the sync cursor ({code})")
        if code in (401, 403) and (code == 401 or reason in AUTH_REASONS):
            raise _refused(code, message, reason)
        if code == 404:
            raise ItemRejected(f"Not found: {message}")
        raise SyncError(f"Google answered {code}: {message or reason}")


def _refused(code: int, message: str, reason: str) -> AuthRevoked:
    """Google's own sentence (which ends with a period) and what to do: a scope the grant
    lacks concerns one feed (ScopeMissing); anything else, the whole grant."""
    said = (message or reason).strip().rstrip(".")
    if code == 403 and reason in SCOPE_REASONS:
        return ScopeMissing(f"Google refused access: {said}. Re-link to grant that permission.")
    return AuthRevoked(f"Google refused access: {said}. Please re-link.")


def _settle(results: list, indices: list[int], error: SyncError) -> list[int]:
    """Answer these calls with `error` (no more asking); returns the calls left: none."""
    for i in indices:
        results[i] = error
    return []


def _unnamed_rate_limit(resp: requests.Response) -> bool:
    """A quota refusal (429, or 403 with a rate reason) without a Retry-After to keep."""
    code = resp.status_code
    if code not in (403, 429) or resp.headers.get("Retry-After"):
        return False
    return code == 429 or _reason(resp)[0] in RATE_REASONS


def _crowded(resp: requests.Response) -> bool:
    """Refused for too many requests at once (not for the quota): worth asking again soon."""
    if resp.status_code not in (403, 429):
        return False
    reason, message = _reason(resp)
    return reason in RATE_REASONS and "concurrent" in message.lower()


def _reason(resp: requests.Response) -> tuple[str, str]:
    try:
        err = resp.json().get("error", {})
    except ValueError:
        return "", resp.text[:200]
    if not isinstance(err, dict):
        return str(err), ""
    errors = err.get("errors") or [{}]
    reason = errors[0].get("reason") or ""
    for detail in err.get("details") or []:
        reason = reason or detail.get("reason", "")
    return reason or err.get("status", ""), err.get("message", "")


def _retry_after(resp: requests.Response) -> float | None:
    return retry_after_seconds(resp.headers.get("Retry-After"))
