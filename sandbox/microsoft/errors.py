"""Errors as Microsoft writes them: Graph's OData error object, and the identity platform's
``error`` + ``error_description`` with an AADSTS code."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ..control import json_response

GRAPH_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "ErrorAccessDenied",
    404: "ErrorItemNotFound",
    409: "ErrorIrresolvableConflict",
    410: "syncStateNotFound",
    412: "ErrorIrresolvableConflict",
    424: "FailedDependency",
    429: "ApplicationThrottled",
    500: "InternalServerError",
    503: "ServiceNotAvailable",
}


def inner_error(now: datetime | None = None) -> dict:
    """``now`` is the stand-in's clock (sb.clock.now()); the wall clock only without one."""
    request_id = str(uuid.uuid4())
    return {
        "date": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": request_id,
        "client-request-id": request_id,
    }


class GraphError(Exception):
    """One Graph error answer: ``{"error": {"code", "message", "innerError"}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        *,
        headers: dict | None = None,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code or GRAPH_CODES.get(status, "UnknownError")
        self.message = message
        self.headers = headers or {}

    def body(self, now: datetime | None = None) -> dict:
        return {
            "error": {"code": self.code, "message": self.message, "innerError": inner_error(now)}
        }

    def response(self, now: datetime | None = None):
        return json_response(self.body(now), self.status, self.headers)


class AadError(Exception):
    """An identity platform error: ``error`` (the OAuth code) plus an AADSTS description."""

    def __init__(self, error: str, aadsts: int, text: str, status: int = 400):
        super().__init__(f"AADSTS{aadsts}: {text}")
        self.error = error
        self.aadsts = aadsts
        self.text = text
        self.status = status

    def body(self) -> dict:
        now = datetime.now(UTC)
        trace = str(uuid.uuid4())
        return {
            "error": self.error,
            "error_description": (
                f"AADSTS{self.aadsts}: {self.text} Trace ID: {trace} Correlation ID: "
                f"{uuid.uuid4()} Timestamp: {now.strftime('%Y-%m-%d %H:%M:%SZ')}"
            ),
            "error_codes": [self.aadsts],
            "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ"),
            "trace_id": trace,
            "correlation_id": str(uuid.uuid4()),
            "error_uri": "https://login.microsoftonline.com/error?code=" + str(self.aadsts),
        }

    def response(self):
        return json_response(self.body(), self.status)
