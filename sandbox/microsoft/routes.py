"""The Graph route table: each handler registers its path pattern, methods, operation name
(as counted by ``/_sandbox/calls``) and the permissions that allow it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

from .errors import GraphError

READ_CAL = ("calendars.read", "calendars.readwrite")
WRITE_CAL = ("calendars.readwrite",)
READ_MAIL = ("mail.read", "mail.readwrite")
SEND_MAIL = ("mail.send",)
ANY = ()


@dataclass
class Route:
    pattern: re.Pattern
    methods: tuple[str, ...]
    op: str
    scopes: tuple[str, ...]
    fn: Callable[..., Any]
    before: Callable[..., Any] | None = None  # runs outside the state lock (slow I/O)
    # A GET that stores what the client hands back later (delta and page tokens): the state
    # file is written after it too, or a crash would lose the client's deltaLink.
    saves: bool = False


ROUTES: list[Route] = []


def route(
    path: str,
    methods: tuple[str, ...],
    op: str,
    scopes: tuple[str, ...] = ANY,
    before: Callable[..., Any] | None = None,
    saves: bool = False,
):
    """``path`` is a regex over the path after ``/v1.0`` (literal parts match in any case,
    as Graph's do); named groups are passed to the handler. ``before(ctx, **groups)`` runs
    first, outside the state lock, for work that waits on the network; what it returns is
    ``ctx.prepared``. ``saves`` marks a GET that stores state (see ``Route.saves``)."""

    def deco(fn):
        pattern = re.compile(f"^{path}/?$", re.IGNORECASE)
        ROUTES.append(Route(pattern, methods, op, scopes, fn, before, saves))
        return fn

    return deco


@dataclass
class Ctx:
    """One Graph call: the stand-in, the request, who makes it and their preferences."""

    sb: Any
    request: Request
    email: str
    client_id: str
    scopes: list[str]
    path: str
    prepared: Any = None

    @property
    def mailbox(self):
        return self.sb.mailbox(self.email)

    @property
    def now(self) -> float:
        return self.sb.clock.time()

    def prefer(self, name: str) -> str | None:
        """A ``Prefer`` header value, e.g. ``outlook.timezone`` or ``odata.maxpagesize``."""
        for header in self.request.headers.getlist("Prefer"):
            for part in header.split(","):
                key, _, value = part.strip().partition("=")
                if key.strip().lower() == name.lower():
                    return value.strip().strip('"')
        return None

    @property
    def time_zone(self) -> str:
        return self.prefer("outlook.timezone") or "UTC"

    def page_size(self, default: int) -> int:
        value = self.prefer("odata.maxpagesize")
        if value is None:
            return default
        try:
            return max(1, min(int(value), 1000))
        except ValueError:
            raise GraphError(400, f"Invalid odata.maxpagesize '{value}'.", "BadRequest") from None

    def body(self) -> dict:
        raw = self.request.get_data(as_text=True)
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise GraphError(
                400,
                "Unable to read JSON request payload. Please ensure "
                "Content-Type header is set and payload is of valid JSON format.",
                "BadRequest",
            ) from None
        if not isinstance(data, dict):
            raise GraphError(400, "Empty Payload. JSON content expected.", "BadRequest")
        return data

    def link(self, path_and_query: str) -> str:
        """An absolute link on the stand-in's own host."""
        return f"{self.sb.base_url}/v1.0{path_and_query}"
