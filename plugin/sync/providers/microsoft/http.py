"""HTTP to Microsoft Graph for the adapter: one OAuth2 session per mailbox, call counting,
retries, at most four requests in flight, `$batch`, and Graph's errors as sync error classes.

Why Authlib's OAuth2Session with requests and not msgraph-sdk: it keeps one retry and error
path with the Google adapter (providers/retry.py timings, plugin/sync/errors.py classes, the
same `update_token` hook that saves a refreshed token before it is used), and every request
goes through one place that counts it. msgraph-sdk's RetryHandler re-sends a request by
itself on 429/503/504, a POST included, out of our sight: it would double a create that has
no transactionId, hide the calls from the run's count, and sleep through a Retry-After the
engine should honour by ending the run. Its client is async (kiota + httpx) too, while the
engine is not.

Graph's references: errors https://learn.microsoft.com/graph/errors, throttling
https://learn.microsoft.com/graph/throttling-limits (Outlook: 4 concurrent requests per app
and mailbox, 10,000 per 10 minutes), JSON batching https://learn.microsoft.com/graph/json-batching
(at most 20 steps, URLs relative to the version). Tokens never reach a log line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import requests
from authlib.integrations.base_client import InvalidTokenError, OAuthError
from authlib.integrations.requests_client import OAuth2Session

from ...errors import (
    AuthRevoked,
    EditConflict,
    ItemGone,
    ItemRejected,
    ScopeMissing,
    SyncError,
    SyncTokenInvalid,
    Throttled,
    TransientError,
)
from ..retry import retry_after_seconds, server_wait

# Outlook's limit per app and mailbox; a $batch runs up to this many of its steps at once.
MAX_IN_FLIGHT = 4
BATCH_MAX = 20
# What a delta link's expiry is called (410): start the round again without it.
SYNC_CODES = {"syncstatenotfound", "resyncrequired", "syncstateinvalid"}
# The refusals of the token endpoint that mean the grant is gone (AADSTS codes say which).
GRANT_ERRORS = {
    "invalid_grant",
    "invalid_client",
    "unauthorized_client",
    "interaction_required",
    "consent_required",
}
# The errors batch_get answers a step with instead of raising: they concern that step alone.
PER_CALL = (ItemRejected, ItemGone, Throttled, TransientError)
BUSY = (429, 503)


@dataclass(frozen=True)
class MicrosoftConfig:
    client_id: str
    client_secret: str
    token_url: str
    graph_url: str
    timeout: float = 30
    retry_attempts: int = 3
    retry_base_delay: float = 0.5
    # A 429/503 whose Retry-After is at most this is waited out in the call; longer ends
    # the run as Throttled (the engine comes back after it).
    max_inline_wait: float = 5
    page_size: int = 200  # Prefer: odata.maxpagesize on delta pages
    batch_size: int = BATCH_MAX  # steps per $batch (Graph: at most 20)


class Answer(NamedTuple):
    """One HTTP answer, a plain one or a $batch step's, classified the same way."""

    status: int
    headers: dict
    body: Any  # parsed JSON, or None
    text: str = ""


class Slots:
    """A counting limit on requests in flight; a $batch takes as many as it runs at once."""

    def __init__(self, size: int = MAX_IN_FLIGHT):
        self.size = size
        self.used = 0
        self._cond = threading.Condition()

    def acquire(self, n: int = 1) -> int:
        n = max(1, min(n, self.size))
        with self._cond:
            self._cond.wait_for(lambda: self.used + n <= self.size)
            self.used += n
        return n

    def release(self, n: int) -> None:
        with self._cond:
            self.used -= n
            self._cond.notify_all()


class MicrosoftHttp:
    """One authorized session per linked mailbox; counts every request the service handles
    (a $batch as itself plus one per step, as Graph counts steps against the mailbox).

    Refresh tokens rotate on every refresh: `on_token` gets the new token dict inside the
    refresh, before any request uses it, so the runner saves it first (runner.save_token);
    if saving fails, nothing is sent with the unsaved token.
    """

    def __init__(
        self,
        config: MicrosoftConfig,
        token: dict,
        on_token: Callable[[dict], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.config = config
        self.calls = 0
        self.slots = Slots(MAX_IN_FLIGHT)
        self._sleep = sleep
        self._on_token = on_token
        self.session = OAuth2Session(
            config.client_id,
            config.client_secret,
            token=token,
            token_endpoint=config.token_url,
            update_token=self._saved,
        )
        # Count token refreshes too: they are requests to Microsoft.
        self.session.register_compliance_hook("refresh_token_response", self._count)

    # ----- the public calls ------------------------------------------------------------------
    def url(self, path_or_url: str) -> str:
        """An absolute Graph URL for a path relative to the version ("/me/events")."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.config.graph_url.rstrip("/") + "/" + path_or_url.lstrip("/")

    def get(
        self,
        url: str,
        params: Any = None,
        *,
        headers: dict | None = None,
        sync_cursor: bool = False,
    ) -> dict:
        """GET JSON (a path or a whole nextLink/deltaLink), retried on timeouts, 5xx and short
        Retry-Afters; everything else classified. `sync_cursor`: the URL is a delta or page
        link, so 410 means it expired (SyncTokenInvalid)."""
        resp = self._retrying("GET", self.url(url), params=params, headers=headers)
        return _classify(_answer(resp), sync_cursor=sync_cursor, write=False)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict | None = None,
    ) -> dict:
        """A write (POST, PATCH, DELETE), classified: 412 and 409 EditConflict, 404/410
        ItemGone, 400 ItemRejected, 403 ScopeMissing when the grant lacks write access (else
        ItemRejected). Retried like get(): safe for a POST only when Graph dedupes it (an
        event with a transactionId); {} for an empty answer (204)."""
        resp = self.send(method, url, params=params, json=json, headers=headers)
        return _classify(_answer(resp), sync_cursor=False, write=True, scopes=self.scopes)

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict | None = None,
    ) -> requests.Response:
        """The raw answer after the retries, for a caller that reads a status itself; only a
        throttle past the inline wait and a refused grant (401) are raised here."""
        resp = self._retrying(method, self.url(url), params=params, json=json, headers=headers)
        if resp.status_code in BUSY or resp.status_code == 401:
            _classify(_answer(resp), sync_cursor=False, write=True, scopes=self.scopes)
        return resp

    def batch_get(
        self, paths: Sequence[str], headers: dict | None = None
    ) -> list[dict | SyncError]:
        """GET these paths (relative to the version, e.g. "/me/messages/ID?$select=..."), in
        $batch requests of at most batch_size steps, each answered on its own in path order:
        its JSON, or the error get() would raise for it when that error is the step's alone
        (PER_CALL: gone, refused, throttled, 5xx past the retries), so what was answered is
        kept whatever happens to the rest. Steps answered 5xx/429/503 are asked again (after
        their Retry-After when it is short), steps answered 401 once more after a token
        refresh. A revoked grant or a refusal of the batch itself is raised. One path goes
        as a plain GET."""
        if len(paths) == 1:
            return [self._one(paths[0], headers)]
        results: list[Any] = [None] * len(paths)
        size = max(1, min(self.config.batch_size, BATCH_MAX))
        for lo in range(0, len(paths), size):
            self._batch(paths, list(range(lo, min(lo + size, len(paths)))), results, headers)
        return results

    @property
    def scopes(self) -> set[str]:
        """The scopes the grant holds, lower case (Graph's own, without the resource)."""
        raw = (self.session.token or {}).get("scope") or ""
        return {s.rsplit("/", 1)[-1].lower() for s in str(raw).split()}

    def close(self) -> None:
        self.session.close()

    # ----- $batch ------------------------------------------------------------------------------
    def _one(self, path: str, headers: dict | None) -> dict | SyncError:
        try:
            return self.get(path, headers=headers)
        except PER_CALL as exc:
            return exc

    def _batch(self, paths, pending: list[int], results: list, headers) -> None:
        attempt, refreshed = 0, False
        while pending:
            attempt += 1
            steps = [_step(i, paths[i], headers) for i in pending]
            try:
                resp = self._retrying(
                    "POST",
                    self.url("/$batch"),
                    json={"requests": steps},
                    weight=1 + len(steps),
                    slots=len(steps),
                )
                body = _classify(_answer(resp), sync_cursor=False, write=False)
                answers = _step_answers(body, pending)
            except PER_CALL as exc:  # the batch as a whole: every step not answered yet
                for i in pending:
                    results[i] = exc
                return
            again, unauthorized = [], []
            for i in pending:
                answer = answers[i]
                if answer.status >= 500 or answer.status == 429:
                    again.append(i)
                elif answer.status == 401 and not refreshed:
                    unauthorized.append(i)
                else:
                    results[i] = self._settled(answer)
            if again:
                waits = [_retry_after(answers[i]) for i in again]
                asked = max((w for w in waits if w is not None), default=None)
                if attempt >= self.config.retry_attempts or (
                    asked is not None and asked > self.config.max_inline_wait
                ):
                    for i in again:
                        results[i] = self._settled(answers[i])
                    again = []
                else:
                    self._sleep(server_wait(asked, self.config.retry_base_delay, attempt))
            if unauthorized:
                refreshed = True
                self._refresh()
            pending = sorted(again + unauthorized)

    def _settled(self, answer: Answer) -> dict | SyncError:
        try:
            return _classify(answer, sync_cursor=False, write=False)
        except PER_CALL as exc:
            return exc

    # ----- sending, retrying, refreshing ------------------------------------------------------
    def _retrying(
        self, method: str, url: str, weight: int = 1, slots: int = 1, **kwargs
    ) -> requests.Response:
        """One request, repeated on timeouts and 5xx with jittered backoff (a 429/503 after
        its Retry-After when that is short), and once after a 401 with a refreshed token
        (Microsoft may end an access token early). The last answer goes back unclassified."""
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self._send(method, url, weight=weight, slots=slots, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as exc:
                if attempt >= self.config.retry_attempts:
                    name = type(exc).__name__
                    raise TransientError(f"Microsoft Graph unreachable: {name}") from exc
                self._sleep(server_wait(None, self.config.retry_base_delay, attempt))
                continue
            code = resp.status_code
            if code == 401 and not refreshed:
                refreshed = True
                self._refresh()
                continue
            if code >= 500 or code == 429:
                asked = retry_after_seconds(resp.headers.get("Retry-After"))
                if attempt >= self.config.retry_attempts:
                    return resp
                if code in BUSY and asked is not None and asked > self.config.max_inline_wait:
                    return resp
                if code == 429 and asked is None:
                    return resp  # no wait named: the engine's own back-off
                self._sleep(server_wait(asked, self.config.retry_base_delay, attempt))
                continue
            return resp

    def _send(
        self, method: str, url: str, weight: int = 1, slots: int = 1, **kwargs
    ) -> requests.Response:
        token = self.session.token
        if token is not None and token.is_expired(leeway=60):
            self._refresh()  # saved through on_token before the request below uses it
        taken = self.slots.acquire(slots)
        try:
            self.calls += weight
            return self.session.request(method, url, timeout=self.config.timeout, **kwargs)
        except InvalidTokenError as exc:
            raise AuthRevoked("The Microsoft access token could not be renewed.") from exc
        except OAuthError as exc:
            raise _auth_error(exc) from exc
        finally:
            self.slots.release(taken)

    def _refresh(self) -> None:
        if not (self.session.token or {}).get("refresh_token"):
            raise AuthRevoked("Microsoft ended the access and no refresh token was granted.")
        try:
            self.session.refresh_token(self.config.token_url, timeout=self.config.timeout)
        except OAuthError as exc:
            raise _auth_error(exc) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError("The Microsoft token endpoint is unreachable") from exc

    def _count(self, resp):
        self.calls += 1
        return resp

    def _saved(self, token: dict, refresh_token: str | None = None, access_token=None) -> None:
        if self._on_token:
            self._on_token(dict(token))


# ----- classification ------------------------------------------------------------------------
def _answer(resp: requests.Response) -> Answer:
    try:
        body = resp.json() if resp.content else None
    except ValueError:
        body = None
    return Answer(resp.status_code, dict(resp.headers), body, resp.text[:300])


def _step(i: int, path: str, headers: dict | None) -> dict:
    step = {"id": str(i), "method": "GET", "url": "/" + path.lstrip("/")}
    if headers:
        step["headers"] = dict(headers)
    return step


def _step_answers(body: dict, pending: list[int]) -> dict[int, Answer]:
    """The batch's per-step answers by index; a step missing from it is a 5xx to ask again."""
    out: dict[int, Answer] = {}
    for part in body.get("responses") or []:
        try:
            index = int(part.get("id"))
        except (TypeError, ValueError):
            continue
        status = int(part.get("status") or 500)
        out[index] = Answer(status, part.get("headers") or {}, part.get("body"))
    for i in pending:
        out.setdefault(i, Answer(500, {}, None, "missing from the batch answer"))
    return out


def _header(headers: dict, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _retry_after(answer: Answer) -> float | None:
    return retry_after_seconds(_header(answer.headers, "Retry-After"))


def odata_error(answer: Answer) -> tuple[str, str]:
    """(code, message) of Graph's {"error": {"code", "message", "innerError"}}."""
    err = answer.body.get("error") if isinstance(answer.body, dict) else None
    if isinstance(err, dict):
        return str(err.get("code") or ""), str(err.get("message") or "")
    return "", answer.text[:200]


def _classify(answer: Answer, sync_cursor: bool, write: bool, scopes: set[str] = frozenset()):
    code = answer.status
    if code < 300:
        if answer.body is None and answer.text.strip():
            raise TransientError("Microsoft Graph answered a body that is not JSON")
        return answer.body if isinstance(answer.body, dict) else {}
    name, message = odata_error(answer)
    said = (message or name or str(code)).strip().rstrip(".")
    if code in BUSY:
        raise Throttled(f"Microsoft Graph is throttling ({name or code})", _retry_after(answer))
    if code >= 500:
        raise TransientError(f"Microsoft Graph answered {code}: {said}")
    if code == 410 and (sync_cursor or name.lower() in SYNC_CODES):
        raise SyncTokenInvalid(f"Microsoft Graph expired the delta link ({name or code})")
    if code == 401:
        raise AuthRevoked(f"Microsoft refused access: {said}. Please re-link.")
    if code == 403:
        if not write or "calendars.readwrite" not in scopes:
            raise ScopeMissing(
                f"Microsoft refused access: {said}. Re-link to grant that permission."
            )
        raise ItemRejected(f"Microsoft refused the change: {said}")
    if code in (404, 410):
        raise ItemGone(f"Not found at Microsoft: {said}")
    if code in (409, 412):
        raise EditConflict(f"The item changed at Microsoft: {said}")
    if 400 <= code < 500:
        raise ItemRejected(f"Microsoft Graph refused the request: {said}", detail=name or None)
    raise SyncError(f"Microsoft Graph answered {code}: {said}")


def _auth_error(exc: OAuthError) -> SyncError:
    if exc.error in GRANT_ERRORS:
        return AuthRevoked(
            "Microsoft no longer accepts this link (the access was revoked, expired or its "
            "consent withdrawn); please re-link the account."
        )
    return TransientError(f"Microsoft token endpoint: {exc.error}")
