"""The plugin's forms; FlaskForm so each carries the host's CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField
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
