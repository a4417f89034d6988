"""Who may see what: a user sees their own calendar, mail and linked accounts; account
calendars follow the host's CRM_SYNC_ACCOUNT_PERMISSION hook; admins see everything.

Views turn a refusal into 404, so an id in a URL never tells whether the row exists.
"""

from __future__ import annotations

from flask import abort, current_app
from sqlalchemy import exists, or_, select

from .hooks import resolve_callable
from .models import (
    Account,
    CalendarEvent,
    Email,
    EmailLink,
    EventLink,
    Interaction,
    KeptEmail,
    KeptEvent,
    LinkedAccount,
    User,
)
from .state import session


def is_admin(user) -> bool:
    return bool(getattr(user, "is_admin", False))


def can_view_account(user, account: Account) -> bool:
    """The host's hook decides; without one any logged-in user may open an Account Calendar."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user):
        return True
    hook = resolve_callable(current_app.config.get("CRM_SYNC_ACCOUNT_PERMISSION"))
    return True if hook is None else bool(hook(user, account))


def calendar_owner(user, requested_id: int | None) -> User:
    """Whose calendar to show: the viewer's, or for an admin the user named by ?user_id=."""
    if requested_id is None or requested_id == user.id:
        return user
    if not is_admin(user):
        abort(404)
    owner = session().get(User, requested_id)
    if owner is None:
        abort(404)
    return owner


def user_event_clause(user_id: int):
    """SQL: events in one of the user's linked calendars, owned by the user, or kept by them
    when they unlinked the calendar that brought them."""
    linked = (
        select(EventLink.id)
        .join(LinkedAccount, LinkedAccount.id == EventLink.linked_account_id)
        .where(EventLink.event_id == CalendarEvent.id, LinkedAccount.user_id == user_id)
    )
    kept = select(KeptEvent.id).where(
        KeptEvent.event_id == CalendarEvent.id, KeptEvent.user_id == user_id
    )
    return or_(CalendarEvent.owner_user_id == user_id, exists(linked), exists(kept))


def user_email_clause(user_id: int):
    """SQL: emails in one of the user's linked mailboxes, or kept by them when they unlinked
    the mailbox that brought them."""
    linked = (
        select(EmailLink.id)
        .join(LinkedAccount, LinkedAccount.id == EmailLink.linked_account_id)
        .where(EmailLink.email_id == Email.id, LinkedAccount.user_id == user_id)
    )
    kept = select(KeptEmail.id).where(KeptEmail.email_id == Email.id, KeptEmail.user_id == user_id)
    return or_(exists(linked), exists(kept))


def account_event_clause(account_id: int):
    """SQL: events associated with an account, as an interaction or as the event client."""
    linked = select(Interaction.id).where(
        Interaction.event_id == CalendarEvent.id, Interaction.account_id == account_id
    )
    return or_(CalendarEvent.client_account_id == account_id, exists(linked))


def account_email_clause(account_id: int):
    linked = select(Interaction.id).where(
        Interaction.email_id == Email.id, Interaction.account_id == account_id
    )
    return exists(linked)


def _matches(model, item_id: int, clause) -> bool:
    return session().scalar(select(model.id).where(model.id == item_id, clause)) is not None


def visible_event(user, event_id: int, account_id: int | None = None) -> CalendarEvent:
    """The event if `user` may see it (own, admin, or through an account they may view)."""
    event = session().get(CalendarEvent, event_id)
    if event is None or event.deleted_at is not None:
        abort(404)
    if is_admin(user) or _matches(CalendarEvent, event_id, user_event_clause(user.id)):
        return event
    if account_id is not None:
        account = session().get(Account, account_id)
        if (
            account is not None
            and can_view_account(user, account)
            and _matches(CalendarEvent, event_id, account_event_clause(account_id))
        ):
            return event
    abort(404)


def visible_email(user, email_id: int, account_id: int | None = None) -> Email:
    """The email if `user` may see it (own mailbox, admin, or an account they may view)."""
    mail = session().get(Email, email_id)
    if mail is None:
        abort(404)
    if is_admin(user) or _matches(Email, email_id, user_email_clause(user.id)):
        return mail
    if account_id is not None:
        account = session().get(Account, account_id)
        if (
            account is not None
            and can_view_account(user, account)
            and _matches(Email, email_id, account_email_clause(account_id))
        ):
            return mail
    abort(404)


def may_read_body(user, email_id: int) -> bool:
    """An email's body is for its mailbox owners and admins only; a colleague who reaches it
    through an Account Calendar sees who wrote to whom and when, never the text."""
    return is_admin(user) or _matches(Email, email_id, user_email_clause(user.id))


def own_linked_account(user, linked_id: int) -> LinkedAccount:
    """A linked account of the current user; anyone else's is 404 (admins use the admin)."""
    account = session().get(LinkedAccount, linked_id)
    if account is None or account.user_id != user.id:
        abort(404)
    return account
