"""System settings: one row, edited in place (no list, no create, no delete).

The choosers offer only what the matching rules can use: the default event manager and the
virtual assistant must be active users, numbers stay in ranges the scheduler can honour.
"""

from __future__ import annotations

from flask import redirect, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.fields import QuerySelectField
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, ValidationError
from wtforms.widgets import Select

from ..models import Account, SystemSettings, User
from ..models.settings import INVITATION_HELP, INVITATION_POLICIES, SYNC_SCOPES
from ..settings import get_settings
from ..state import session
from .forms import AdminForm, add_error, normalize_blocklist, normalize_domain_list
from .security import SecureModelView


def _accounts():

    return session().scalars(select(Account).order_by(Account.name))


def _active_users():

    return session().scalars(select(User).where(User.is_active.is_(True)).order_by(User.name))


class StrictSelectField(QuerySelectField):
    """A chooser that refuses an id outside its query instead of quietly saving "none"
    (Flask-Admin's QuerySelectField's behaviour when blank is allowed)."""

    refusal = "{label}: not a valid choice."

    def __init__(self, label: str, **kwargs):
        kwargs.setdefault("widget", Select())  # a plain <select>: few rows, no search needed
        super().__init__(label, **kwargs)

    def pre_validate(self, form) -> None:
        submitted = getattr(self, "_formdata", None)
        if submitted is not None and self.data is None:
            raise ValidationError(self.refusal.format(label=self.label.text))
        try:
            super().pre_validate(form)
        except ValidationError as exc:
            raise ValidationError(self.refusal.format(label=self.label.text)) from exc


class ActiveUserField(StrictSelectField):
    """A user chooser offering active users only, saying plainly why another is refused."""

    refusal = "{label} must be an active CRM user."

    def __init__(self, label: str, **kwargs):
        super().__init__(label, query_factory=_active_users, allow_blank=True, **kwargs)


def _days(label: str, description: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired(), NumberRange(min=0, max=3650)],
        description=description,
    )


class SettingsForm(AdminForm):
    default_account = StrictSelectField(
        "Default account",
        query_factory=_accounts,
        allow_blank=True,
        blank_text="(none)",
        description="Event client when neither the booker nor the attendees match an account.",
    )
    default_event_manager = ActiveUserField(
        "Default event manager",
        blank_text="(none: the virtual assistant)",
        description="Event manager when events are not assigned to the booking user.",
    )
    virtual_assistant_user = ActiveUserField(
        "Virtual assistant user",
        blank_text="(none)",
        description="Booked-by and event manager of last resort.",
    )
    auto_assign_booker = BooleanField(
        "Automatically assign events to the user creating the booking"
    )
    client_from_attendees = BooleanField(
        "Find the event client from the attendees when the booker gives none"
    )
    sync_scope = SelectField("What syncs", choices=list(SYNC_SCOPES.items()))
    window_past_days = _days("Past days", "How far back a full sync reaches (0 to 3650).")
    window_future_days = _days("Future days", "How far ahead a full sync reaches (0 to 3650).")
    sync_interval_minutes = IntegerField(
        "Sync interval (minutes)",
        validators=[InputRequired(), NumberRange(min=1, max=1440)],
        description="How often each linked account is synced (1 to 1440).",
    )
    send_invitations = SelectField(
        "Send invitations for CRM meetings",
        choices=list(INVITATION_POLICIES.items()),
        description=INVITATION_HELP,
    )
    blocklist = TextAreaField(
        "Blocklist",
        description="One address or @domain per line; never creates interactions.",
        render_kw={"rows": 4},
    )
    freemail_domains = TextAreaField(
        "Free-mail domains",
        description="Never matched to an account by domain. One per line.",
        render_kw={"rows": 4},
    )


class SystemSettingsView(SecureModelView):
    can_create = False
    can_delete = False
    can_view_details = False
    can_export = False
    form = SettingsForm

    @expose("/")
    def index_view(self):
        """There is one row: the list is its edit page (created with defaults if missing)."""
        get_settings()
        session().commit()
        return redirect(url_for(".edit_view", id=1))

    def get_save_return_url(self, model, is_created: bool = False) -> str:
        return url_for(".edit_view", id=1)

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and not form.is_submitted():
            # Show lists one entry per line.
            form.freemail_domains.data = normalize_domain_list(obj.freemail_domains)[0]
        return form

    def validate_form(self, form) -> bool:
        ok = super().validate_form(form)
        if not hasattr(form, "blocklist"):
            return ok
        for field, normalize, what in (
            (form.blocklist, normalize_blocklist, "an address or domain"),
            (form.freemail_domains, normalize_domain_list, "a domain"),
        ):
            text, bad = normalize(field.data)
            if bad:
                add_error(field, f"Not {what}: " + ", ".join(bad))
                ok = False
            else:
                field.data = text
        return ok

    def get_one(self, id):
        return session().get(SystemSettings, 1) if str(id) == "1" else None
