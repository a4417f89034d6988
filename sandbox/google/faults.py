"""Google's faults: the shared knobs (``sandbox.faults``) answered as Google's 5xx bodies.

Method ids look like ``calendar.events.list``, ``gmail.users.history.list`` or
``oauth.token``; the token endpoint and a batch request as a whole ("batch.gmail",
"batch.calendar") are faulted only when a test names them (the calls inside a batch are
faulted as any call).
"""

from __future__ import annotations

from ..faults import Faults
from .errors import OAuthError, backend_error

_NAMED_ONLY = ("oauth.", "batch.")


class GoogleFaults(Faults):
    def __init__(self, seed: int = 0):
        super().__init__(seed, default_code=503, named_only=_NAMED_ONLY)

    def fail_next(
        self, count: int = 1, status: int = 503, method: str = "", path: str = ""
    ) -> None:
        """The next ``count`` calls whose method id starts with ``method`` (and, if given,
        whose URL path contains ``path``: one message's id, say) answer ``status``.

        An empty prefix matches API calls (not the token endpoint).
        """
        self.queue(count, status, method, path)

    def check_api(self, method_id: str, path: str = "") -> None:
        fault = self.take(method_id, path)
        if fault is not None:
            api = "gmail" if method_id.startswith("gmail") else "calendar"
            raise backend_error(int(fault.code), api)

    def check_token(self) -> None:
        fault = self.take("oauth.token")
        if fault is not None:
            raise OAuthError("internal_failure", "Backend Error", int(fault.code))
