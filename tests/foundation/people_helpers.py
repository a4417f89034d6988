"""Small lookups the foundation tests share."""

from __future__ import annotations

from sqlalchemy import select

from plugin.models import User, UserEmail


def user_id(db, email: str) -> int:
    return db.session.scalar(select(User.id).join(UserEmail).where(UserEmail.email == email))
