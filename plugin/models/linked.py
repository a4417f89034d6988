"""Linked provider accounts, their sync cursors, and the record of every run and problem."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .types import EncryptedJSON

PROVIDERS = {"google": "Google", "microsoft": "Microsoft 365", "exchange": "Exchange"}
STATUSES = {
    "active": "Active",
    "paused": "Paused",
    "needs_relink": "Needs re-link",
    "error": "Error",
    # Unlink requested: the engine revokes the grant, then deletes the row. "unlinking" keeps
    # the items already synced, "unlinking_drop" removes the ones only this account brought.
    "unlinking": "Unlinking…",
    "unlinking_drop": "Unlinking…",
}
UNLINKING = ("unlinking", "unlinking_drop")
_LINKED = ("active", "paused", "needs_relink", "error")

# What a user's or an admin's action may do, from which status, to which status. The engine
# moves accounts between active, error and needs_relink on its own; an action not listed for
# a status is refused (plugin.sync.linking.check). Only re-linking leaves needs_relink (an
# unlink removes the account): resuming or syncing a revoked grant only makes another failed
# run.
TRANSITIONS: dict[str, dict[str, str]] = {
    "sync_now": {"active": "active", "error": "active"},
    "pause": {"active": "paused", "error": "paused"},
    "resume": {"paused": "active", "error": "active"},
    "unlink": dict.fromkeys(_LINKED, "unlinking"),
    "unlink_drop": dict.fromkeys(_LINKED, "unlinking_drop"),
    "relink": dict.fromkeys((*_LINKED, *UNLINKING), "active"),
    # Choosing what to sync keeps the status; an account being unlinked has nothing to choose.
    "options": {s: s for s in _LINKED},
}


class LinkedAccount(Base):
    """One external mailbox/calendar a CRM user linked; the unit the scheduler claims."""

    __tablename__ = "crm_linked_accounts"
    __table_args__ = (
        # One external account is linked once, by one CRM user; re-linking updates this row.
        UniqueConstraint("provider", "external_email"),
        CheckConstraint(
            "status IN ('active', 'paused', 'needs_relink', 'error', 'unlinking', "
            "'unlinking_drop')",
            name="status",
        ),
        Index("ix_crm_linked_accounts_due", "status", "next_sync_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    external_email: Mapped[str] = mapped_column(String(320))
    credentials: Mapped[dict | None] = mapped_column(EncryptedJSON)
    status: Mapped[str] = mapped_column(String(16), default="active")
    sync_calendar: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_email: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_sync_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    # What asked for the next run ("link", "sync-now (profile)", ...), set with next_sync_at
    # by the action and taken by the run that serves it; None: the schedule.
    pending_trigger: Mapped[str | None] = mapped_column(String(32))
    # The scopes the provider granted at the last link (None: not recorded, linked before
    # this was kept); which feeds may run follows from them (plugin.sync.grants).
    granted_scopes: Mapped[list | None] = mapped_column(JSON)
    # Set while the first full sync runs, so the profile page can show progress.
    initial_sync_done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user = relationship("User")
    cursors: Mapped[list[SyncCursor]] = relationship(
        back_populates="linked_account", cascade="all, delete-orphan"
    )

    @property
    def provider_label(self) -> str:
        return PROVIDERS.get(self.provider, self.provider)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    def __str__(self) -> str:
        return f"{self.provider_label}: {self.external_email}"


class SyncCursor(Base):
    """Where a feed (calendar, mail) stands: the provider cursor, or a full sync in progress.

    `cursor` is the provider's incremental token (syncToken, historyId, deltaLink, EWS state).
    While a full sync pages through, `page_token` holds the next page, so a crash resumes there.
    """

    __tablename__ = "crm_sync_cursors"
    __table_args__ = (UniqueConstraint("linked_account_id", "feed"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    linked_account_id: Mapped[int] = mapped_column(
        ForeignKey("crm_linked_accounts.id", ondelete="CASCADE")
    )
    feed: Mapped[str] = mapped_column(String(32))
    cursor: Mapped[str | None] = mapped_column(Text)
    page_token: Mapped[str | None] = mapped_column(Text)
    full_sync_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    linked_account: Mapped[LinkedAccount] = relationship(back_populates="cursors")


# What started a run (SyncRun.trigger).
TRIGGERS = (
    "schedule",
    "link",
    "resume",
    "sync-now (profile)",
    "sync-now (admin)",
    "push",
    "cli",
    "cli resync",
)


class SyncRun(Base):
    """One run of one account. It outlives the account: an unlinked account's runs keep
    their label, with no account (linked_account_id NULL)."""

    __tablename__ = "crm_sync_runs"
    __table_args__ = (Index("ix_crm_sync_runs_account_started", "linked_account_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    linked_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_linked_accounts.id", ondelete="SET NULL")
    )
    # str(account) when the run started ("Google: ann@acme.com"), shown once it is unlinked.
    account_label: Mapped[str | None] = mapped_column(String(400))
    trigger: Mapped[str] = mapped_column(String(32), default="schedule")
    worker: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    full_sync: Mapped[bool] = mapped_column(Boolean, default=False)
    # Feed pages committed (each with its cursor or page token): the run's progress.
    pages: Mapped[int] = mapped_column(Integer, default=0)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    pushed: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[int] = mapped_column(Integer, default=0)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # Conflict losers and other notes, one JSON object per entry.
    log: Mapped[list | None] = mapped_column(JSON)

    linked_account = relationship("LinkedAccount")

    @property
    def account_text(self) -> str:
        """The account, or what it was called once it is unlinked."""
        if self.linked_account is not None:
            return str(self.linked_account)
        return f"{self.account_label or 'An account'} (unlinked)"


class SyncProblem(Base):
    """One item a provider sent or refused that could not be applied; the rest went on."""

    __tablename__ = "crm_sync_problems"
    __table_args__ = (
        Index("ix_crm_sync_problems_account_item", "linked_account_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    linked_account_id: Mapped[int] = mapped_column(
        ForeignKey("crm_linked_accounts.id", ondelete="CASCADE")
    )
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crm_sync_runs.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(8), default="inbound")
    item_kind: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(1024))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("crm_events.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)

    linked_account = relationship("LinkedAccount")
