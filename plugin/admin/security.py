"""Admin screens are for admins: anonymous visitors go to log in, other users get 403."""

from __future__ import annotations

from flask import current_app, redirect, request, url_for
from flask_admin import AdminIndexView
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from ..blueprints.errors import error_page
from .display import DETAIL_TYPE_FORMATTERS, TYPE_FORMATTERS, FilterConverter
from .forms import AdminForm, check_known_rows, name_blank_choices


def _is_admin() -> bool:
    return bool(current_user.is_authenticated and getattr(current_user, "is_admin", False))


def _here() -> str:
    """This page as a relative URL (path and query), the only kind a login's `next=` follows."""
    query = request.query_string.decode("latin-1")
    return request.script_root + request.path + (f"?{query}" if query else "")


def _refuse():
    if not current_user.is_authenticated:
        return redirect(url_for(current_app.config["CRM_SYNC_LOGIN_VIEW"], next=_here()))
    return error_page(Forbidden())


class AdminOnly:
    def is_accessible(self) -> bool:
        return _is_admin()

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()


class SecureIndexView(AdminOnly, AdminIndexView):
    """The admin home: the way back to the CRM and log out, besides the menu."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("template", "crm_sync/admin/index.html")
        super().__init__(*args, **kwargs)


class SecureModelView(AdminOnly, ModelView):
    form_base_class = AdminForm  # carries Flask-WTF's CSRF token
    page_size = 50
    can_view_details = True
    # Times to the minute in the admin's zone, and date filters read in that zone.
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS
    filter_converter = FilterConverter()

    def create_form(self, obj=None):
        return name_blank_choices(super().create_form(obj))

    def edit_form(self, obj=None):
        return name_blank_choices(super().edit_form(obj))

    def validate_form(self, form) -> bool:
        """Flask-Admin's checks, and no row select silently saved blank for an unknown id."""
        ok = super().validate_form(form)
        return check_known_rows(form) and ok
