"""Meetings and emails a user kept when they unlinked the account that brought them.

Visibility follows the links (an item is the user's while one of their linked calendars or
mailboxes holds it). Unlinking with "keep the items already synced" removes the links, so the
kept rows say the item stays the user's own: on My Calendar, its detail page and its body.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class KeptEvent(Base):
    __tablename__ = "crm_kept_events"
    __table_args__ = (UniqueConstraint("user_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        ForeignKey("crm_events.id", ondelete="CASCADE"), index=True
    )
    kept_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class KeptEmail(Base):
    __tablename__ = "crm_kept_emails"
    __table_args__ = (UniqueConstraint("user_id", "email_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_users.id", ondelete="CASCADE"))
    email_id: Mapped[int] = mapped_column(
        ForeignKey("crm_emails.id", ondelete="CASCADE"), index=True
    )
    kept_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
