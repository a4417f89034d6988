"""DESIGN section 4 as pure functions over a `Lookup` (what the directory said about a batch).

Nothing here touches the database or the app: the same inputs always give the same result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

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
    "form": "Chosen on the appointment form",
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


def domain_to_look_up(email: str, freemail: frozenset[str]) -> str:
    """The domain a domain match would look up for this address, or "" (none; free-mail
    never domain-matches)."""
    _, at, domain = email.rpartition("@")
    return domain if at and domain not in freemail else ""


class Listed(NamedTuple):
    """Someone on an item, once: the address normalised, the name the provider gave, and
    the role of their first mention (organizer / attendee, or from / to)."""

    email: str
    name: str | None
    role: str


def people(item: Item) -> list[Listed]:
    """Everyone on the item, organizer first, each address once."""
    first, rest = ("from", "to") if item.kind == "email" else ("organizer", "attendee")
    seen: dict[str, int] = {}
    out: list[Listed] = []
    role = first if item.organizer else rest
    for person in (item.organizer, *item.participants) if item.organizer else item.participants:
        email = normalize_email(person.email)
        if not email:
            role = rest
            continue
        if email in seen:
            # Keep the first role, but take a name the first mention lacked.
            i = seen[email]
            if out[i].name is None and person.name:
                out[i] = out[i]._replace(name=person.name)
            continue
        seen[email] = len(out)
        out.append(Listed(email=email, name=person.name, role=role))
        role = rest
    return out


class Verdict(NamedTuple):
    """What the rules make of one address, whoever carries it (ParticipantMatch's fields
    after email, name and role)."""

    method: str = "none"
    user_id: int | None = None
    contact_id: int | None = None
    account_id: int | None = None
    candidates: tuple[int, ...] | None = None
    blocked: bool = False


BLOCKED = Verdict(blocked=True)
OWNER = Verdict(method="internal")  # the linked mailbox's own address


def classify(email: str, lookup: Lookup, settings: MatchSettings) -> Verdict:
    """Freshsuccess order: a CRM user is internal; a contact is a direct match; else the
    account when exactly one has the domain; several accounts leave it ambiguous."""
    if is_blocked(email, settings):
        return BLOCKED
    user = lookup.users.get(email)
    if user is not None:
        return Verdict(method="internal", user_id=user.id)
    contact = lookup.contacts.get(email)
    if contact is not None and contact.account_id is not None:
        return Verdict(method="direct", contact_id=contact.id, account_id=contact.account_id)
    # Not a direct match: a contact without an account is still named.
    contact_id = contact.id if contact is not None else None
    domain = domain_to_look_up(email, settings.freemail)
    accounts = lookup.domains.get(domain, ()) if domain else ()
    if len(accounts) == 1:
        return Verdict(method="domain", contact_id=contact_id, account_id=accounts[0])
    if len(accounts) > 1:
        return Verdict(
            method="ambiguous", contact_id=contact_id, candidates=tuple(sorted(accounts))
        )
    return Verdict(method="none", contact_id=contact_id)


def participant(person: Listed, verdict: Verdict) -> ParticipantMatch:
    """One person on the item, with what the rules made of their address."""
    return ParticipantMatch(
        email=person.email,
        name=person.name,
        role=person.role,
        user_id=verdict.user_id,
        contact_id=verdict.contact_id,
        account_id=verdict.account_id,
        method=verdict.method,
        candidates=verdict.candidates,
        blocked=verdict.blocked,
    )


class Tally(NamedTuple):
    """What the item-level rules need to know of an item's matches, gathered in one pass."""

    accounts: frozenset[int]  # every account a participant ties the item to
    first_direct: ParticipantMatch | None  # first attendee (not the booker) who is a contact
    domain_accounts: frozenset[int]  # accounts matched by domain only
    has_contact: bool  # an external participant matched directly (or by an admin)
    has_domain: bool
    has_ambiguous: bool
    has_external: bool


def tally(matches: Iterable[ParticipantMatch], booker: str | None = None) -> Tally:
    """One pass over the matches: blocked people count for nothing, internal ones (users,
    the mailbox owner) for nothing but themselves, and a direct or domain match only ties
    the item to an account it names (classify never makes one without). `booker` is left
    out of first_direct: pass the item's booker, as event_client expects."""
    accounts: set[int] = set()
    domain_accounts: set[int] = set()
    first_direct = None
    has_contact = has_domain = has_ambiguous = has_external = False
    for m in matches:
        if not m.external:
            continue
        has_external = True
        if m.method in ACCOUNT_METHODS and m.account_id is not None:
            accounts.add(m.account_id)
        if m.method in ("direct", "manual"):
            has_contact = True
            if m.method == "direct" and first_direct is None and m.email != booker:
                first_direct = m
        elif m.method == "domain":
            has_domain = True
            if m.account_id is not None:
                domain_accounts.add(m.account_id)
        elif m.method == "ambiguous":
            has_ambiguous = True
    return Tally(
        accounts=frozenset(accounts),
        first_direct=first_direct,
        domain_accounts=frozenset(domain_accounts),
        has_contact=has_contact,
        has_domain=has_domain,
        has_ambiguous=has_ambiguous,
        has_external=has_external,
    )


class Client(NamedTuple):
    """The event client (EventPro): an account, maybe a contact, and how it was found."""

    account_id: int | None
    contact_id: int | None
    method: str  # a key of CLIENT_METHODS


def event_client(
    booker: str | None,
    matches: Sequence[ParticipantMatch] | Tally,
    lookup: Lookup,
    settings: MatchSettings,
) -> Client:
    """The event client by the EventPro order of section 4.

    `matches` may be a Tally, which must come from tally(matches, booker) for this booker."""
    if booker and not is_blocked(booker, settings):
        # 1. A user with the booker's email who is linked to a contact: that contact.
        user = lookup.users.get(booker)
        if user is not None and user.contact_id is not None:
            return Client(
                account_id=user.contact_account_id, contact_id=user.contact_id, method="booker_user"
            )
        # 2. Otherwise a contact with the booker's primary or alternate email.
        contact = lookup.contacts.get(booker)
        if contact is not None:
            return Client(account_id=contact.account_id, contact_id=contact.id, method="booker")
    if settings.client_from_attendees:
        # 3. The first attendee who is a contact, else the single account of their domains.
        counted = matches if isinstance(matches, Tally) else tally(matches, booker)
        if counted.first_direct is not None:
            first = counted.first_direct
            return Client(
                account_id=first.account_id, contact_id=first.contact_id, method="attendee"
            )
        if len(counted.domain_accounts) == 1:
            (account_id,) = counted.domain_accounts
            return Client(account_id=account_id, contact_id=None, method="domain")
    # 4. The Default Account, if set.
    if settings.default_account_id is not None:
        return Client(account_id=settings.default_account_id, contact_id=None, method="default")
    return Client(account_id=None, contact_id=None, method="none")


def booked_by(booker: str | None, lookup: Lookup, settings: MatchSettings) -> int | None:
    """The user with the booker's email, else the Virtual Assistant user."""
    user = lookup.users.get(booker) if booker else None
    return user.id if user else settings.virtual_assistant_user_id


def event_manager(booker: str | None, lookup: Lookup, settings: MatchSettings) -> int | None:
    """The booker if they are a user and the setting says so, else the Default Event
    Manager, else the Virtual Assistant user."""
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
    item: Item, matches: Iterable[ParticipantMatch], counted: Tally | None = None
) -> tuple[InteractionDraft, ...]:
    """One interaction per associated account; everyone (bar the blocklisted) is listed with
    the whole duration, since no provider says who left early. Internal-only: none.

    The drafts of one item share one participants list: treat it as read-only."""
    matches = tuple(matches)
    accounts = (counted or tally(matches)).accounts
    if not accounts:
        return ()
    minutes = duration_minutes(item)
    listed = [
        {"name": m.name, "email": m.email, "minutes": minutes} for m in matches if not m.blocked
    ]
    return tuple(
        InteractionDraft(
            account_id=account_id,
            occurred_on=item.start.date(),
            start_at=None if item.all_day else item.start,
            duration_minutes=minutes,
            source=item.source,
            participants=listed,
        )
        for account_id in sorted(accounts)
    )


class Decision(NamedTuple):
    """Whether an item syncs (Navusoft's setting), and why, in words an admin reads."""

    syncs: bool
    reason: str


def what_syncs(matches: Sequence[ParticipantMatch] | Tally, settings: MatchSettings) -> Decision:
    """Navusoft's setting: contacts (strict), accounts (contact or domain), or everything."""
    if settings.sync_scope == "everything":
        return Decision(True, "everything syncs")
    counted = matches if isinstance(matches, Tally) else tally(matches)
    if settings.sync_scope == "contacts":
        if counted.has_contact:
            return Decision(True, "includes an account contact")
        return Decision(False, "no account contact among the participants")
    if counted.has_contact:
        return Decision(True, "includes an account contact")
    if counted.has_domain:
        return Decision(True, "matches an account by domain")
    if counted.has_ambiguous:
        # Kept so an admin can pick the account from the ambiguous list.
        return Decision(True, "domain on several accounts, waiting for an admin")
    if not counted.has_external:
        return Decision(False, "internal only")
    return Decision(False, "matches no account")


def match_item(
    item: Item,
    lookup: Lookup,
    settings: MatchSettings,
    cache: dict | None = None,
    listed: list[Listed] | None = None,
) -> MatchResult:
    """Every rule of section 4 for one item. `cache` (one dict per batch and settings) keeps
    each address's verdict, so an address seen on many items is classified once; `listed`
    is people(item) when the caller has it already."""
    if cache is None:
        cache = {}
    # Every item of a sync page has the same owners: normalise them once per batch.
    owners = cache.get(item.owner_emails)
    if owners is None:
        owners = cache[item.owner_emails] = frozenset(normalize_email(e) for e in item.owner_emails)
    matches = []
    for person in people(item) if listed is None else listed:
        verdict = cache.get(person.email)
        if verdict is None:
            verdict = cache[person.email] = classify(person.email, lookup, settings)
        if person.email in owners and verdict.method != "internal" and not verdict.blocked:
            # The linked mailbox's own address, not a CRM user's: internal too.
            verdict = OWNER
        matches.append(participant(person, verdict))
    matches = tuple(matches)
    booker = normalize_email(item.organizer.email) if item.organizer else None
    counted = tally(matches, booker)
    client = event_client(booker, counted, lookup, settings)
    decision = what_syncs(counted, settings)
    return MatchResult(
        syncs=decision.syncs,
        reason=decision.reason,
        client_account_id=client.account_id,
        client_contact_id=client.contact_id,
        client_method=client.method,
        booked_by_user_id=booked_by(booker, lookup, settings),
        event_manager_id=event_manager(booker, lookup, settings),
        participants=matches,
        interactions=build_interactions(item, matches, counted) if decision.syncs else (),
        item=item,
    )
