"""Admin screens for CRM people: users with their email accounts, contacts with primary and
alternate emails, accounts with their email domains.

The uniqueness rule (an address belongs to at most one user and to at most one contact) is
checked while validating the form, so a clash is a message beside the field, never an
IntegrityError.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_admin.model.form import InlineFormAdmin
from markupsafe import Markup, escape
from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import get_history
from werkzeug.security import generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..models import AccountDomain, ContactEmail, UserEmail
from ..state import session
from .forms import add_error, domain_filter, domain_syntax, email_filter, email_syntax, live_entries
from .security import SecureModelView


class EmailInline(InlineFormAdmin):
    """One address row. The uniqueness check is the view's (with a message naming the other
    owner), so Flask-Admin's generic "Already exists." validator is replaced here."""

    form_columns = ["id", "email", "is_primary"]
    form_label = "Email addresses"
    column_labels = {"is_primary": "Primary"}

    def postprocess_form(self, form_class):
        form_class.email = StringField(
            "Email",
            filters=[email_filter],
            validators=[InputRequired(), Length(max=320), email_syntax],
        )
        return form_class


class DomainInline(InlineFormAdmin):
    form_columns = ["id", "domain"]
    form_label = "Email domains"

    def postprocess_form(self, form_class):
        form_class.domain = StringField(
            "Domain",
            filters=[domain_filter],
            validators=[InputRequired(), Length(max=253), domain_syntax],
            description="e.g. example.com; one domain may be on several accounts",
        )
        return form_class


def _emails_cell(view, context, model, name) -> Markup:
    items = []
    for e in model.emails:
        text = escape(e.email)
        items.append(Markup("<strong>{}</strong>").format(text) if e.is_primary else text)
    return Markup(", ").join(items)


def rewrite_collection(session, model, attr: str, columns: tuple[str, ...]) -> None:
    """Write a changed inline list in two steps (clear, flush, add), so moving a primary flag,
    an address or a domain between rows never trips a unique index halfway through a flush."""
    # Flask-Admin marks a removed inline row with session.delete() and leaves it in the list.
    rows = [r for r in getattr(model, attr) if r not in session.deleted]
    changed = len(rows) != len(getattr(model, attr)) or get_history(model, attr).has_changes()
    changed = changed or any(inspect(r).pending or inspect(r).modified for r in rows)
    if not changed:
        return
    wanted = [{c: getattr(r, c) for c in columns} for r in rows]
    row_class = type(model).__mapper__.relationships[attr].mapper.class_
    setattr(model, attr, [])
    session.flush()
    setattr(model, attr, [row_class(**values) for values in wanted])


class _EmailOwnerView(SecureModelView):
    """A model with an inline list of addresses that must be unique across its kind."""

    email_model: type = UserEmail
    owner_column = "user_id"
    owner_label = "user"
    requires_email = False

    def validate_form(self, form) -> bool:
        if not super().validate_form(form):
            return False
        if not hasattr(form, "emails"):
            return True  # delete and action forms
        return self._check_emails(form)

    def _check_emails(self, form) -> bool:
        entries = live_entries(form.emails)
        owner = getattr(form, "_obj", None)
        owner_id = getattr(owner, "id", None)
        ok = True
        if not entries and self.requires_email:
            add_error(form.emails, f"A {self.owner_label} needs at least one email address.")
            return False
        seen: set[str] = set()
        for entry in entries:
            field = entry.form.email
            address = field.data
            if address in seen:
                add_error(field, f"{address} is listed twice.")
                ok = False
                continue
            seen.add(address)
            holder = self._holder_of(address, owner_id)
            if holder is not None:
                add_error(
                    field,
                    f"{address} already belongs to {self.owner_label} “{holder}”: an address "
                    f"belongs to at most one {self.owner_label}.",
                )
                ok = False
        primaries = sum(1 for entry in entries if entry.form.is_primary.data)
        if entries and primaries == 0:
            # None ticked: the first address is the primary one, as the form pre-ticks it.
            entries[0].form.is_primary.data = True
            primaries = 1
        if entries and primaries != 1:
            add_error(form.emails, "Mark exactly one email address as primary.")
            ok = False
        return ok

    def _holder_of(self, address: str, owner_id: int | None):
        """The other user or contact that already has `address`, if any."""
        owner_col = getattr(self.email_model, self.owner_column)
        query = select(self.email_model).where(self.email_model.email == address)
        if owner_id is not None:
            query = query.where(owner_col != owner_id)
        with session().no_autoflush:
            row = session().scalar(query.limit(1))
        return (
            None if row is None else (row.user if self.owner_column == "user_id" else row.contact)
        )

    def on_model_change(self, form, model, is_created: bool) -> None:
        if not is_created:
            rewrite_collection(session(), model, "emails", ("email", "is_primary"))


class UserView(_EmailOwnerView):
    email_model = UserEmail
    owner_column = "user_id"
    owner_label = "user"
    requires_email = True

    column_list = ["name", "emails", "is_admin", "is_active", "linked_contact", "linked_account"]
    column_labels = {
        "emails": "Email addresses",
        "is_admin": "Admin",
        "is_active": "Active",
        "linked_contact": "Linked contact",
        "linked_account": "Linked company",
    }
    column_formatters = {"emails": _emails_cell}
    column_searchable_list = ["name", "emails.email"]
    column_filters = ["is_admin", "is_active"]
    column_default_sort = "name"
    form_columns = [
        "name",
        "emails",
        "is_admin",
        "is_active",
        "timezone",
        "linked_contact",
        "linked_account",
        "new_password",
    ]
    form_extra_fields = {
        "new_password": PasswordField(
            "New password",
            validators=[Optional(), Length(min=8, max=200)],
            description="Leave empty to keep the current password.",
        )
    }
    form_choices = {"timezone": [(tz, tz) for tz in sorted(available_timezones())]}
    form_args = {
        "name": {"validators": [InputRequired(), Length(max=200)]},
        "linked_contact": {"description": "A user is linked to a contact or to a company."},
        "linked_account": {"label": "Linked company"},
    }
    inline_models = [EmailInline(UserEmail)]
    column_details_exclude_list = ["password_hash"]

    def validate_form(self, form) -> bool:
        ok = super().validate_form(form)
        contact = getattr(form, "linked_contact", None)
        company = getattr(form, "linked_account", None)
        if contact is not None and company is not None and contact.data and company.data:
            add_error(company, "Link the user to a contact or to a company, not both.")
            return False
        return ok

    def on_model_change(self, form, model, is_created: bool) -> None:
        super().on_model_change(form, model, is_created)
        if form.new_password.data:
            model.password_hash = generate_password_hash(form.new_password.data)


class ContactView(_EmailOwnerView):
    email_model = ContactEmail
    owner_column = "contact_id"
    owner_label = "contact"

    column_list = ["name", "account", "emails"]
    column_labels = {"emails": "Emails (primary in bold)", "account": "Account"}
    column_formatters = {"emails": _emails_cell}
    column_searchable_list = ["name", "emails.email"]
    column_filters = ["account.name"]
    column_default_sort = "name"
    form_columns = ["name", "account", "emails"]
    form_args = {"name": {"validators": [InputRequired(), Length(max=200)]}}
    inline_models = [EmailInline(ContactEmail)]


def _domains_cell(view, context, model, name) -> str:
    return ", ".join(d.domain for d in model.domains)


class AccountView(SecureModelView):
    column_list = ["name", "domains", "contacts"]
    column_labels = {"domains": "Email domains"}
    column_formatters = {
        "domains": _domains_cell,
        "contacts": lambda v, c, m, n: len(m.contacts),
    }
    column_searchable_list = ["name", "domains.domain"]
    column_default_sort = "name"
    form_columns = ["name", "domains"]
    form_args = {"name": {"validators": [InputRequired(), Length(max=200)]}}
    inline_models = [DomainInline(AccountDomain)]

    def validate_form(self, form) -> bool:
        if not super().validate_form(form):
            return False
        if not hasattr(form, "domains"):
            return True
        seen: set[str] = set()
        ok = True
        for entry in live_entries(form.domains):
            field = entry.form.domain
            if field.data in seen:
                add_error(field, f"{field.data} is listed twice.")
                ok = False
            seen.add(field.data)
        return ok

    def on_model_change(self, form, model, is_created: bool) -> None:
        if not is_created:
            rewrite_collection(session(), model, "domains", ("domain",))
