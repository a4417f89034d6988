"""Flask-Admin screens for the plugin, for admins only."""

from __future__ import annotations

from flask import Flask


def register_admin(app: Flask, db, admin=None):
    """Add the plugin's views to the host's Admin, or to one of its own."""
    from flask_admin import Admin
    from flask_admin.theme import Bootstrap4Theme

    from .security import SecureIndexView
    from .views import add_views

    if admin is None:
        admin = Admin(
            app,
            name="CRM Sync",
            url=app.config["CRM_SYNC_ADMIN_URL"],
            endpoint="crm_sync_admin",
            index_view=SecureIndexView(
                url=app.config["CRM_SYNC_ADMIN_URL"], endpoint="crm_sync_admin"
            ),
            theme=Bootstrap4Theme(base_template="crm_sync/admin/master.html", fluid=True),
        )
    add_views(admin, db)
    from ..blueprints.menu import add_menu_item

    add_menu_item("Admin", f"{admin.index_view.endpoint}.index", admin_only=True)
    return admin
