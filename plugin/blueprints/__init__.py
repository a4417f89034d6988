"""One blueprint per feature; each only reads and writes rows, never calls a provider
(the link flow's credential exchange is the one exception)."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .menu import bp as menu_bp

    prefix = app.config["CRM_SYNC_URL_PREFIX"]
    app.register_blueprint(menu_bp, url_prefix=prefix)
