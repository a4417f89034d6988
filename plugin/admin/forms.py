"""Form pieces the admin screens share: a CSRF-protected base form, syntax checks for email
addresses and domains, and the normalization every stored address goes through."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.form import BaseForm
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from ..models import normalize_domain, normalize_email

# RFC 1035 labels (letters, digits, inner hyphens, at most 63 chars), at least two labels,
# a top-level label that is not all digits.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"^(?=.{{1,253}}$)({_LABEL}\.)+(?!\d+$){_LABEL}$")


class AdminForm(BaseForm, FlaskForm):
    """Flask-Admin's form with Flask-WTF's CSRF token, so the plugin's admin forms are
    protected even in a host that does not use CSRFProtect (and agree with it when it does)."""


def is_valid_domain(value: str) -> bool:
    return bool(DOMAIN_RE.match(value))


def is_valid_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def email_syntax(form, field) -> None:
    """WTForms validator: a syntactically valid address (no DNS lookup)."""
    if field.data and not is_valid_email(field.data):
        raise ValidationError(f"“{field.data}” is not a valid email address.")


def domain_syntax(form, field) -> None:
    """WTForms validator: a host name such as example.com (no scheme, path or address)."""
    if field.data and not is_valid_domain(field.data):
        raise ValidationError(
            f"“{field.data}” is not a valid domain; enter a name such as example.com."
        )


def email_filter(value):
    return normalize_email(value) if isinstance(value, str) else value


def domain_filter(value):
    return normalize_domain(value) if isinstance(value, str) else value


def parse_entries(text: str | None) -> list[str]:
    """Split a textarea of addresses or domains (lines, spaces or commas) into entries."""
    return [e for e in (text or "").replace(",", " ").split() if e]


def normalize_domain_list(text: str | None) -> tuple[str, list[str]]:
    """(one normalized domain per line, the entries that are not domains)."""
    seen, bad = [], []
    for raw in parse_entries(text):
        domain = normalize_domain(raw)
        if not is_valid_domain(domain):
            bad.append(raw)
        elif domain not in seen:
            seen.append(domain)
    return "\n".join(seen), bad


def normalize_blocklist(text: str | None) -> tuple[str, list[str]]:
    """(one normalized address or @domain per line, the entries that are neither)."""
    seen, bad = [], []
    for raw in parse_entries(text):
        if "@" in raw.lstrip("@"):
            entry = normalize_email(raw)
            ok = is_valid_email(entry)
        else:
            entry = "@" + normalize_domain(raw)
            ok = is_valid_domain(entry[1:])
        if not ok:
            bad.append(raw)
        elif entry not in seen:
            seen.append(entry)
    return "\n".join(seen), bad


def known_row(field) -> bool:
    """A select of rows (Flask-Admin's QuerySelectField) whose submitted id names a row, or
    that was left blank. The field itself takes an unknown id as blank: "no account"."""
    raw_data = getattr(field, "raw_data", None)
    raw = raw_data[0] if raw_data else None
    return raw in (None, "", "__None") or field.data is not None


def check_known_rows(form) -> bool:
    """Refuse, on the field, every row select whose id names no row."""
    ok = True
    for field in form:
        if isinstance(field, QuerySelectField) and not field.errors and not known_row(field):
            add_error(
                field,
                f"There is no {field.label.text.lower()} with id “{field.raw_data[0]}”; "
                "pick one from the list.",
            )
            ok = False
    return ok


BLANK_CHOICE = "(none)"


def name_blank_choices(form):
    """Give every optional select's empty choice a name: left blank, Flask-Admin's select
    shows the choice's value, "__None", to the admin."""
    for field in form:
        if getattr(field, "allow_blank", False) and not (field.blank_text or "").strip():
            field.blank_text = BLANK_CHOICE
    return form


def live_entries(list_field) -> list:
    """The inline sub-forms that are not ticked for deletion."""
    return [f for f in list_field.entries if not list_field.should_delete(f)]


def add_error(field, message: str) -> None:
    """Attach a form-level message to a field (tuple errors become lists after validate)."""
    if isinstance(field.errors, tuple):
        field.errors = list(field.errors)
    field.errors.append(message)
