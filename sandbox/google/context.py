"""``Google``: what the API handlers are handed, as a protocol, so they need not import the
``GoogleSandbox`` that composes them (``GoogleSandbox`` is the one implementation).

Handlers are ``fn(sb: Google, request, **path_args)``; the stores they reach through it are
built with their own dependencies and know nothing of the sandbox either.
"""

from __future__ import annotations

from typing import Protocol

from werkzeug.wrappers import Request, Response

from ..clock import Clock
from .calendar_store import CalendarStore
from .faults import GoogleFaults
from .gmail_store import GmailStore
from .oauth import OAuthService
from .paging import ShortPages
from .quota import Quota
from .signing import SigningKey
from .state import State
from .tokens import TokenCodec
from .watch import Watcher


class Google(Protocol):
    """The sandbox as its handlers see it."""

    state: State
    clock: Clock
    faults: GoogleFaults
    quota: Quota
    codec: TokenCodec
    signing_key: SigningKey
    oauth: OAuthService
    watch: Watcher
    calendar_store: CalendarStore
    gmail_store: GmailStore
    short_pages: ShortPages  # Calendar and Gmail list pages cut short at random
    batches: list[int]  # calls in each batch request, in arrival order

    @property
    def issuer(self) -> str: ...

    def dispatch(self, request: Request) -> Response:
        """Answer one request as if it had come on its own (a batch's parts use it)."""
        ...
