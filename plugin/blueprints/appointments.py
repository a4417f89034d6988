"""Create, edit and delete appointments from the calendar screens.

These views only write rows (a new version, or a deletion tombstone) and, once the CRM's
transaction has committed, ask for a sync of the calendars concerned; the engine's outbound
step does the pushing (DESIGN section 5). They never call a provider.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..models import Contact, ContactEmail, User, UserEmail
from ..permissions import is_admin, visible_event
from ..state import session
from ..sync.matching import Person
from ..sync.outbound import (
    AppointmentFields,
    accounts_to_push,
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
    title = StringField("Title", validators=[DataRequired(), Length(max=1024)])
    day = DateField("Date", validators=[DataRequired()])
    start = TimeField("Start", validators=[DataRequired()])
    end = TimeField("End", validators=[DataRequired()])
    location = StringField("Location", validators=[Optional(), Length(max=1024)])
    description = TextAreaField("Description", validators=[Optional()])
    attendees = SelectMultipleField("Attendees (contacts and users)", coerce=str)
    send_invitations = BooleanField("Send invitations", default=True)

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError("The end must be after the start.")


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


def _fields(form: AppointmentForm) -> AppointmentFields:
    zone = user_zone(current_user)
    start = to_utc_naive(datetime.combine(form.day.data, form.start.data), zone)
    end = to_utc_naive(datetime.combine(form.day.data, form.end.data), zone)
    names = dict(form.attendees.choices)
    return AppointmentFields(
        title=form.title.data,
        start_at=start,
        end_at=end,
        location=form.location.data or None,
        description=form.description.data or None,
        timezone=zone.key,
        attendees=tuple(
            Person(e, names.get(e, "").split(" <")[0] or None) for e in form.attendees.data
        ),
        send_invitations=bool(form.send_invitations.data),
    )


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
        form.day.data, form.start.data = start.date(), start.time()
        form.end.data = (start + timedelta(minutes=30)).time()
    return render_template("crm_sync/appointments/form.html", form=form, event=None)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int):
    event = _editable(event_id)
    form = AppointmentForm()
    form.attendees.choices = _people_choices()
    known = {value for value, _ in form.attendees.choices}
    current = [p.email for p in event.participants if p.role not in ("organizer", "from")]
    form.attendees.choices += [(e, e) for e in current if e not in known]
    if form.validate_on_submit():
        s = session()
        edit_appointment(s, event, _fields(form))
        targets = accounts_to_push(s, [event.id], [event.owner_user_id])
        s.commit()
        request_push(targets)
        flash("Appointment saved.", "success")
        return redirect(url_for("crm_sync_calendar.event_detail", event_id=event.id))
    if not form.is_submitted():
        zone = user_zone(current_user)
        start, end = to_local(event.start_at, zone), to_local(event.end_at, zone)
        form.title.data, form.day.data = event.title, start.date()
        form.start.data, form.end.data = start.time(), end.time()
        form.location.data, form.description.data = event.location, event.description
        form.attendees.data = current
        form.send_invitations.data = event.send_invitations
    return render_template("crm_sync/appointments/form.html", form=form, event=event)


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
