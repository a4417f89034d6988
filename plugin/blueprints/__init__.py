"""One blueprint per feature; each only reads and writes rows, never calls a provider
(the link flow's credential exchange is the one exception)."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import link_microsoft  # noqa: F401 - adds the Microsoft 365 views to link_bp
    from .accounts import bp as accounts_bp
    from .appointments import bp as appointments_bp
    from .calendar import bp as calendar_bp
    from .errors import unknown_page
    from .link import bp as link_bp
    from .menu import add_menu_item
    from .menu import bp as menu_bp
    from .profile import bp as profile_bp

    prefix = app.config["CRM_SYNC_URL_PREFIX"].rstrip("/")
    app.register_blueprint(menu_bp, url_prefix=prefix)
    app.register_blueprint(link_bp, url_prefix=f"{prefix}/link")
    app.register_blueprint(profile_bp, url_prefix=f"{prefix}/settings")
    app.register_blueprint(calendar_bp, url_prefix=f"{prefix}/calendar")
    app.register_blueprint(appointments_bp, url_prefix=f"{prefix}/appointments")
    app.register_blueprint(accounts_bp, url_prefix=f"{prefix}/accounts")
    if prefix:  # an unknown page under the plugin's prefix gets the plugin's 404 page
        app.add_url_rule(f"{prefix}/<path:rest>", "crm_sync.unknown_page", unknown_page)
    # The profile dropdown, in Navusoft's order.
    add_menu_item("Link External Calendar/Email", "crm_sync_link.index")
    add_menu_item("Calendar & Email Settings", "crm_sync_profile.index")
    add_menu_item("My Calendar", "crm_sync_calendar.index")
    add_menu_item("Accounts", "crm_sync_accounts.index")
