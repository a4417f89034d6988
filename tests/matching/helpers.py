"""Builders for the matching tests: CRM rows through the plugin's models, and items."""

from __future__ import annotations

from datetime import datetime, timedelta

from plugin.models import Account, AccountDomain, Contact, ContactEmail, User, UserEmail
from plugin.settings import get_settings
from plugin.sync.matching import Item, Matcher, Person

START = datetime(2025, 3, 4, 15, 0)


def account(db, name: str, *domains: str) -> Account:
    row = Account(name=name, domains=[AccountDomain(domain=d) for d in domains])
    db.session.add(row)
    db.session.flush()
    return row


def contact(db, name: str, acct: Account | None, primary: str, *alternates: str) -> Contact:
    emails = [ContactEmail(email=primary, is_primary=True)]
    emails += [ContactEmail(email=a) for a in alternates]
    row = Contact(name=name, account=acct, emails=emails)
    db.session.add(row)
    db.session.flush()
    return row


def user(db, name: str, *emails: str, linked_contact=None, linked_account=None) -> User:
    row = User(
        name=name,
        emails=[UserEmail(email=e, is_primary=i == 0) for i, e in enumerate(emails)],
        linked_contact=linked_contact,
        linked_account=linked_account,
    )
    db.session.add(row)
    db.session.flush()
    return row


def settings(**values):
    row = get_settings()
    for key, value in values.items():
        setattr(row, key, value)
    return row


def meeting(organizer: str | None, *attendees: str, minutes: int = 60, **kw) -> Item:
    return Item(
        kind="meeting",
        organizer=Person(organizer) if organizer else None,
        participants=tuple(Person(a, a.split("@")[0].title()) for a in attendees),
        start=kw.pop("start", START),
        end=kw.pop("start", START) + timedelta(minutes=minutes),
        **kw,
    )


def match(item: Item):
    return Matcher().match(item)


def by_email(result) -> dict:
    return {p.email: p for p in result.participants}
