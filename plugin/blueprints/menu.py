"""The profile dropdown a host drops into its navbar: {% include "crm_sync/_profile_menu.html" %}.

Feature blueprints add their entries with `add_menu_item`, so the include always lists exactly
the pages that are mounted.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request, url_for
from flask_login import current_user

from .errors import add_error_pages

bp = Blueprint(
    "crm_sync",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/static",
)
add_error_pages(bp)

MENU: list[tuple[str, str, bool]] = []  # (label, endpoint, admin_only), in display order


def add_menu_item(label: str, endpoint: str, admin_only: bool = False) -> None:
    if (label, endpoint, admin_only) not in MENU:
        MENU.append((label, endpoint, admin_only))


@bp.app_context_processor
def menu_context():
    def crm_sync_menu_items():
        items = []
        for label, endpoint, admin_only in MENU:
            if endpoint not in current_app.view_functions:
                continue
            if admin_only and not getattr(current_user, "is_admin", False):
                continue
            items.append({"label": label, "url": url_for(endpoint)})
        return items

    def crm_sync_logout_url():
        """The host's log-out (POST) if it has one named "logout", else None."""
        return url_for("logout") if "logout" in current_app.view_functions else None

    def crm_sync_home_url():
        """The host CRM's home page: the root of the application."""
        return request.script_root + "/"

    # current_app: the include checks which host endpoints exist (e.g. logout).
    return {
        "crm_sync_menu_items": crm_sync_menu_items,
        "crm_sync_logout_url": crm_sync_logout_url,
        "crm_sync_home_url": crm_sync_home_url,
        "current_app": current_app,
    }
