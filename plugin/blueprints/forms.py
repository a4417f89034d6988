"""The plugin's forms; FlaskForm so each carries the host's CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField
from wtforms.validators import DataRequired


class StartLinkForm(FlaskForm):
    """Continue to the provider's log-in; login_hint pre-fills it on re-link, and `feed`
    ("calendar" / "mail") asks only for that feed's permission, added to what was granted."""

    login_hint = HiddenField()
    feed = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes state (sync now, pause, resume): only the CSRF token."""


class SyncOptionsForm(FlaskForm):
    sync_calendar = BooleanField("Calendar")
    sync_email = BooleanField("Email")


class UnlinkForm(FlaskForm):
    keep_items = RadioField(
        "What happens to the items already synced?",
        choices=[
            ("keep", "Keep the items already synced in the CRM"),
            ("remove", "Remove them from the CRM"),
        ],
        default="keep",
        validators=[DataRequired()],
    )
