"""Helpers for the web tests: people, linked accounts, events and emails, and logging in."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from plugin.models import (
    Account,
    AccountDomain,
    CalendarEvent,
    Contact,
    ContactEmail,
    Email,
    EmailLink,
    EventLink,
    Interaction,
    LinkedAccount,
    Participant,
    User,
    UserEmail,
)


class World:
    """Builds rows for one test; everything is committed so views see it."""

    def __init__(self, db):
        self.db = db
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, email: str, name: str | None = None, admin: bool = False, tz: str = "UTC"):
        user = User(name=name or email.split("@")[0].title(), is_admin=admin, timezone=tz)
        user.emails = [UserEmail(email=email, is_primary=True)]
        self.db.session.add(user)
        self.db.session.commit()
        return user

    def linked(self, user, email: str | None = None, **kw) -> LinkedAccount:
        account = LinkedAccount(
            user_id=user.id,
            provider=kw.pop("provider", "google"),
            external_email=email or user.primary_email,
            credentials={"access_token": "a", "refresh_token": "r"},
            **kw,
        )
        self.db.session.add(account)
        self.db.session.commit()
        return account

    def account(self, name: str, *domains: str) -> Account:
        account = Account(name=name)
        account.domains = [AccountDomain(domain=d) for d in domains]
        self.db.session.add(account)
        self.db.session.commit()
        return account

    def contact(self, name: str, account: Account, email: str) -> Contact:
        contact = Contact(name=name, account=account)
        contact.emails = [ContactEmail(email=email, is_primary=True)]
        self.db.session.add(contact)
        self.db.session.commit()
        return contact

    def event(self, title: str, start: datetime, end: datetime, linked=None, **kw):
        n = self._next()
        event = CalendarEvent(
            ical_uid=f"uid-{n}@test",
            title=title,
            start_at=start,
            end_at=end,
            origin="google",
            **kw,
        )
        if linked is not None:
            event.links = [EventLink(linked_account_id=linked.id, external_id=f"ev{n}x")]
        self.db.session.add(event)
        self.db.session.commit()
        return event

    def all_day(self, title: str, day: date, end: date, linked=None, **kw):
        start = datetime.combine(day, datetime.min.time())
        event = self.event(
            title,
            start,
            datetime.combine(end, datetime.min.time()),
            linked,
            all_day=True,
            start_date=day,
            end_date=end,
            **kw,
        )
        return event

    def email(self, subject: str, day: date, linked=None, body_html: str | None = None, **kw):
        n = self._next()
        mail = Email(
            message_id=f"<m{n}@test>",
            subject=subject,
            from_email=kw.pop("from_email", "x@y.z"),
            sent_at=datetime.combine(day, datetime.min.time()).replace(hour=9),
            thread_started_on=day,
            body_html=body_html,
            **kw,
        )
        if linked is not None:
            mail.links = [EmailLink(linked_account_id=linked.id, external_id=f"msg{n}")]
        self.db.session.add(mail)
        self.db.session.commit()
        return mail

    def interaction(self, account: Account, event=None, mail=None, **kw) -> Interaction:
        when = event.start_at if event is not None else mail.sent_at
        row = Interaction(
            account_id=account.id,
            event_id=event.id if event is not None else None,
            email_id=mail.id if mail is not None else None,
            kind="meeting" if event is not None else "email",
            occurred_on=when.date(),
            start_at=when,
            duration_minutes=event.duration_minutes if event is not None else 0,
            source="Google Calendar" if event is not None else "Gmail",
            participants=kw.pop("participants", []),
        )
        self.db.session.add(row)
        self.db.session.commit()
        return row

    def participant(self, event, email: str, **kw) -> Participant:
        p = Participant(event_id=event.id, email=email, **kw)
        self.db.session.add(p)
        self.db.session.commit()
        return p


@pytest.fixture
def world(db) -> World:
    return World(db)


@pytest.fixture
def login(client):
    """login(user): the test client's session now belongs to that user (Flask-Login)."""

    def _login(user):
        with client.session_transaction() as sess:
            sess["_user_id"] = str(user.id)
            sess["_fresh"] = True
        return user

    return _login
