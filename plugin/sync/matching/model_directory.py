"""The default directory: the plugin's own users, contacts and accounts tables."""

from __future__ import annotations

from sqlalchemy import Integer, literal_column, null, select, union_all
from sqlalchemy.orm import Session, aliased

from ...models import AccountDomain, Contact, ContactEmail, User, UserEmail
from ..value_lists import execute_in, restrict
from .directory import Directory, DirectoryContact, DirectoryUser


class ModelDirectory(Directory):
    """Bulk lookups over crm_user_emails, crm_contact_emails and crm_account_domains: one
    statement per few thousand addresses, each an index probe per address (value_lists)."""

    def __init__(self, session: Session | None = None, chunk: int | None = None):
        self._session = session
        self.chunk = chunk

    @property
    def session(self) -> Session:
        if self._session is None:
            from ...state import session

            return session()
        return self._session

    def _run(self, name: str, values, param: str):
        """Rows of the statement `name` for every chunk of `values`."""
        statement = _statement(name, self.session.get_bind().dialect.name)
        for result in execute_in(self.session, statement, values, param, self.chunk):
            yield from result.all()

    def users_by_email(self, emails):
        new = tuple.__new__
        return {row[1]: new(DirectoryUser, row[2:]) for row in self._run("users", emails, "emails")}

    def contacts_by_email(self, emails):
        new = tuple.__new__
        return {
            row[1]: new(DirectoryContact, row[2:4])
            for row in self._run("contacts", emails, "emails")
        }

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
        # Each row is (kind, email, *the DirectoryUser or DirectoryContact fields, padding),
        # taken apart by slicing: a batch has thousands of them.
        new = tuple.__new__
        for row in self._run("people", emails, "emails"):
            if row[0] == 1:
                users[row[1]] = new(DirectoryUser, row[2:])
            else:
                contacts[row[1]] = new(DirectoryContact, row[2:4])
        return users, contacts

    def accounts_by_domain(self, domains):
        found: dict[str, set[int]] = {}
        for domain, aid in self._run("domains", domains, "domains"):
            found.setdefault(domain, set()).add(aid)
        return {d: tuple(sorted(ids)) for d, ids in found.items()}


def _users(dialect: str):
    linked = aliased(Contact)
    columns = (
        literal_column("1", Integer).label("kind"),
        UserEmail.email,
        User.id,
        User.linked_contact_id,
        linked.account_id,
        User.linked_account_id,
    )
    return (
        restrict(select(*columns), UserEmail.email, dialect, "emails")
        .join(User, User.id == UserEmail.user_id)
        .outerjoin(linked, linked.id == User.linked_contact_id)
    )


def _contacts(dialect: str):
    # The users' column layout, so the two can be one UNION ALL: (id, account_id) first.
    columns = (
        literal_column("2", Integer).label("kind"),
        ContactEmail.email,
        Contact.id,
        Contact.account_id,
        null().cast(Integer).label("pad_a"),
        null().cast(Integer).label("pad_b"),
    )
    return restrict(select(*columns), ContactEmail.email, dialect, "emails").join(
        Contact, Contact.id == ContactEmail.contact_id
    )


def _domains(dialect: str):
    columns = (AccountDomain.domain, AccountDomain.account_id)
    return restrict(select(*columns), AccountDomain.domain, dialect, "domains")


_BUILDERS = {
    "users": _users,
    "contacts": _contacts,
    "people": lambda dialect: union_all(_users(dialect), _contacts(dialect)),
    "domains": _domains,
}
_STATEMENTS: dict[tuple[str, str], object] = {}


def _statement(name: str, dialect: str):
    """Built once per dialect: a chunk then costs no statement building or coercion."""
    key = (name, dialect)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _BUILDERS[name](dialect)
    return _STATEMENTS[key]


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
