"""Calendar & Email Settings: each linked provider's status, first-sync progress, what to
sync, Sync now / pause / resume / unlink, and the user's recent sync runs.

Views change rows and hand state changes to plugin.sync.linking / triggers.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..models import EmailLink, EventLink, LinkedAccount, SyncRun, utcnow
from ..models.linked import TRANSITIONS, UNLINKING
from ..permissions import own_linked_account
from ..settings import get_settings
from ..state import session
from ..sync import grants
from .errors import add_error_pages
from .forms import ActionForm, StartLinkForm, SyncOptionsForm, TimeZoneForm, UnlinkForm
from .timefmt import count_text, days_text, humanize, local_text, user_zone

bp = Blueprint("crm_sync_profile", __name__)
add_error_pages(bp)

RUN_COUNTS = ("fetched", "created", "updated", "deleted", "skipped", "pushed", "problems")


@bp.before_request
@login_required
def _require_login():
    """Only the signed-in user's own linked accounts are shown or changed here."""


def _accounts() -> list[LinkedAccount]:
    """The user's linked accounts; one being unlinked is gone from their point of view."""
    return list(
        session().scalars(
            select(LinkedAccount)
            .where(LinkedAccount.user_id == current_user.id, LinkedAccount.status.not_in(UNLINKING))
            .order_by(LinkedAccount.created_at, LinkedAccount.id)
        )
    )


def _running_run(account: LinkedAccount) -> SyncRun | None:
    return session().scalar(
        select(SyncRun)
        .where(SyncRun.linked_account_id == account.id, SyncRun.status == "running")
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(1)
    )


def status_words(account: LinkedAccount) -> str:
    """Active / Syncing now / Paused / Needs re-link / Error, as the user reads it."""
    now = utcnow()
    leased = account.lease_owner is not None and (
        account.lease_expires_at is None or account.lease_expires_at > now
    )
    if account.status == "active" and leased:
        return "Syncing now"
    return account.status_label


def synced_text(account: LinkedAccount) -> str:
    """'120 meetings, 340 emails': what this account has brought into the CRM so far (one
    indexed count per feed, cheap enough for the page's 2-second poll)."""
    s = session()
    meetings = s.scalar(
        select(func.count()).select_from(EventLink).where(EventLink.linked_account_id == account.id)
    )
    emails = s.scalar(
        select(func.count()).select_from(EmailLink).where(EmailLink.linked_account_id == account.id)
    )
    return f"{count_text(meetings or 0, 'meeting')}, {count_text(emails or 0, 'email')}"


def window_text() -> str:
    """The sync window as the admin set it, in plain words."""
    settings = get_settings()
    return (
        f"from {days_text(settings.window_past_days, 'ago')} "
        f"to {days_text(settings.window_future_days, 'ahead')}"
    )


def account_status(account: LinkedAccount) -> dict:
    """What the settings page shows for one account; also the JSON status endpoint's item."""
    run = _running_run(account)
    synced = synced_text(account)
    return {
        "id": account.id,
        "status": account.status,
        "status_text": status_words(account),
        "syncing": status_words(account) == "Syncing now",
        "initial_sync_done": bool(account.initial_sync_done),
        "last_sync": humanize(account.last_sync_at),
        "next_sync": (
            humanize(account.next_sync_at, empty="not scheduled")
            if account.status == "active"
            else "not scheduled"
        ),
        "last_error": account.last_error or "",
        "progress": {k: getattr(run, k) or 0 for k in RUN_COUNTS} if run else None,
        "synced": synced,
        "progress_text": f"{synced} so far" if run else "waiting to start",
    }


@bp.get("/")
def index():
    accounts = _accounts()
    zone = user_zone(current_user)
    runs = list(
        session().scalars(
            select(SyncRun)
            .join(LinkedAccount, LinkedAccount.id == SyncRun.linked_account_id)
            .where(LinkedAccount.user_id == current_user.id)
            .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            .limit(20)
        )
    )
    return render_template(
        "crm_sync/profile/settings.html",
        accounts=accounts,
        statuses={a.id: account_status(a) for a in accounts},
        options={
            a.id: SyncOptionsForm(
                prefix=f"a{a.id}", sync_calendar=a.sync_calendar, sync_email=a.sync_email
            )
            for a in accounts
        },
        action_form=ActionForm(),
        zone_form=TimeZoneForm(timezone=zone.key),
        relink_forms={a.id: StartLinkForm(login_hint=a.external_email) for a in accounts},
        permission_forms={a.id: _permission_forms(a) for a in accounts},
        feed_labels=grants.FEED_LABELS,
        runs=runs,
        transitions=TRANSITIONS,
        zone=zone,
        window_text=window_text(),
        local_text=local_text,
        humanize=humanize,
    )


def _permission_forms(account: LinkedAccount) -> list[tuple[str, StartLinkForm]]:
    """A Re-link per ticked feed whose scope the grant lacks, asking for that scope alone."""
    if account.status == "needs_relink":
        return []  # the whole grant needs a re-link, offered above
    return [
        (feed, StartLinkForm(login_hint=account.external_email, feed=feed))
        for feed in grants.needs_permission(account)
    ]


@bp.post("/timezone")
def timezone():
    """The user's own time zone; every page, list and calendar shows times in it."""
    form = TimeZoneForm()
    if not form.validate_on_submit():
        return _done("Choose a time zone from the list.", "warning")
    current_user.timezone = form.timezone.data
    session().commit()
    return _done(f"Times are now shown in {form.timezone.data.replace('_', ' ')}.")


@bp.get("/status.json")
def status():
    """Polled by the settings page while a first sync runs."""
    return jsonify({"accounts": [account_status(a) for a in _accounts()]})


def _done(message: str, category: str = "success"):
    flash(message, category)
    return redirect(url_for(".index"))


def _checked_action(linked_id: int) -> LinkedAccount:
    account = own_linked_account(current_user, linked_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return account


@bp.post("/accounts/<int:linked_id>/options")
def options(linked_id: int):
    """What to sync: calendar, email, or both."""
    from ..sync import linking
    from ..sync.errors import StateRefused

    account = own_linked_account(current_user, linked_id)
    form = SyncOptionsForm(prefix=f"a{account.id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        linking.check(account, "options")
    except StateRefused as refused:
        return _done(str(refused), "warning")
    account.sync_calendar = bool(form.sync_calendar.data)
    account.sync_email = bool(form.sync_email.data)
    session().commit()
    if not (account.sync_calendar or account.sync_email):
        return _done(
            f"{account.external_email}: nothing is selected, so nothing will sync "
            "until you choose calendar or email.",
            "warning",
        )
    missing = [grants.FEED_LABELS[f] for f in grants.needs_permission(account)]
    if missing:
        return _done(
            f"Saved what to sync for {account.external_email}. {' and '.join(missing)} "
            f"{'needs' if len(missing) == 1 else 'need'} permission from "
            f"{account.provider_label}: choose Re-link beside it to allow access; "
            "the rest keeps syncing.",
            "warning",
        )
    return _done(f"Saved what to sync for {account.external_email}.")


def _act(linked_id: int, action: str, done: str):
    """Run one of plugin.sync.linking's actions, refused with a message when the account's
    status does not allow it (models.linked.TRANSITIONS)."""
    from ..sync import linking
    from ..sync.errors import StateRefused

    account = _checked_action(linked_id)
    try:
        linking.check(account, action)
        getattr(linking, action)(account)
    except StateRefused as refused:
        return _done(str(refused), "warning")
    return _done(done.format(email=account.external_email))


@bp.post("/accounts/<int:linked_id>/sync-now")
def sync_now(linked_id: int):
    return _act(linked_id, "sync_now", "A sync of {email} was requested.")


@bp.post("/accounts/<int:linked_id>/pause")
def pause(linked_id: int):
    return _act(linked_id, "pause", "Sync of {email} is paused.")


@bp.post("/accounts/<int:linked_id>/resume")
def resume(linked_id: int):
    return _act(linked_id, "resume", "Sync of {email} is resumed.")


@bp.route("/accounts/<int:linked_id>/unlink", methods=["GET", "POST"])
def unlink(linked_id: int):
    """Ask whether to keep the items already synced, then unlink: the account leaves the list
    now, and the sync worker revokes the grant at the provider and removes it."""
    from ..sync import linking
    from ..sync.errors import StateRefused

    account = own_linked_account(current_user, linked_id)
    form = UnlinkForm()
    try:
        linking.check(account, "unlink")
    except StateRefused as refused:
        return _done(str(refused), "info")
    if form.validate_on_submit():
        keep = form.keep_items.data == "keep"
        label, email = account.provider_label, account.external_email
        linking.unlink_account(account, keep_items=keep)
        session().commit()
        kept = (
            "The items already synced are kept." if keep else "Its synced items are being removed."
        )
        return _done(f"{label} account {email} was unlinked. {kept}")
    return render_template("crm_sync/profile/unlink.html", account=account, form=form)
