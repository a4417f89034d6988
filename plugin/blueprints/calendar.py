"""User Calendar/Appointments: month, week and day views of the user's meetings and emails,
with appointment and email details. Admins may open anyone's calendar with ?user_id=.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..models import Account, User
from ..permissions import (
    calendar_owner,
    can_view_account,
    is_admin,
    may_read_body,
    user_email_clause,
    user_event_clause,
    visible_email,
    visible_event,
)
from ..state import session
from ..sync.sanitize import preview, preview_html
from . import feed
from .errors import error_page
from .timefmt import date_text, local_text, origin_text, span_text, user_zone

bp = Blueprint("crm_sync_calendar", __name__)


@bp.before_request
@login_required
def _require_login():
    """Calendars and details are for signed-in users; visibility is checked per item."""


def _owner():
    return calendar_owner(current_user, request.args.get("user_id", type=int))


def _extra(owner) -> dict:
    return {"user_id": owner.id} if owner.id != current_user.id else {}


def _items(owner, start, end) -> list[dict]:
    zone = user_zone(current_user)
    events = feed.events_in(user_event_clause(owner.id), start, end, zone)
    mails = feed.emails_in(user_email_clause(owner.id), start, end, zone)
    return [feed.event_item(e, zone, None) for e in events] + [
        feed.email_item(m, None) for m in mails
    ]


DETAILS = {"event_detail": "appointment", "email_detail": "email"}


@bp.errorhandler(404)
def _not_found(error):
    """An appointment or email the viewer may not see (or that is gone) gets a page that says
    so, in the CRM's layout; other pages get the plugin's error page, and the feeds' 404s
    stay plain."""
    what = DETAILS.get((request.endpoint or "").rpartition(".")[2])
    if what is None:
        return error_page(error)
    account_id = request.args.get("account_id", type=int)
    back = session().get(Account, account_id) if account_id else None
    if back is not None and not can_view_account(current_user, back):
        back = None  # its name is not for this viewer
    page = render_template("crm_sync/calendar/not_found.html", what=what, back_account=back)
    return page, 404


@bp.get("/")
def index():
    owner = _owner()
    extra = _extra(owner)
    users = []
    if is_admin(current_user):  # admins may open anyone's calendar
        users = list(session().scalars(select(User).order_by(User.name, User.id)))
    return render_template(
        "crm_sync/calendar/user.html",
        owner=owner,
        users=users,
        zone=user_zone(current_user).key,
        feed_url=url_for(".events_feed", **extra),
    )


@bp.get("/feed")
def events_feed():
    """FullCalendar's JSON feed; month view folds busy days into one "Events" item."""
    owner = _owner()
    start, end = feed.window(user_zone(current_user))
    items = _items(owner, start, end)
    if request.args.get("view") == feed.DAY_GRID:
        items = feed.aggregate(items, ".day_list", **_extra(owner))
    return jsonify(items)


@bp.get("/day")
def day_list():
    """The items on one date (what the "Events" item opens)."""
    owner = _owner()
    day = _day_arg()
    zone = user_zone(current_user)
    start, end = feed.day_window(day, zone)
    return jsonify(
        {"date": day.isoformat(), "items": feed.day_items(_items(owner, start, end), day)}
    )


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args["date"])
    except (KeyError, ValueError):
        abort(400, "date must be YYYY-MM-DD")


@bp.get("/events/<int:event_id>")
def event_detail(event_id: int):
    """An appointment: time in the viewer's zone, attendees with their contacts and accounts,
    event client, booked by, event manager, source."""
    account_id = request.args.get("account_id", type=int)
    event = visible_event(current_user, event_id, account_id)
    zone = user_zone(current_user)
    back_account = session().get(Account, account_id) if account_id else None
    return render_template(
        "crm_sync/calendar/event.html",
        event=event,
        zone=zone,
        span_text=span_text,
        date_text=date_text,
        origin=""
        if event.all_day
        else origin_text(event.start_at, event.end_at, event.timezone, zone),
        back_account=back_account,
        description=preview(event.description, what="Description"),
        # end_date is exclusive; people read the last day.
        last_day=event.end_date - timedelta(days=1) if event.end_date else None,
    )


@bp.get("/emails/<int:email_id>")
def email_detail(email_id: int):
    """An email, its body sanitized again at display (never the stored HTML as is)."""
    account_id = request.args.get("account_id", type=int)
    mail = visible_email(current_user, email_id, account_id)
    readable = may_read_body(current_user, mail.id)
    # A bounded preview: a 10 MB body is stored whole but never sent to the browser whole.
    body = preview_html(mail.body_html) if readable else None
    text = preview(mail.body_text) if readable and body is None else None
    return render_template(
        "crm_sync/calendar/email.html",
        mail=mail,
        body=body,
        text=text,
        readable=readable,
        zone=user_zone(current_user),
        local_text=local_text,
        date_text=date_text,
        back_account=session().get(Account, account_id) if account_id else None,
    )
