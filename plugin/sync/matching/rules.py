"""DESIGN section 4 as pure functions over a `Lookup` (what the directory said about a batch).

Nothing here touches the database or the app: the same inputs always give the same result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ...models.base import normalize_email
from .directory import DirectoryContact, DirectoryUser
from .values import InteractionDraft, Item, MatchResult, MatchSettings, ParticipantMatch

# Methods that tie a participant to an account (and so make an interaction).
ACCOUNT_METHODS = frozenset({"direct", "domain", "manual"})
# How the event client was found (CalendarEvent.client_method).
CLIENT_METHODS = {
    "booker_user": "Booker is a user linked to a contact",
    "booker": "Booker is a contact",
    "attendee": "First attendee who is a contact",
    "domain": "Single account with an attendee's domain",
    "default": "Default Account",
    "none": "No client",
    "manual": "Chosen by an admin",
}


@dataclass(frozen=True)
class Lookup:
    """The directory's answers for one batch, keyed by normalised email / domain."""

    users: Mapping[str, DirectoryUser] = field(default_factory=dict)
    contacts: Mapping[str, DirectoryContact] = field(default_factory=dict)
    domains: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


def domain_of(email: str) -> str:
    return email.rpartition("@")[2] if "@" in email else ""


def is_blocked(email: str, settings: MatchSettings) -> bool:
    """An address on the blocklist, or one under a blocked @domain or any of its subdomains."""
    if not settings.blocked_addresses and not settings.blocked_domains:
        return False
    if email in settings.blocked_addresses:
        return True
    domain = domain_of(email)
    while domain:
        if domain in settings.blocked_domains:
            return True
        domain = domain.partition(".")[2]
    return False


def domain_candidates(email: str, settings: MatchSettings) -> str | None:
    """The domain to look up for a domain match, or None (free-mail never domain-matches)."""
    domain = domain_of(email)
    if not domain or domain in settings.freemail:
        return None
    return domain


def people(item: Item) -> list[tuple[str, str | None, str]]:
    """(email, name, role) for everyone on the item, organizer first, each address once."""
    first, rest = ("from", "to") if item.kind == "email" else ("organizer", "attendee")
    seen: dict[str, int] = {}
    out: list[tuple[str, str | None, str]] = []
    role = first if item.organizer else rest
    for person in (item.organizer, *item.participants) if item.organizer else item.participants:
        email = (person.email or "").strip().lower()  # normalize_email, inlined: hot loop
        if not email:
            role = rest
            continue
        if email in seen:
            # Keep the first role, but take a name the first mention lacked.
            i = seen[email]
            if out[i][1] is None and person.name:
                out[i] = (email, person.name, out[i][2])
            continue
        seen[email] = len(out)
        out.append((email, person.name, role))
        role = rest
    return out


def match_participant(
    email: str,
    name: str | None,
    role: str,
    lookup: Lookup,
    settings: MatchSettings,
    owner_emails: frozenset[str] = frozenset(),
) -> ParticipantMatch:
    """Freshsuccess order: a CRM user is internal; a contact is a direct match; else the
    account when exactly one has the domain; several accounts leave it ambiguous."""
    if is_blocked(email, settings):
        return ParticipantMatch(email, name, role, method="none", blocked=True)
    user = lookup.users.get(email)
    if user is not None or email in owner_emails:
        return ParticipantMatch(
            email, name, role, user_id=user.id if user else None, method="internal"
        )
    contact = lookup.contacts.get(email)
    contact_id = contact.id if contact else None
    if contact is not None and contact.account_id is not None:
        return ParticipantMatch(
            email,
            name,
            role,
            contact_id=contact_id,
            account_id=contact.account_id,
            method="direct",
        )
    domain = domain_candidates(email, settings)
    accounts = lookup.domains.get(domain, ()) if domain else ()
    if len(accounts) == 1:
        return ParticipantMatch(
            email, name, role, contact_id=contact_id, account_id=accounts[0], method="domain"
        )
    if len(accounts) > 1:
        return ParticipantMatch(
            email,
            name,
            role,
            contact_id=contact_id,
            method="ambiguous",
            candidates=tuple(sorted(accounts)),
        )
    return ParticipantMatch(email, name, role, contact_id=contact_id, method="none")


def event_client(
    booker: str | None,
    matches: Sequence[ParticipantMatch],
    lookup: Lookup,
    settings: MatchSettings,
) -> tuple[int | None, int | None, str]:
    """(client account, client contact, method) by the EventPro order of section 4."""
    if booker and not is_blocked(booker, settings):
        user = lookup.users.get(booker)
        if user is not None and user.contact_id is not None:
            return user.contact_account_id, user.contact_id, "booker_user"
        contact = lookup.contacts.get(booker)
        if contact is not None:
            return contact.account_id, contact.id, "booker"
    if settings.client_from_attendees:
        # m.external spelled out (method not "internal", not blocked): a hot loop.
        for m in matches:
            if m.method == "direct" and not m.blocked and m.email != booker:
                return m.account_id, m.contact_id, "attendee"
        by_domain = {m.account_id for m in matches if m.method == "domain" and not m.blocked}
        if len(by_domain) == 1:
            return by_domain.pop(), None, "domain"
    if settings.default_account_id is not None:
        return settings.default_account_id, None, "default"
    return None, None, "none"


def booked_by(booker: str | None, lookup: Lookup, settings: MatchSettings) -> int | None:
    user = lookup.users.get(booker) if booker else None
    return user.id if user else settings.virtual_assistant_user_id


def event_manager(booker: str | None, lookup: Lookup, settings: MatchSettings) -> int | None:
    user = lookup.users.get(booker) if booker else None
    if settings.auto_assign_booker and user is not None:
        return user.id
    if settings.default_event_manager_id is not None:
        return settings.default_event_manager_id
    return settings.virtual_assistant_user_id


def duration_minutes(item: Item) -> int:
    if item.kind == "email":
        return 0
    return max(0, int((item.end - item.start).total_seconds() // 60))


def build_interactions(
    item: Item, matches: Iterable[ParticipantMatch]
) -> tuple[InteractionDraft, ...]:
    """One interaction per associated account; everyone (bar the blocklisted) is listed with
    the whole duration, since no provider says who left early. Internal-only: none.

    The drafts of one item share one participants list: treat it as read-only."""
    matches = list(matches)
    # ACCOUNT_METHODS never include "internal", so m.external is just "not blocked" here.
    accounts = sorted(
        {
            m.account_id
            for m in matches
            if m.method in ACCOUNT_METHODS and not m.blocked and m.account_id is not None
        }
    )
    if not accounts:
        return ()
    minutes = duration_minutes(item)
    listed = [
        {"name": m.name, "email": m.email, "minutes": minutes} for m in matches if not m.blocked
    ]
    start_at = None if item.all_day else item.start
    return tuple(
        InteractionDraft(a, item.start.date(), start_at, minutes, item.source, listed)
        for a in accounts
    )


def what_syncs(matches: Sequence[ParticipantMatch], settings: MatchSettings) -> tuple[bool, str]:
    """Navusoft's setting: contacts (strict), accounts (contact or domain), or everything."""
    if settings.sync_scope == "everything":
        return True, "everything syncs"
    external = [m for m in matches if m.external]
    has_contact = any(m.method in ("direct", "manual") for m in external)
    if settings.sync_scope == "contacts":
        if has_contact:
            return True, "includes an account contact"
        return False, "no account contact among the participants"
    if has_contact:
        return True, "includes an account contact"
    if any(m.method == "domain" for m in external):
        return True, "matches an account by domain"
    if any(m.method == "ambiguous" for m in external):
        # Kept so an admin can pick the account from the ambiguous list.
        return True, "domain on several accounts, waiting for an admin"
    if not external:
        return False, "internal only"
    return False, "matches no account"


def match_item(
    item: Item,
    lookup: Lookup,
    settings: MatchSettings,
    cache: dict | None = None,
    listed: list[tuple[str, str | None, str]] | None = None,
) -> MatchResult:
    """Every rule of section 4 for one item. `cache` (one dict per batch and settings) keeps
    each address's match so an address seen on many items is matched once; `listed` is
    people(item) when the caller has it already."""
    if cache is None:
        cache = {}
    # Every item of a sync page has the same owners: normalise them once per batch.
    owners = cache.get(item.owner_emails)
    if owners is None:
        owners = cache[item.owner_emails] = frozenset(normalize_email(e) for e in item.owner_emails)
    make = ParticipantMatch._make
    found = []
    for email, name, role in people(item) if listed is None else listed:
        base = cache.get(email)
        if base is None:
            base = cache[email] = match_participant(email, None, "", lookup, settings)
        if owners and email in owners and base.method != "internal" and not base.blocked:
            base = match_participant(email, None, "", lookup, settings, owners)
        # base._replace(name=name, role=role), without its keyword handling: a hot loop.
        found.append(make((email, name, role) + base[3:]))
    matches = tuple(found)
    booker = normalize_email(item.organizer.email) if item.organizer else None
    account_id, contact_id, method = event_client(booker, matches, lookup, settings)
    syncs, reason = what_syncs(matches, settings)
    return MatchResult(
        syncs=syncs,
        reason=reason,
        client_account_id=account_id,
        client_contact_id=contact_id,
        client_method=method,
        booked_by_user_id=booked_by(booker, lookup, settings),
        event_manager_id=event_manager(booker, lookup, settings),
        participants=matches,
        interactions=build_interactions(item, matches) if syncs else (),
        item=item,
    )
