"""Re-match stored items automatically when the directory changes under them.

after_flush notes which addresses and domains a flush touched (contact and user emails,
account domains, a contact moving to another account); before_commit re-matches the stored
meetings and emails that involve them, inside the same transaction, so the change and its
consequences commit together.
"""

from __future__ import annotations

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ..models import AccountDomain, Contact, ContactEmail, UserEmail

PENDING = "crm_sync_rematch"
RUNNING = "crm_sync_rematching"


def install_rematch_hooks(app_or_session) -> None:
    """Listen on the host's session (given directly, or the one CRMSync.init_app was given)."""
    target = app_or_session
    if isinstance(app_or_session, Flask):
        target = app_or_session.extensions["crm_sync"].db.session
    hooks = (("after_flush", _collect), ("before_commit", _run), ("after_soft_rollback", _forget))
    for name, fn in hooks:
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


def _history(obj, attr: str) -> set[str]:
    state = inspect(obj)
    hist = state.attrs[attr].history
    return {v for v in (*hist.added, *hist.deleted, *hist.unchanged) if v}


def _collect(session: Session, flush_context) -> None:
    if session.info.get(RUNNING):
        return
    emails: set[str] = set()
    domains: set[str] = set()
    contacts: set[int] = set()
    for obj in session.new | session.deleted:
        if isinstance(obj, ContactEmail | UserEmail):
            emails.add(obj.email)
        elif isinstance(obj, AccountDomain):
            domains.add(obj.domain)
    for obj in session.dirty:
        if isinstance(obj, ContactEmail | UserEmail):
            if session.is_modified(obj, include_collections=False):
                emails |= _history(obj, "email")
        elif isinstance(obj, AccountDomain):
            if session.is_modified(obj, include_collections=False):
                domains |= _history(obj, "domain")
        elif isinstance(obj, Contact) and inspect(obj).attrs.account_id.history.has_changes():
            contacts.add(obj.id)
    if emails or domains or contacts:
        pending = session.info.setdefault(
            PENDING, {"emails": set(), "domains": set(), "contacts": set()}
        )
        pending["emails"] |= emails
        pending["domains"] |= domains
        pending["contacts"] |= contacts


def _forget(session: Session, previous_transaction) -> None:
    """What a rolled-back transaction changed never happened; nothing to re-match."""
    session.info.pop(PENDING, None)


def _ours(session: Session) -> bool:
    """The listener sits on a session class that other apps may share; act for this app only."""
    if not has_app_context():
        return False
    state = current_app.extensions.get("crm_sync")
    return state is not None and state.db.session() is session


def _run(session: Session) -> None:
    if session.info.get(RUNNING) or not _ours(session):
        return
    session.flush()  # so after_flush has seen every change of this transaction
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    from .match_store import rematch

    session.info[RUNNING] = True
    try:
        emails = set(pending["emails"])
        if pending["contacts"]:
            emails |= set(
                session.scalars(
                    select(ContactEmail.email).where(
                        ContactEmail.contact_id.in_(sorted(pending["contacts"]))
                    )
                )
            )
        rematch(session, emails=emails, domains=pending["domains"])
        session.flush()
    finally:
        session.info.pop(RUNNING, None)
