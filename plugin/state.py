"""Access to the running extension from inside the app context."""

from __future__ import annotations

from flask import current_app


def ext():
    return current_app.extensions["crm_sync"]


def session():
    """The host's SQLAlchemy session (the plugin never makes its own)."""
    return current_app.extensions["crm_sync"].db.session
