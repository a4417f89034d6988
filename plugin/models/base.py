"""The plugin's own declarative base, so its tables live beside the host's without sharing
the host's model class, and so Alembic can target exactly the plugin's metadata."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .addresses import normalize_domain, normalize_email

__all__ = ["Base", "normalize_domain", "normalize_email", "utcnow"]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no zone, so every datetime column stores naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)
