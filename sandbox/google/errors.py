"""Google's error bodies, byte for byte where a client could depend on them.

Calendar v3 answers the classic ``{"error": {"errors": [...], "code", "message"}}`` shape;
Gmail and the auth layer add ``"status"`` (the gRPC code name). OAuth endpoints answer the
RFC 6749 ``{"error", "error_description"}`` shape instead.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..control import json_response

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    410: "NOT_FOUND",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

# https://developers.google.com/calendar/api/guides/errors#401_invalid_credentials
AUTH_MESSAGE = "Invalid Credentials"
MISSING_AUTH_MESSAGE = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)


class ApiError(Exception):
    """An error a Google REST API answers; ``api`` picks the body dialect."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str,
        *,
        domain: str = "global",
        api: str = "calendar",
        item_message: str | None = None,
        location: str | None = None,
        location_type: str | None = None,
        headers: dict | None = None,
        details: list | None = None,
        with_status: bool | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.api = api
        self.item_message = item_message or message
        self.location = location
        self.location_type = location_type
        self.headers = headers or {}
        self.details = details
        self.with_status = api != "calendar" if with_status is None else with_status

    def body(self) -> dict:
        item: dict[str, Any] = {
            "domain": self.domain,
            "reason": self.reason,
            "message": self.item_message,
        }
        if self.location_type:
            item["locationType"] = self.location_type
        if self.location:
            item["location"] = self.location
        err: dict[str, Any] = {"errors": [item], "code": self.code, "message": self.message}
        if self.with_status:
            err = {"code": self.code, "message": self.message, "errors": [item]}
            err["status"] = STATUS_NAMES.get(self.code, "UNKNOWN")
        if self.details:
            err["details"] = self.details
        return {"error": err}

    def response(self) -> Response:
        return json_response(self.body(), self.code, self.headers)


def not_found(api: str = "calendar", message: str | None = None) -> ApiError:
    if api == "gmail":
        return ApiError(404, message or "Requested entity was not found.", "notFound", api=api)
    return ApiError(404, message or "Not Found", "notFound", api=api)


def invalid(message: str, api: str = "calendar", reason: str = "invalid", **kw: Any) -> ApiError:
    return ApiError(400, message, reason, api=api, **kw)


def bad_request(message: str = "Bad Request", api: str = "calendar") -> ApiError:
    return ApiError(400, message, "badRequest", api=api)


def unauthenticated(missing: bool = False) -> ApiError:
    """401 as the Google front end answers it, with the WWW-Authenticate challenge."""
    realm = 'Bearer realm="https://accounts.google.com/"'
    if missing:
        return ApiError(
            401,
            MISSING_AUTH_MESSAGE,
            "required",
            item_message="Login Required.",
            location="Authorization",
            location_type="header",
            headers={"WWW-Authenticate": realm},
            with_status=True,
        )
    return ApiError(
        401,
        AUTH_MESSAGE,
        "authError",
        item_message="Invalid Credentials",
        location="Authorization",
        location_type="header",
        headers={"WWW-Authenticate": realm + ', error="invalid_token"'},
        with_status=True,
    )


def insufficient_scope(method_id: str, required: list[str]) -> ApiError:
    service = (
        "gmail.googleapis.com" if method_id.startswith("gmail") else "calendar-json.googleapis.com"
    )
    return ApiError(
        403,
        "Request had insufficient authentication scopes.",
        "insufficientPermissions",
        item_message="Insufficient Permission",
        headers={
            "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
            f'error="insufficient_scope", scope="{" ".join(required)}"'
        },
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": service, "method": method_id},
            }
        ],
        with_status=True,
    )


def backend_error(code: int = 500, api: str = "calendar") -> ApiError:
    if code == 503:
        return ApiError(503, "The service is currently unavailable.", "backendError", api=api)
    return ApiError(code, "Backend Error", "backendError", api=api)


class OAuthError(Exception):
    """An RFC 6749 error from the token or revoke endpoint."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> Response:
        body = {"error": self.error, "error_description": self.description}
        return json_response(body, self.status, {"Cache-Control": "no-store"})
