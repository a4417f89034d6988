"""The directory of people the rules match against: the one seam a host CRM replaces.

A host whose users, contacts or accounts live in its own tables subclasses `Directory` (or
`ModelDirectory`, overriding only what differs) and names a factory in CRM_SYNC_DIRECTORY.
Every lookup is in bulk: the matcher asks once per batch, never once per participant.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ...models.base import normalize_domain, normalize_email


class DirectoryUser(NamedTuple):
    """A CRM user, and the CRM record (a contact, with its company, or a company) they are."""

    id: int
    contact_id: int | None = None
    contact_account_id: int | None = None
    account_id: int | None = None


class DirectoryContact(NamedTuple):
    id: int
    account_id: int | None = None


@dataclass(frozen=True)
class Defaults:
    """The settings' fall-backs, when a host keeps them somewhere else than SystemSettings."""

    default_account_id: int | None = None
    default_event_manager_id: int | None = None
    virtual_assistant_user_id: int | None = None


class Directory(ABC):
    """Bulk lookups of people by email and of accounts by domain.

    Emails and domains passed in are already normalised (trimmed, lower case); the answer is
    keyed by them. A missing key means "not found".
    """

    @abstractmethod
    def users_by_email(self, emails: Iterable[str]) -> Mapping[str, DirectoryUser]:
        """Users having any of these addresses (primary or not)."""

    @abstractmethod
    def contacts_by_email(self, emails: Iterable[str]) -> Mapping[str, DirectoryContact]:
        """Contacts whose primary or alternate address is one of these."""

    @abstractmethod
    def accounts_by_domain(self, domains: Iterable[str]) -> Mapping[str, tuple[int, ...]]:
        """Ids of every account carrying each domain (several means ambiguous)."""

    def people_by_email(
        self, emails: Iterable[str]
    ) -> tuple[Mapping[str, DirectoryUser], Mapping[str, DirectoryContact]]:
        """Users and contacts in one go; override when one query can answer both."""
        emails = list(emails)
        return self.users_by_email(emails), self.contacts_by_email(emails)

    def defaults(self) -> Defaults | None:
        """Fall-backs that override the settings' ones; None keeps the settings'."""
        return None


class MemoryDirectory(Directory):
    """A directory held in dicts: for tests, benchmarks and hosts that preload their people."""

    def __init__(
        self,
        users: Mapping[str, DirectoryUser] | None = None,
        contacts: Mapping[str, DirectoryContact] | None = None,
        domains: Mapping[str, Iterable[int]] | None = None,
        defaults: Defaults | None = None,
    ):
        self.users = {normalize_email(k): v for k, v in (users or {}).items()}
        self.contacts = {normalize_email(k): v for k, v in (contacts or {}).items()}
        self.domains: dict[str, tuple[int, ...]] = {}
        for domain, ids in (domains or {}).items():
            key = normalize_domain(domain)
            self.domains[key] = tuple(sorted(set(self.domains.get(key, ())) | set(ids)))
        self._defaults = defaults
        self.calls = 0

    def users_by_email(self, emails):
        self.calls += 1
        return {e: self.users[e] for e in emails if e in self.users}

    def contacts_by_email(self, emails):
        self.calls += 1
        return {e: self.contacts[e] for e in emails if e in self.contacts}

    def accounts_by_domain(self, domains):
        self.calls += 1
        return {d: self.domains[d] for d in domains if d in self.domains}

    def defaults(self):
        return self._defaults
