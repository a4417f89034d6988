"""The matcher: one bulk directory lookup per batch, then the pure rules per item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ...models.base import normalize_email
from .directory import Directory
from .rules import Listed, Lookup, domain_to_look_up, is_blocked, match_item, people
from .values import Item, MatchResult, MatchSettings


class Matcher:
    """Match meetings and emails to users, contacts and accounts.

    Without arguments it uses the configured directory (CRM_SYNC_DIRECTORY, else the plugin's
    models over the current session) and the SystemSettings row; both need an app context.
    """

    def __init__(self, directory: Directory | None = None, settings=None):
        if directory is None:
            from .model_directory import default_directory

            directory = default_directory()
        if settings is None:
            from ...settings import get_settings

            settings = get_settings()
        self.directory = directory
        self.settings = self._with_defaults(MatchSettings.coerce(settings), directory)

    @staticmethod
    def _with_defaults(settings: MatchSettings, directory: Directory) -> MatchSettings:
        defaults = directory.defaults()
        if defaults is None:
            return settings
        return replace(
            settings,
            default_account_id=defaults.default_account_id,
            default_event_manager_id=defaults.default_event_manager_id,
            virtual_assistant_user_id=defaults.virtual_assistant_user_id,
        )

    def lookup(self, items: Sequence[Item], listed: Sequence[list[Listed]] | None = None) -> Lookup:
        """Ask the directory about every address of the batch at once: users and contacts by
        email, then accounts only for the domains of people who are neither. `listed` is
        people(item) for each item, when the caller has it already."""
        settings = self.settings
        if listed is None:
            listed = [people(item) for item in items]
        emails = {person.email for each in listed for person in each}
        if settings.blocked_addresses or settings.blocked_domains:
            emails = {e for e in emails if not is_blocked(e, settings)}
        users, contacts = self.directory.people_by_email(emails)
        owners = {normalize_email(e) for o in {i.owner_emails for i in items} for e in o}
        # Domains only of people who are neither users, owners nor contacts with an account.
        freemail = settings.freemail
        domains = set()
        for e in emails:
            if e in users or e in owners:
                continue
            contact = contacts.get(e)
            if contact is not None and contact.account_id is not None:
                continue
            domain = domain_to_look_up(e, freemail)
            if domain:
                domains.add(domain)
        accounts = self.directory.accounts_by_domain(domains) if domains else {}
        return Lookup(users=users, contacts=contacts, domains=accounts)

    def match_many(self, items: Sequence[Item]) -> list[MatchResult]:
        items = list(items)
        if not items:
            return []
        listed = [people(item) for item in items]
        lookup = self.lookup(items, listed)
        cache: dict = {}
        settings = self.settings
        return [
            match_item(item, lookup, settings, cache, each)
            for item, each in zip(items, listed, strict=True)
        ]

    def match(self, item: Item) -> MatchResult:
        return self.match_many([item])[0]
