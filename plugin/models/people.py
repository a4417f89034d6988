"""CRM people: users with their email accounts, accounts (companies) with domains, contacts.

An email address belongs to at most one contact (primary or alternate) and to at most one
user, so a direct match is never ambiguous. A domain may sit on several accounts; that case is
what makes a domain match ambiguous.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .base import Base, normalize_domain, normalize_email, utcnow


class User(Base):
    __tablename__ = "crm_users"
    __table_args__ = (
        CheckConstraint(
            "linked_contact_id IS NULL OR linked_account_id IS NULL", name="one_crm_link"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Hash only (werkzeug); the host may authenticate some other way and leave it empty.
    password_hash: Mapped[str | None] = mapped_column(String(300))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    linked_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_contacts.id", ondelete="SET NULL"), index=True
    )
    linked_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_accounts.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    emails: Mapped[list[UserEmail]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserEmail.id"
    )
    linked_contact: Mapped[Contact | None] = relationship(foreign_keys=[linked_contact_id])
    linked_account: Mapped[Account | None] = relationship(foreign_keys=[linked_account_id])

    # Flask-Login protocol, so a host without its own user model can log these users in.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def primary_email(self) -> str | None:
        for e in self.emails:
            if e.is_primary:
                return e.email
        return self.emails[0].email if self.emails else None

    def __str__(self) -> str:
        return self.name


class UserEmail(Base):
    __tablename__ = "crm_user_emails"
    __table_args__ = (
        Index(
            "uq_crm_user_emails_one_primary",
            "user_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="emails")

    @validates("email")
    def _normalize(self, key, value):
        # Stored normalised, so matching can use the unique index (DESIGN section 4).
        return normalize_email(value)

    def __str__(self) -> str:
        return self.email


class Account(Base):
    """A customer account (company)."""

    __tablename__ = "crm_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    domains: Mapped[list[AccountDomain]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountDomain.domain"
    )
    contacts: Mapped[list[Contact]] = relationship(back_populates="account")

    def __str__(self) -> str:
        return self.name


class AccountDomain(Base):
    __tablename__ = "crm_account_domains"
    __table_args__ = (UniqueConstraint("account_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("crm_accounts.id", ondelete="CASCADE"), index=True
    )
    # Not unique: the same domain may be on several accounts (then it matches none).
    domain: Mapped[str] = mapped_column(String(253), index=True)

    account: Mapped[Account] = relationship(back_populates="domains")

    @validates("domain")
    def _normalize(self, key, value):
        return normalize_domain(value)

    def __str__(self) -> str:
        return self.domain


class Contact(Base):
    __tablename__ = "crm_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_accounts.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    account: Mapped[Account | None] = relationship(back_populates="contacts")
    emails: Mapped[list[ContactEmail]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        order_by="(ContactEmail.is_primary.desc(), ContactEmail.id)",
    )

    @property
    def primary_email(self) -> str | None:
        for e in self.emails:
            if e.is_primary:
                return e.email
        return None

    @property
    def alternate_emails(self) -> list[str]:
        return [e.email for e in self.emails if not e.is_primary]

    def __str__(self) -> str:
        return self.name


class ContactEmail(Base):
    """A contact's primary or alternate address; unique across all contacts."""

    __tablename__ = "crm_contact_emails"
    __table_args__ = (
        Index(
            "uq_crm_contact_emails_one_primary",
            "contact_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("crm_contacts.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    contact: Mapped[Contact] = relationship(back_populates="emails")

    @validates("email")
    def _normalize(self, key, value):
        return normalize_email(value)

    def __str__(self) -> str:
        return self.email
