"""Calendar events, their participants, their copies in each linked calendar, interactions.

A meeting is one row however many linked calendars hold it: the key is the iCalUID plus, for a
recurring occurrence, its original start. Each linked calendar's copy is an EventLink with the
provider's id and etag, which is what two-way sync compares against.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
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
from .kept import KeptEvent

MATCH_METHODS = ("direct", "domain", "default", "none", "ambiguous", "internal", "manual")
SOURCES = {"google": "Google Calendar", "microsoft": "Outlook 365", "exchange": "Exchange"}


class CalendarEvent(Base):
    __tablename__ = "crm_events"
    __table_args__ = (
        UniqueConstraint("ical_uid", "instance_key"),
        Index("ix_crm_events_start_at", "start_at"),
        Index("ix_crm_events_client", "client_account_id", "start_at"),
        CheckConstraint("end_at >= start_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ical_uid: Mapped[str] = mapped_column(String(1024))
    # "" for a single event; the original start (UTC ISO, or a date) for a recurring occurrence.
    instance_key: Mapped[str] = mapped_column(String(40), default="")
    series_uid: Mapped[str | None] = mapped_column(String(1024))
    title: Mapped[str] = mapped_column(String(1024), default="")
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(1024))
    start_at: Mapped[datetime] = mapped_column(DateTime)
    end_at: Mapped[datetime] = mapped_column(DateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    # For all-day events the calendar dates (end exclusive); they never move with time zones.
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    timezone: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    organizer_email: Mapped[str | None] = mapped_column(String(320))
    organizer_name: Mapped[str | None] = mapped_column(String(200))
    # "crm" when created in the CRM, else the provider it was first seen in.
    origin: Mapped[str] = mapped_column(String(16), default="crm")
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_users.id", ondelete="SET NULL"), index=True
    )
    client_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_accounts.id", ondelete="SET NULL")
    )
    client_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_contacts.id", ondelete="SET NULL")
    )
    client_method: Mapped[str | None] = mapped_column(String(16))
    booked_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_users.id", ondelete="SET NULL")
    )
    event_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_users.id", ondelete="SET NULL")
    )
    # An admin chose the client by hand; re-matching leaves it alone.
    client_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by every CRM-side edit; links remember the version they pushed.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The version that changed this occurrence's whole series ("All events"): the engine
    # writes the series master once, not each occurrence as an exception.
    series_version: Mapped[int | None] = mapped_column(Integer)
    # A CRM deletion waiting to be pushed; the row goes once every link is gone.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    send_invitations: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    participants: Mapped[list[Participant]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Participant.id"
    )
    links: Mapped[list[EventLink]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )
    interactions: Mapped[list[Interaction]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )
    # Users who kept it when they unlinked; it stays theirs with no link left (models.kept).
    kept_by: Mapped[list[KeptEvent]] = relationship(cascade="all, delete-orphan")
    client_account = relationship("Account", foreign_keys=[client_account_id])
    client_contact = relationship("Contact", foreign_keys=[client_contact_id])
    booked_by = relationship("User", foreign_keys=[booked_by_user_id])
    event_manager = relationship("User", foreign_keys=[event_manager_id])
    owner = relationship("User", foreign_keys=[owner_user_id])

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.origin, "CRM")

    def __str__(self) -> str:
        return self.title or "(no title)"


class EventLink(Base):
    """The copy of a CRM event in one linked calendar."""

    __tablename__ = "crm_event_links"
    __table_args__ = (
        UniqueConstraint("linked_account_id", "external_id"),
        UniqueConstraint("event_id", "linked_account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("crm_events.id", ondelete="CASCADE"))
    linked_account_id: Mapped[int] = mapped_column(
        ForeignKey("crm_linked_accounts.id", ondelete="CASCADE"), index=True
    )
    calendar_id: Mapped[str] = mapped_column(String(320), default="primary")
    external_id: Mapped[str] = mapped_column(String(1024))
    etag: Mapped[str | None] = mapped_column(String(200))
    remote_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The CRM version this copy reflects; less than event.version means a push is due.
    synced_version: Mapped[int] = mapped_column(Integer, default=0)
    # A push the provider refused for this version; not retried until the event is edited.
    rejected_version: Mapped[int | None] = mapped_column(Integer)
    # The provider's id of the series this occurrence belongs to (a deleted series names it).
    series_external_id: Mapped[str | None] = mapped_column(String(1024))
    # When an inbound listing (or a read of the item) last showed this copy; a full resync
    # drops copies it missed. None on a pushed create no read has shown back yet.
    seen_at: Mapped[datetime | None] = mapped_column(DateTime)

    event: Mapped[CalendarEvent] = relationship(back_populates="links")
    linked_account = relationship("LinkedAccount")


class Participant(Base):
    """A person on a meeting or an email, with what the matching rules made of them."""

    __tablename__ = "crm_participants"
    __table_args__ = (
        CheckConstraint("(event_id IS NULL) <> (email_id IS NULL)", name="event_or_email"),
        UniqueConstraint("event_id", "email"),
        UniqueConstraint("email_id", "email"),
        Index("ix_crm_participants_email", "email"),
        Index("ix_crm_participants_method", "method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("crm_events.id", ondelete="CASCADE"))
    email_id: Mapped[int | None] = mapped_column(ForeignKey("crm_emails.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="attendee")
    response_status: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("crm_users.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_contacts.id", ondelete="SET NULL"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_accounts.id", ondelete="SET NULL"), index=True
    )
    method: Mapped[str] = mapped_column(String(16), default="none")
    # Account candidates when the domain is on several accounts (the admin's to-resolve list).
    candidates: Mapped[list | None] = mapped_column(JSON)
    # An admin set the account by hand; re-matching never overwrites it.
    manual: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[CalendarEvent | None] = relationship(back_populates="participants")
    mail = relationship("Email", back_populates="participants")
    user = relationship("User")
    contact = relationship("Contact")
    account = relationship("Account")


class Interaction(Base):
    """One meeting or email as an account interaction (Freshsuccess), one per account."""

    __tablename__ = "crm_interactions"
    __table_args__ = (
        UniqueConstraint("event_id", "account_id"),
        UniqueConstraint("email_id", "account_id"),
        Index("ix_crm_interactions_account_date", "account_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("crm_accounts.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("crm_events.id", ondelete="CASCADE"))
    email_id: Mapped[int | None] = mapped_column(ForeignKey("crm_emails.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8), default="meeting")
    occurred_on: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime | None] = mapped_column(DateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(32))
    # [{"name": ..., "email": ..., "minutes": ...}]
    participants: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    account = relationship("Account")
    event: Mapped[CalendarEvent | None] = relationship(back_populates="interactions")
    mail = relationship("Email", back_populates="interactions")
