"""Create, edit and delete appointments from the calendar screens.

These views only write rows (a new version, or a deletion tombstone) and, once the CRM's
transaction has committed, ask for a sync of the calendars concerned; the engine's outbound
step does the pushing (DESIGN section 5). They never call a provider.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..models import User
from ..permissions import is_admin, visible_event
from ..settings import get_settings
from ..state import session
from ..sync.matching import Person
from ..sync.outbound import (
    AppointmentFields,
    accounts_to_push,
    appointment_changes,
    delete_appointment,
    delete_series,
    edit_appointment,
    edit_series,
    new_appointment,
    request_push,
    series_occurrences,
)
from .appointment_people import account_choices, checked_email, labels_for, search_people
from .errors import add_error_pages
from .invitation_box import home_provider, invitation_box
from .timefmt import to_local, to_utc_naive, user_zone

bp = Blueprint("crm_sync_appointments", __name__)
add_error_pages(bp)


@bp.before_request
@login_required
def _require_login():
    """Appointments are for signed-in users; each one is checked against its owner."""


SCOPES = [("this", "This event"), ("series", "All events in the series")]


def _account_id(value) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class AppointmentForm(FlaskForm):
    """One form for timed, overnight and all-day meetings, so any meeting opened here saves
    back unchanged: a timed one has a start and an end date and time, an all-day one its
    first and last day."""

    title = StringField("Title", validators=[DataRequired(), Length(max=1024)])
    all_day = BooleanField("All day")
    day = DateField("Start date", validators=[DataRequired()])
    start = TimeField("Start time", validators=[Optional()])
    end_day = DateField("End date", validators=[Optional()])
    end = TimeField("End time", validators=[Optional()])
    location = StringField("Location", validators=[Optional(), Length(max=1024)])
    description = TextAreaField("Description", validators=[Optional()])
    # Any typed address is allowed (validate_choice off); validate_attendees checks each.
    attendees = SelectMultipleField("Attendees", coerce=str, validate_choice=False)
    account = SelectField("Related account", coerce=_account_id)
    send_invitations = BooleanField("Send invitations")
    # Shown for an occurrence of a recurring meeting only.
    scope = RadioField("Change", choices=SCOPES, default="this")

    def validate_attendees(self, field) -> None:
        emails, refused = [], []
        for value in field.data or []:
            try:
                emails.append(checked_email(value))
            except ValueError as exc:
                refused.append(str(exc))
        if refused:
            raise ValidationError(" ".join(refused))
        field.data = list(dict.fromkeys(emails))

    def validate(self, extra_validators=None) -> bool:
        """Checks across fields, after each field's own (Optional stops a field's chain)."""
        if not super().validate(extra_validators):
            return False
        if self.all_day.data:
            if self.end_day.data and self.end_day.data < self.day.data:
                self.end_day.errors.append("The last day must not be before the first.")
                return False
            return True
        if self.start.data is None:
            self.start.errors.append("Enter a start time, or tick All day.")
            return False
        if self.end.data is None:
            self.end.errors.append("Enter an end time, or tick All day.")
            return False
        first = datetime.combine(self.day.data, self.start.data)
        if datetime.combine(self.end_day.data or self.day.data, self.end.data) <= first:
            self.end.errors.append("The end must be after the start.")
            return False
        return True


MATCHED = "Matched from the booker and guests"


def _prepare(form: AppointmentForm, event=None) -> None:
    """The choices this viewer gets: the chosen attendees (the picker searches for more) and
    the accounts they may see; the invitations box as the admin's setting allows."""
    chosen = list(form.attendees.data or [])
    if not form.is_submitted() and event is not None:
        chosen = _guests(event)
    names = labels_for(chosen)
    form.attendees.choices = [
        (e, f"{names[e]} <{e}>" if names.get(e) else e) for e in dict.fromkeys(chosen)
    ]
    current = event.client_account_id if event is not None else None
    form.account.choices = [("", MATCHED)] + account_choices(current_user, current)
    owner = event.owner_user_id if event is not None else current_user.id
    form.invitations = invitation_box(
        get_settings().send_invitations, event is not None, home_provider(session(), owner)
    )
    if not form.invitations.enabled:
        form.send_invitations.render_kw = {"disabled": True}


def _guests(event) -> list[str]:
    return [p.email for p in event.participants if p.role not in ("organizer", "from")]


def _fields(form: AppointmentForm, event=None) -> AppointmentFields:
    """The form as AppointmentFields. Typed times are in the viewer's zone; a meeting being
    edited keeps its own zone (a Berlin series stays in Berlin when a New Yorker edits it)."""
    zone = user_zone(current_user)
    names = labels_for(form.attendees.data)
    chosen = form.account.data
    known = event.client_account_id if event is not None else None
    if event is not None and not form.invitations.enabled:
        sends = bool(event.send_invitations)  # the disabled box is not posted: keep it
    else:
        sends = form.invitations.enabled and bool(form.send_invitations.data)
    common = dict(
        title=form.title.data,
        location=form.location.data or None,
        # Browsers send a textarea with CRLF line ends; the stored text has LF.
        description=(form.description.data or "").replace("\r\n", "\n") or None,
        timezone=(event.timezone if event is not None and event.timezone else zone.key),
        attendees=tuple(Person(e, names.get(e)) for e in form.attendees.data),
        send_invitations=sends,
        # The matched client is the default: only a different pick is stored as chosen.
        choose_client=chosen != known or bool(event is not None and event.client_manual),
        client_account_id=chosen,
    )
    first = form.day.data
    if form.all_day.data:
        after = (form.end_day.data or first) + timedelta(days=1)  # exclusive, as stored
        return AppointmentFields(
            start_at=datetime.combine(first, time()),
            end_at=datetime.combine(after, time()),
            all_day=True,
            start_date=first,
            end_date=after,
            **common,
        )
    start = to_utc_naive(datetime.combine(first, form.start.data), zone)
    end = to_utc_naive(datetime.combine(form.end_day.data or first, form.end.data), zone)
    return AppointmentFields(start_at=start, end_at=end, **common)


def _fill(form: AppointmentForm, event) -> None:
    """The edit form as the meeting is, so Save without changes changes nothing."""
    zone = user_zone(current_user)
    form.title.data = event.title
    form.all_day.data = bool(event.all_day and event.start_date)
    if form.all_day.data:
        form.day.data = event.start_date
        form.end_day.data = (event.end_date or event.start_date + timedelta(days=1)) - timedelta(
            days=1
        )
    else:
        start, end = to_local(event.start_at, zone), to_local(event.end_at, zone)
        form.day.data, form.start.data = start.date(), start.time()
        form.end_day.data, form.end.data = end.date(), end.time()
    form.location.data, form.description.data = event.location, event.description


def _editable(event_id: int):
    """The appointment if the viewer owns it, holds a copy in a linked calendar, or is admin."""
    event = visible_event(current_user, event_id)
    mine = event.owner_user_id == current_user.id or any(
        link.linked_account.user_id == current_user.id for link in event.links
    )
    if not (mine or is_admin(current_user)):
        abort(404)
    return event


@bp.get("/people")
def people():
    """The attendee picker's search: users and contacts matching ?q=, as JSON."""
    return jsonify(results=search_people(current_user, request.args.get("q", "")))


def _render(form: AppointmentForm, event=None):
    return render_template(
        "crm_sync/appointments/form.html", form=form, event=event, zone=user_zone(current_user).key
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = AppointmentForm()
    _prepare(form)
    if form.validate_on_submit():
        s = session()
        owner = s.get(User, current_user.id)
        event = new_appointment(s, owner, _fields(form))
        targets = accounts_to_push(s, [], [owner.id])
        s.commit()
        request_push(targets)
        flash("Appointment created.", "success")
        return redirect(url_for("crm_sync_calendar.event_detail", event_id=event.id))
    if not form.is_submitted():
        start = (datetime.now(user_zone(current_user)) + timedelta(hours=1)).replace(
            minute=0, second=0, microsecond=0
        )
        end = start + timedelta(minutes=30)
        form.day.data, form.start.data = start.date(), start.time()
        form.end_day.data, form.end.data = end.date(), end.time()
        form.send_invitations.data = form.invitations.default
    return _render(form)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int):
    event = _editable(event_id)
    form = AppointmentForm()
    _prepare(form, event)
    if form.validate_on_submit():
        fields = _fields(form, event)
        # The box decides whether this save mails the guests; alone it changes nothing.
        if not [c for c in appointment_changes(event, fields) if c != "send_invitations"]:
            flash("Nothing changed, so nothing was saved.", "info")
            return redirect(url_for("crm_sync_calendar.event_detail", event_id=event.id))
        s = session()
        if event.instance_key and form.scope.data == "series":
            ids = [o.id for o in series_occurrences(s, event)]
            edit_series(s, event, fields)
        else:
            ids = [event.id]
            edit_appointment(s, event, fields)
        targets = accounts_to_push(s, ids, [event.owner_user_id])
        s.commit()
        request_push(targets)
        flash("Appointment saved.", "success")
        return redirect(url_for("crm_sync_calendar.event_detail", event_id=event.id))
    if not form.is_submitted():
        _fill(form, event)
        form.attendees.data = _guests(event)
        form.account.data = event.client_account_id
        form.send_invitations.data = form.invitations.default
    return _render(form, event)


@bp.post("/<int:event_id>/delete")
def delete(event_id: int):
    event = _editable(event_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400, "The form expired; please try again.")
    s = session()
    whole = bool(event.instance_key) and request.form.get("scope") == "series"
    occurrences = series_occurrences(s, event) if whole else [event]
    targets = accounts_to_push(s, [o.id for o in occurrences], [event.owner_user_id])
    (delete_series if whole else delete_appointment)(s, event)
    s.commit()
    request_push(targets)
    flash("Every meeting of the series deleted." if whole else "Appointment deleted.", "success")
    return redirect(url_for("crm_sync_calendar.index"))
