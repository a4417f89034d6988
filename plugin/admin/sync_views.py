"""Linked provider accounts with their sync status, and the record of sync runs and problems.

Actions go through the engine's own functions (plugin.sync.linking, triggers): they change
rows and wake the scheduler, never call a provider. Unlinking marks the accounts; the sync
worker revokes their grants and removes them.
Credentials are never listed, shown, exported or editable.
"""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from markupsafe import Markup, escape
from sqlalchemy import select

from ..models import LinkedAccount
from ..models.linked import STATUSES
from ..state import session
from ..sync.errors import StateRefused
from ..sync.linking import check, pause, resume, sync_now, unlink_account
from .display import PROVIDER_NAMES, labelled
from .security import SecureModelView

_ACCOUNT_COLUMNS = [
    "user",
    "provider",
    "external_email",
    "status",
    "last_sync_at",
    "next_sync_at",
    "last_error",
]


def _sync_now(account: LinkedAccount) -> None:
    sync_now(account, "sync-now (admin)")


def _unlink_keep(account: LinkedAccount) -> None:
    """Unlink; the meetings and emails already synced stay in the CRM."""
    unlink_account(account, keep_items=True)


def _unlink_drop(account: LinkedAccount) -> None:
    """Unlink and remove the meetings and emails only this account brought."""
    unlink_account(account, keep_items=False)


def _status_cell(view, context, model, name) -> Markup:
    colour = {
        "active": "success",
        "paused": "secondary",
        "needs_relink": "warning",
        "unlinking": "secondary",
        "unlinking_drop": "secondary",
    }.get(model.status, "danger")
    return Markup('<span class="badge badge-{} bg-{}">{}</span>').format(
        colour, colour, escape(model.status_label)
    )


class LinkedAccountView(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False  # "Unlink" below, so the link's own clean-up runs
    can_export = False
    column_list = _ACCOUNT_COLUMNS
    column_details_list = _ACCOUNT_COLUMNS + [
        "failure_count",
        "sync_calendar",
        "sync_email",
        "initial_sync_done",
        "lease_owner",
        "lease_expires_at",
        "created_at",
    ]
    column_labels = {
        "external_email": "Linked address",
        "last_sync_at": "Last sync",
        "next_sync_at": "Next sync",
        "failure_count": "Failures",
    }
    column_formatters = {
        "status": _status_cell,
        "provider": labelled(PROVIDER_NAMES, "provider"),
    }
    column_formatters_detail = column_formatters
    column_searchable_list = ["external_email"]
    column_filters = ["status", "provider", "user.name"]
    column_choices = {"status": list(STATUSES.items()), "provider": list(PROVIDER_NAMES.items())}
    column_default_sort = ("next_sync_at", False)

    def _apply(self, ids, action: str, change, done: str) -> None:
        """Run `change` on every selected account whose status allows `action`
        (models.linked.TRANSITIONS); list the others under the reason they were refused."""
        accounts = (
            session()
            .scalars(select(LinkedAccount).where(LinkedAccount.id.in_([int(i) for i in ids])))
            .all()
        )
        refused: dict[str, list[str]] = {}
        for account in accounts:
            try:
                check(account, action)
            except StateRefused as exc:
                refused.setdefault(exc.reason, []).append(account.external_email)
                continue
            change(account)
        session().commit()
        changed = len(accounts) - sum(map(len, refused.values()))
        flash(f"{done}: {changed} account(s).", "success")
        for reason, emails in refused.items():
            flash(f"{reason[:1].upper()}{reason[1:]}: " + ", ".join(emails), "warning")

    @action("sync_now", "Sync now")
    def action_sync_now(self, ids) -> None:
        self._apply(ids, "sync_now", _sync_now, "Sync requested")

    @action("pause", "Pause")
    def action_pause(self, ids) -> None:
        self._apply(ids, "pause", pause, "Paused")

    @action("resume", "Resume")
    def action_resume(self, ids) -> None:
        self._apply(ids, "resume", resume, "Resumed")

    @action(
        "unlink",
        "Unlink",
        "Unlink the selected accounts? Meetings and emails already synced stay in the CRM.",
    )
    def action_unlink(self, ids) -> None:
        self._apply(ids, "unlink", _unlink_keep, "Unlinking")

    @action(
        "unlink_drop",
        "Unlink and remove synced items",
        "Unlink the selected accounts and delete the meetings and emails only they brought?",
    )
    def action_unlink_drop(self, ids) -> None:
        self._apply(ids, "unlink_drop", _unlink_drop, "Unlinking and removing their items")


class _ReadOnlyView(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False


class SyncRunView(_ReadOnlyView):
    # The counts that say what a run did; the rest is on its details page.
    column_list = [
        "started_at",
        "linked_account",
        "trigger",
        "status",
        "fetched",
        "created",
        "updated",
        "deleted",
        "pushed",
        "problems",
        "error",
    ]
    column_details_list = [
        "started_at",
        "finished_at",
        "linked_account",
        "account_label",
        "trigger",
        "worker",
        "status",
        "full_sync",
        "pages",
        "fetched",
        "created",
        "updated",
        "deleted",
        "skipped",
        "pushed",
        "problems",
        "api_calls",
        "duration_ms",
        "error",
    ]
    column_labels = {
        "linked_account": "Account",
        "linked_account.external_email": "Account",
        "account_label": "Account (as it was)",
        "started_at": "Started",
        "finished_at": "Finished",
        "duration_ms": "ms",
        "full_sync": "Full",
    }
    column_default_sort = ("started_at", True)
    column_filters = [
        "linked_account.external_email",
        "account_label",
        "status",
        "trigger",
        "started_at",
    ]
    # A run outlives its account: once unlinked it shows as "Google: ann@x.com (unlinked)".
    column_formatters = {"linked_account": lambda v, c, model, n: model.account_text}


class SyncProblemView(_ReadOnlyView):
    column_list = [
        "created_at",
        "linked_account",
        "direction",
        "item_kind",
        "external_id",
        "message",
        "resolved_at",
    ]
    column_labels = {
        "linked_account": "Account",
        "linked_account.external_email": "Account",
        "item_kind": "Item",
        "created_at": "When",
        "resolved_at": "Resolved",
    }
    column_default_sort = ("created_at", True)
    column_filters = ["linked_account.external_email", "item_kind", "direction", "resolved_at"]
