"""The plugin's forms; FlaskForm so each carries the host's CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional


class StartLinkForm(FlaskForm):
    """Continue to the provider's log-in; login_hint pre-fills it on re-link, and `feed`
    ("calendar" / "mail") asks only for that feed's permission, added to what was granted."""

    login_hint = HiddenField()
    feed = HiddenField()


class ExchangeLinkForm(FlaskForm):
    """Log in to an on-premises Exchange server; the password is never rendered back."""

    email = EmailField("Email address", validators=[DataRequired(), Email(), Length(max=320)])
    server = StringField(
        "Server",
        validators=[DataRequired(), Length(max=500)],
        description="The server name (mail.example.com) or its EWS URL "
        "(https://mail.example.com/EWS/Exchange.asmx).",
    )
    username = StringField(
        "User name",
        validators=[Optional(), Length(max=320)],
        description="Leave empty to use the email address; some servers want DOMAIN\\user.",
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    auth_type = RadioField(
        "Authentication",
        choices=[("ntlm", "NTLM (Windows)"), ("basic", "Basic")],
        default="ntlm",
        validators=[DataRequired()],
    )


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


def zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone the server knows, 'Europe/Berlin' as users pick them (no 'posix/')."""
    from zoneinfo import available_timezones

    names = sorted(z for z in available_timezones() if "/" in z or z == "UTC")
    names = [z for z in names if not z.startswith(("posix/", "right/", "Etc/", "SystemV/"))]
    return [(z, z.replace("_", " ")) for z in names]


class TimeZoneForm(FlaskForm):
    """The user's own time zone: every page, list and calendar shows times in it."""

    timezone = SelectField("Time zone", validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices()
