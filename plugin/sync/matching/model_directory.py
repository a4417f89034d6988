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
        return {row.email: _user(row) for row in self._run("users", emails, "emails")}

    def contacts_by_email(self, emails):
        return {row.email: _contact(row) for row in self._run("contacts", emails, "emails")}

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
        for row in self._run("people", emails, "emails"):
            if row.kind == USER:
                users[row.email] = _user(row)
            else:
                contacts[row.email] = _contact(row)
        return users, contacts

    def accounts_by_domain(self, domains):
        found: dict[str, set[int]] = {}
        for domain, aid in self._run("domains", domains, "domains"):
            found.setdefault(domain, set()).add(aid)
        return {d: tuple(sorted(ids)) for d, ids in found.items()}


# The rows of users and of contacts share one layout, so the two can be one UNION ALL.
USER, CONTACT = 1, 2


def _user(row) -> DirectoryUser:
    return DirectoryUser(
        id=row.id,
        contact_id=row.contact_id,
        contact_account_id=row.contact_account_id,
        account_id=row.account_id,
    )


def _contact(row) -> DirectoryContact:
    return DirectoryContact(id=row.id, account_id=row.account_id)


def _users(dialect: str):
    linked = aliased(Contact)
    columns = (
        literal_column(str(USER), Integer).label("kind"),
        UserEmail.email.label("email"),
        User.id.label("id"),
        User.linked_contact_id.label("contact_id"),
        linked.account_id.label("contact_account_id"),
        User.linked_account_id.label("account_id"),
    )
    return (
        restrict(select(*columns), UserEmail.email, dialect, "emails")
        .join(User, User.id == UserEmail.user_id)
        .outerjoin(linked, linked.id == User.linked_contact_id)
    )


def _contacts(dialect: str):
    columns = (
        literal_column(str(CONTACT), Integer).label("kind"),
        ContactEmail.email.label("email"),
        Contact.id.label("id"),
        null().cast(Integer).label("contact_id"),
        null().cast(Integer).label("contact_account_id"),
        Contact.account_id.label("account_id"),
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

    from ...hooks import resolve_callable

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
