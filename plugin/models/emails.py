"""Synced emails: one row per Message-ID however many mailboxes hold the message."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .kept import KeptEmail


class Email(Base):
    __tablename__ = "crm_emails"
    __table_args__ = (Index("ix_crm_emails_thread_started", "thread_started_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    thread_key: Mapped[str | None] = mapped_column(String(998), index=True)
    subject: Mapped[str] = mapped_column(String(998), default="")
    from_email: Mapped[str | None] = mapped_column(String(320))
    from_name: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    # Navusoft: an email shows on the date its thread started.
    thread_started_on: Mapped[date] = mapped_column(Date)
    snippet: Mapped[str | None] = mapped_column(String(400))
    # Already sanitized with nh3 on the way in; sanitized again on display.
    body_html: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="google")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    links: Mapped[list[EmailLink]] = relationship(
        back_populates="mail", cascade="all, delete-orphan"
    )
    participants = relationship("Participant", back_populates="mail", cascade="all, delete-orphan")
    interactions = relationship("Interaction", back_populates="mail", cascade="all, delete-orphan")
    # Users who kept it when they unlinked; it stays theirs with no link left (models.kept).
    kept_by: Mapped[list[KeptEmail]] = relationship(cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.subject or "(no subject)"


class EmailLink(Base):
    """Where a synced email sits in one linked mailbox (the provider's message id)."""

    __tablename__ = "crm_email_links"
    __table_args__ = (UniqueConstraint("linked_account_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(
        ForeignKey("crm_emails.id", ondelete="CASCADE"), index=True
    )
    linked_account_id: Mapped[int] = mapped_column(
        ForeignKey("crm_linked_accounts.id", ondelete="CASCADE")
    )
    external_id: Mapped[str] = mapped_column(String(256))
    thread_external_id: Mapped[str | None] = mapped_column(String(256))
    # When an inbound listing last returned this message; a full resync drops ones it missed.
    seen_at: Mapped[datetime | None] = mapped_column(DateTime)

    mail: Mapped[Email] = relationship(back_populates="links")
    linked_account = relationship("LinkedAccount")
