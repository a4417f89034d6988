"""Account Calendars: the meetings and emails associated with one customer account, beside
its interactions list. Who may open one is the host's CRM_SYNC_ACCOUNT_PERMISSION hook.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..models import Account, Email, Interaction
from ..permissions import account_email_clause, account_event_clause, can_view_account
from ..state import session
from ..sync.engine.lookups import thread_starts
from ..sync.value_lists import rows_in
from . import feed
from .calendar import _day_arg
from .errors import add_error_pages
from .timefmt import to_local, user_zone

bp = Blueprint("crm_sync_accounts", __name__)
add_error_pages(bp)

INTERACTIONS_SHOWN = 200


@bp.before_request
@login_required
def _require_login():
    """Account Calendars are for signed-in users the permission hook allows."""


def _account(account_id: int) -> Account:
    account = session().get(Account, account_id)
    if account is None or not can_view_account(current_user, account):
        abort(404)
    return account


@bp.get("/")
def index():
    """The accounts this user may open, with how many interactions each has."""
    counts = dict(
        session()
        .execute(
            select(Interaction.account_id, func.count(Interaction.id)).group_by(
                Interaction.account_id
            )
        )
        .all()
    )
    accounts = [
        a
        for a in session().scalars(select(Account).order_by(Account.name, Account.id))
        if can_view_account(current_user, a)
    ]
    return render_template("crm_sync/accounts/list.html", accounts=accounts, counts=counts)


def _items(account: Account, start, end) -> list[dict]:
    zone = user_zone(current_user)
    events = feed.events_in(account_event_clause(account.id), start, end, zone)
    mails = feed.emails_in(account_email_clause(account.id), start, end, zone)
    return [feed.event_item(e, zone, account.id) for e in events] + [
        feed.email_item(m, account.id) for m in mails
    ]


class EmailInteraction(NamedTuple):
    """An email's interaction row: the day its thread started (Navusoft) and the email's own
    send time, both in the viewer's zone."""

    interaction: Interaction
    mail: Email
    thread_started: date
    sent: datetime


def _meeting_interactions(account: Account) -> list[Interaction]:
    return list(
        session().scalars(
            select(Interaction)
            .where(Interaction.account_id == account.id, Interaction.kind != "email")
            .order_by(
                Interaction.occurred_on.desc(), Interaction.start_at.desc(), Interaction.id.desc()
            )
            .limit(INTERACTIONS_SHOWN)
        )
    )


def _email_interactions(account: Account, zone) -> list[EmailInteraction]:
    """The thread start is the earliest send time among the thread's stored messages, so a
    row reads the same whatever order the messages arrived in, and after a resync or re-link."""
    pairs = session().execute(
        select(Interaction, Email)
        .join(Email, Email.id == Interaction.email_id)
        .where(Interaction.account_id == account.id, Interaction.kind == "email")
        .order_by(Email.thread_started_on.desc(), Email.sent_at.desc(), Interaction.id.desc())
        .limit(INTERACTIONS_SHOWN)
    )
    pairs = list(pairs)
    keys = {mail.thread_key for _, mail in pairs if mail.thread_key}
    starts = dict(rows_in(session(), *thread_starts(), keys)) if keys else {}
    return [
        EmailInteraction(
            interaction=interaction,
            mail=mail,
            thread_started=to_local(
                min(mail.sent_at, starts.get(mail.thread_key, mail.sent_at)), zone
            ).date(),
            sent=to_local(mail.sent_at, zone),
        )
        for interaction, mail in pairs
    ]


@bp.get("/<int:account_id>/calendar")
def calendar(account_id: int):
    account = _account(account_id)
    zone = user_zone(current_user)
    return render_template(
        "crm_sync/accounts/calendar.html",
        account=account,
        zone=zone.key,
        meetings=_meeting_interactions(account),
        emails=_email_interactions(account, zone),
        to_local=lambda value: to_local(value, zone),
        feed_url=url_for(".events_feed", account_id=account.id),
    )


@bp.get("/<int:account_id>/feed")
def events_feed(account_id: int):
    account = _account(account_id)
    start, end = feed.window(user_zone(current_user))
    items = _items(account, start, end)
    if request.args.get("view") == feed.DAY_GRID:
        items = feed.aggregate(items, ".day_list", account_id=account.id)
    return jsonify(items)


@bp.get("/<int:account_id>/day")
def day_list(account_id: int):
    account = _account(account_id)
    day = _day_arg()
    start, end = feed.day_window(day, user_zone(current_user))
    return jsonify(
        {"date": day.isoformat(), "items": feed.day_items(_items(account, start, end), day)}
    )
