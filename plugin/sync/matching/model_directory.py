"""The default directory: the plugin's own users, contacts and accounts tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import Integer, bindparam, literal, null, select, union_all
from sqlalchemy.orm import Session, aliased

from ...models import AccountDomain, Contact, ContactEmail, User, UserEmail
from .directory import Directory, DirectoryContact, DirectoryUser

# Below SQLite's old 999-variable limit, and small enough that PostgreSQL plans stay simple.
CHUNK = 900


def chunks(values: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    batch = sorted(set(values))
    for i in range(0, len(batch), size):
        yield batch[i : i + size]


class ModelDirectory(Directory):
    """Bulk IN queries over crm_user_emails, crm_contact_emails and crm_account_domains."""

    def __init__(self, session: Session | None = None, chunk: int = CHUNK):
        self._session = session
        self.chunk = chunk

    @property
    def session(self) -> Session:
        if self._session is None:
            from ...state import session

            return session()
        return self._session

    def users_by_email(self, emails):
        linked = aliased(Contact)
        out: dict[str, DirectoryUser] = {}
        for batch in chunks(emails, self.chunk):
            rows = self.session.execute(
                select(
                    UserEmail.email,
                    User.id,
                    User.linked_contact_id,
                    linked.account_id,
                    User.linked_account_id,
                )
                .join(User, User.id == UserEmail.user_id)
                .outerjoin(linked, linked.id == User.linked_contact_id)
                .where(UserEmail.email.in_(batch))
            )
            for email, uid, cid, caid, aid in rows:
                out[email] = DirectoryUser(uid, cid, caid, aid)
        return out

    def contacts_by_email(self, emails):
        out: dict[str, DirectoryContact] = {}
        for batch in chunks(emails, self.chunk):
            rows = self.session.execute(
                select(ContactEmail.email, Contact.id, Contact.account_id)
                .join(Contact, Contact.id == ContactEmail.contact_id)
                .where(ContactEmail.email.in_(batch))
            )
            for email, cid, aid in rows:
                out[email] = DirectoryContact(cid, aid)
        return out

    def people_by_email(self, emails):
        """Users and contacts in one UNION ALL per chunk: half the round trips."""
        cls = type(self)
        if (
            cls.users_by_email is not ModelDirectory.users_by_email
            or cls.contacts_by_email is not ModelDirectory.contacts_by_email
        ):
            return super().people_by_email(emails)  # a host subclass replaced one of them
        users: dict[str, DirectoryUser] = {}
        contacts: dict[str, DirectoryContact] = {}
        for batch in chunks(emails, self.chunk):
            rows = self.session.execute(_PEOPLE, {"emails": batch}).all()
            for kind, email, id_, cid, aid, laid in rows:
                if kind == 1:
                    users[email] = DirectoryUser(id_, cid, aid, laid)
                else:
                    contacts[email] = DirectoryContact(id_, aid)
        return users, contacts

    def accounts_by_domain(self, domains):
        found: dict[str, set[int]] = {}
        for batch in chunks(domains, self.chunk):
            rows = self.session.execute(_DOMAINS, {"domains": batch}).all()
            for domain, aid in rows:
                found.setdefault(domain, set()).add(aid)
        return {d: tuple(sorted(ids)) for d, ids in found.items()}


def _people_statement():
    """Users and contacts having any of the :emails, one UNION ALL. Built once: the list is an
    expanding bind, so a batch costs no statement building or coercion of 900 literals."""
    linked = aliased(Contact)
    emails = bindparam("emails", expanding=True)
    user_rows = (
        select(
            literal(1).label("kind"),
            UserEmail.email,
            User.id,
            User.linked_contact_id,
            linked.account_id,
            User.linked_account_id,
        )
        .join(User, User.id == UserEmail.user_id)
        .outerjoin(linked, linked.id == User.linked_contact_id)
        .where(UserEmail.email.in_(emails))
    )
    contact_rows = (
        select(
            literal(2),
            ContactEmail.email,
            Contact.id,
            null().cast(Integer),
            Contact.account_id,
            null().cast(Integer),
        )
        .join(Contact, Contact.id == ContactEmail.contact_id)
        .where(ContactEmail.email.in_(emails))
    )
    return union_all(user_rows, contact_rows)


_PEOPLE = _people_statement()
_DOMAINS = select(AccountDomain.domain, AccountDomain.account_id).where(
    AccountDomain.domain.in_(bindparam("domains", expanding=True))
)


def default_directory() -> Directory:
    """CRM_SYNC_DIRECTORY's directory if the host named one, else the plugin's models."""
    from flask import current_app

    from ... import resolve_callable

    factory = resolve_callable(current_app.config.get("CRM_SYNC_DIRECTORY"))
    if factory is None:
        return ModelDirectory()
    directory = factory()
    if not isinstance(directory, Directory):
        raise TypeError(
            "CRM_SYNC_DIRECTORY must return a plugin.sync.matching.Directory, "
            f"got {type(directory).__name__}"
        )
    return directory
