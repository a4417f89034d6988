"""How the admin lists show values: times to the minute in the admin's own zone, and date
filters that read what the admin types in that zone too (columns hold naive UTC)."""

from __future__ import annotations

from datetime import datetime

from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model import typefmt
from flask_login import current_user
from markupsafe import Markup, escape

from ..blueprints.providers import PROVIDERS
from ..blueprints.timefmt import local_text, to_utc_naive, user_zone

# Provider names as the link picker shows them ("Microsoft Exchange (on-premises)").
PROVIDER_NAMES = {p.key: p.label for p in PROVIDERS}


def admin_zone():
    return user_zone(current_user)


def time_cell(view, value: datetime, name: str = "") -> Markup:
    """'Mon 23 Nov 2026, 10:15 CET': the zone is named in every cell. A narrow column
    breaks it after the date, never inside the time."""
    day, _, clock = local_text(value, admin_zone()).rpartition(", ")
    return Markup('<span class="crm-time"><span>{},</span> <span>{}</span></span>').format(
        day, clock
    )


TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: time_cell}
DETAIL_TYPE_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, datetime: time_cell}


def labelled(table: dict[str, str], attr: str, fallback: str | None = None):
    """A column formatter showing `table[value]` ("Google Calendar" for "google")."""

    def _cell(view, context, model, name) -> str:
        value = getattr(model, attr)
        return table.get(value, fallback if fallback is not None else value or "")

    return _cell


def sanitized_html(view, context, model, name) -> Markup:
    """Email HTML through the allow-list again when shown (stored HTML is cleaned already,
    but a row written before that, or by hand, must not reach the page raw)."""
    from ..sync.sanitize import sanitize_html

    html = getattr(model, name)
    if not html:
        return Markup("")
    return Markup('<div class="crm-admin-email-body">{}</div>').format(Markup(sanitize_html(html)))


def plain_text(view, context, model, name) -> Markup:
    text = getattr(model, name)
    return Markup('<pre class="crm-admin-email-text">{}</pre>').format(escape(text or ""))


class _LocalTimeFilter:
    """A date-time filter whose typed value is in the admin's zone, compared in UTC."""

    def clean(self, value):
        cleaned = super().clean(value)
        zone = admin_zone()
        if isinstance(cleaned, list):
            return [to_utc_naive(v, zone) for v in cleaned]
        return to_utc_naive(cleaned, zone)


def _local(cls):
    return type(cls.__name__, (_LocalTimeFilter, cls), {})


class FilterConverter(sqla_filters.FilterConverter):
    datetime_filters = tuple(
        _local(f) if f is not sqla_filters.FilterEmpty else f
        for f in sqla_filters.FilterConverter.datetime_filters
    )
