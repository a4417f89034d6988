"""403 and 404 on the plugin's pages render in the host's layout with a way back, instead of
Werkzeug's bare pages; JSON endpoints (the calendar feeds) keep their plain answers, since a
script reads them, not a person."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from werkzeug.exceptions import HTTPException

TITLES = {
    403: (
        "Not allowed",
        "You don't have access to this page. Ask an administrator if you need it.",
    ),
    404: ("Page not found", "This page does not exist, or it was moved or removed."),
}


def wants_page() -> bool:
    """A person's browser asks for HTML; fetch() calls from the calendar ask for JSON."""
    if (request.endpoint or "").endswith("feed"):
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best != "application/json"


def error_page(error: HTTPException):
    """The page for `error` in the plugin's (so the host's) layout, or the error unchanged."""
    if error.code not in TITLES or not wants_page():
        return error
    title, text = TITLES[error.code]
    page = render_template("crm_sync/error.html", code=error.code, title=title, text=text)
    return page, error.code


def add_error_pages(*blueprints: Blueprint) -> None:
    for bp in blueprints:
        for code in TITLES:
            bp.register_error_handler(code, error_page)


def unknown_page(rest: str):
    """The view behind the catch-all rule under the plugin's prefix."""
    abort(404)
