"""Create, edit and delete appointments from the calendar screens.

These views only write rows (a new version, or a deletion tombstone) and, once the CRM's
transaction has committed, ask for a sync of the calendars concerned; the engine's outbound
step does the pushing (DESIGN section 5). They never call a provider.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..models import Contact, ContactEmail, User, UserEmail
from ..permissions import is_admin, visible_event
from ..state import session
from ..sync.matching import Person
from ..sync.outbound import (
    AppointmentFields,
    accounts_to_push,
    appointment_changes,
    delete_appointment,
    edit_appointment,
    new_appointment,
    request_push,
)
from .errors import add_error_pages
from .timefmt import to_local, to_utc_naive, user_zone

bp = Blueprint("crm_sync_appointments", __name__)
add_error_pages(bp)


@bp.before_request
@login_required
def _require_login():
    """Appointments are for signed-in users; each one is checked against its owner."""


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
    attendees = SelectMultipleField("Attendees (contacts and users)", coerce=str)
    send_invitations = BooleanField("Send invitations", default=True)

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


def _people_choices() -> list[tuple[str, str]]:
    """Every CRM contact's and user's email, the people an appointment may invite."""
    s = session()
    rows = s.execute(
        select(Contact.name, ContactEmail.email).join(ContactEmail).order_by(Contact.name)
    ).all()
    users = s.execute(select(User.name, UserEmail.email).join(UserEmail).order_by(User.name))
    choices = [(email, f"{name} <{email}> (contact)") for name, email in rows]
    choices += [
        (email, f"{name} <{email}> (user)")
        for name, email in users
        if email.lower() != (getattr(current_user, "email", "") or "").lower()
    ]
    return choices


def _fields(form: AppointmentForm, event=None) -> AppointmentFields:
    """The form as AppointmentFields. Typed times are in the viewer's zone; a meeting being
    edited keeps its own zone (a Berlin series stays in Berlin when a New Yorker edits it)."""
    zone = user_zone(current_user)
    names = dict(form.attendees.choices)
    common = dict(
        title=form.title.data,
        location=form.location.data or None,
        # Browsers send a textarea with CRLF line ends; the stored text has LF.
        description=(form.description.data or "").replace("\r\n", "\n") or None,
        timezone=(event.timezone if event is not None and event.timezone else zone.key),
        attendees=tuple(
            Person(e, names.get(e, "").split(" <")[0] or None) for e in form.attendees.data
        ),
        send_invitations=bool(form.send_invitations.data),
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


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = AppointmentForm()
    form.attendees.choices = _people_choices()
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
    return render_template(
        "crm_sync/appointments/form.html", form=form, event=None, zone=user_zone(current_user).key
    )


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int):
    event = _editable(event_id)
    form = AppointmentForm()
    form.attendees.choices = _people_choices()
    known = {value for value, _ in form.attendees.choices}
    current = [p.email for p in event.participants if p.role not in ("organizer", "from")]
    form.attendees.choices += [(e, e) for e in current if e not in known]
    if form.validate_on_submit():
        fields = _fields(form, event)
        if not appointment_changes(event, fields):
            flash("Nothing changed, so nothing was saved.", "info")
            return redirect(url_for("crm_sync_calendar.event_detail", event_id=event.id))
        s = session()
        edit_appointment(s, event, fields)
        targets = accounts_to_push(s, [event.id], [event.owner_user_id])
        s.commit()
        request_push(targets)
        flash("Appointment saved.", "success")
        return redirect(url_for("crm_sync_calendar.event_detail", event_id=event.id))
    if not form.is_submitted():
        _fill(form, event)
        form.attendees.data = current
        form.send_invitations.data = event.send_invitations
    return render_template(
        "crm_sync/appointments/form.html", form=form, event=event, zone=user_zone(current_user).key
    )


@bp.post("/<int:event_id>/delete")
def delete(event_id: int):
    event = _editable(event_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400, "The form expired; please try again.")
    s = session()
    targets = accounts_to_push(s, [event.id], [event.owner_user_id])
    delete_appointment(s, event)
    s.commit()
    request_push(targets)
    flash("Appointment deleted.", "success")
    return redirect(url_for("crm_sync_calendar.index"))
