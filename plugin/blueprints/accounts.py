"""Account Calendars: the meetings and emails associated with one customer account, beside
its interactions list. Who may open one is the host's CRM_SYNC_ACCOUNT_PERMISSION hook.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..models import Account, Interaction
from ..permissions import account_email_clause, account_event_clause, can_view_account
from ..state import session
from . import feed
from .calendar import _day_arg
from .timefmt import to_local, user_zone

bp = Blueprint("crm_sync_accounts", __name__)

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


@bp.get("/<int:account_id>/calendar")
def calendar(account_id: int):
    account = _account(account_id)
    zone = user_zone(current_user)
    interactions = list(
        session().scalars(
            select(Interaction)
            .where(Interaction.account_id == account.id)
            .order_by(
                Interaction.occurred_on.desc(), Interaction.start_at.desc(), Interaction.id.desc()
            )
            .limit(INTERACTIONS_SHOWN)
        )
    )
    return render_template(
        "crm_sync/accounts/calendar.html",
        account=account,
        zone=zone.key,
        interactions=interactions,
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
