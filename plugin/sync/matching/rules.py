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


def people(item: Item) -> list[tuple[str, str | None, str]]:
    """(email, name, role) for everyone on the item, organizer first, each address once."""
    first, rest = ("from", "to") if item.kind == "email" else ("organizer", "attendee")
    seen: dict[str, int] = {}
    out: list[tuple[str, str | None, str]] = []
    role = first if item.organizer else rest
    for person in (item.organizer, *item.participants) if item.organizer else item.participants:
        email = (person.email or "").strip().lower()  # normalize_email, inlined: hot loop
        if not email.isascii():
            email = normalize_email(email)  # an IDNA domain, an NFC local part
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


# What classify() says of an address, without the person's email, name and role:
# (user_id, contact_id, account_id, method, candidates, blocked), ParticipantMatch's tail.
Classified = tuple[int | None, int | None, int | None, str, tuple[int, ...] | None, bool]
_BLOCKED: Classified = (None, None, None, "none", None, True)
_OWNER: Classified = (None, None, None, "internal", None, False)


def classify(email: str, lookup: Lookup, settings: MatchSettings) -> Classified:
    """Freshsuccess order: a CRM user is internal; a contact is a direct match; else the
    account when exactly one has the domain; several accounts leave it ambiguous.

    A plain tuple (ParticipantMatch's fields after email, name, role): the matcher classifies
    each address of a batch once and shares the answer between everyone who has it."""
    if is_blocked(email, settings):
        return _BLOCKED
    user = lookup.users.get(email)
    if user is not None:
        return (user.id, None, None, "internal", None, False)
    contact = lookup.contacts.get(email)
    if contact is not None:
        if contact.account_id is not None:
            return (None, contact.id, contact.account_id, "direct", None, False)
        contact_id = contact.id
    else:
        contact_id = None
    domain = domain_to_look_up(email, settings.freemail)
    accounts = lookup.domains.get(domain, ()) if domain else ()
    if len(accounts) == 1:
        return (None, contact_id, accounts[0], "domain", None, False)
    if len(accounts) > 1:
        return (None, contact_id, None, "ambiguous", tuple(sorted(accounts)), False)
    return (None, contact_id, None, "none", None, False)


class Tally(NamedTuple):
    """What the item-level rules need to know of an item's matches, gathered in one pass."""

    accounts: frozenset[int]  # every account a participant ties the item to
    first_direct: ParticipantMatch | None  # first attendee (not the booker) who is a contact
    domain_accounts: frozenset[int]  # accounts matched by domain only
    has_contact: bool  # an external participant matched directly (or by an admin)
    has_domain: bool
    has_ambiguous: bool
    has_external: bool


_NONE: frozenset[int] = frozenset()


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
        if m.blocked:
            continue
        method = m.method
        if method == "internal":
            continue
        has_external = True
        if method in ACCOUNT_METHODS and m.account_id is not None:
            accounts.add(m.account_id)
        if method == "direct" or method == "manual":
            has_contact = True
            if method == "direct" and first_direct is None and m.email != booker:
                first_direct = m
        elif method == "domain":
            has_domain = True
            if m.account_id is not None:
                domain_accounts.add(m.account_id)
        elif method == "ambiguous":
            has_ambiguous = True
    # Tally(...) without its argument handling: one per item of every batch.
    return tuple.__new__(
        Tally,
        (
            frozenset(accounts) if accounts else _NONE,
            first_direct,
            frozenset(domain_accounts) if domain_accounts else _NONE,
            has_contact,
            has_domain,
            has_ambiguous,
            has_external,
        ),
    )


def event_client(
    booker: str | None,
    matches: Sequence[ParticipantMatch] | Tally,
    lookup: Lookup,
    settings: MatchSettings,
) -> tuple[int | None, int | None, str]:
    """(client account, client contact, method) by the EventPro order of section 4.

    `matches` may be a Tally, which must come from tally(matches, booker) for this booker."""
    if booker and not is_blocked(booker, settings):
        user = lookup.users.get(booker)
        if user is not None and user.contact_id is not None:
            return user.contact_account_id, user.contact_id, "booker_user"
        contact = lookup.contacts.get(booker)
        if contact is not None:
            return contact.account_id, contact.id, "booker"
    if settings.client_from_attendees:
        t = matches if isinstance(matches, Tally) else tally(matches, booker)
        if t.first_direct is not None:
            return t.first_direct.account_id, t.first_direct.contact_id, "attendee"
        if len(t.domain_accounts) == 1:
            return next(iter(t.domain_accounts)), None, "domain"
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
    # m[0], m[1], m[8]: email, name, blocked (indexing: one per participant of every batch).
    listed = [{"name": m[1], "email": m[0], "minutes": minutes} for m in matches if not m[8]]
    head = (item.start.date(), None if item.all_day else item.start, minutes, item.source, listed)
    new = tuple.__new__
    if len(accounts) == 1:
        return (new(InteractionDraft, (*accounts, *head)),)
    return tuple([new(InteractionDraft, (a, *head)) for a in sorted(accounts)])


def what_syncs(
    matches: Sequence[ParticipantMatch] | Tally, settings: MatchSettings
) -> tuple[bool, str]:
    """Navusoft's setting: contacts (strict), accounts (contact or domain), or everything."""
    if settings.sync_scope == "everything":
        return True, "everything syncs"
    t = matches if isinstance(matches, Tally) else tally(matches)
    if settings.sync_scope == "contacts":
        if t.has_contact:
            return True, "includes an account contact"
        return False, "no account contact among the participants"
    if t.has_contact:
        return True, "includes an account contact"
    if t.has_domain:
        return True, "matches an account by domain"
    if t.has_ambiguous:
        # Kept so an admin can pick the account from the ambiguous list.
        return True, "domain on several accounts, waiting for an admin"
    if not t.has_external:
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
    each address's classification, so an address seen on many items is classified once;
    `listed` is people(item) when the caller has it already."""
    if cache is None:
        cache = {}
    # Every item of a sync page has the same owners: normalise them once per batch.
    owners = cache.get(item.owner_emails)
    if owners is None:
        owners = cache[item.owner_emails] = frozenset(normalize_email(e) for e in item.owner_emails)
    new = tuple.__new__
    found = []
    for entry in people(item) if listed is None else listed:
        email = entry[0]
        base = cache.get(email)
        if base is None:
            base = cache[email] = classify(email, lookup, settings)
        if owners and email in owners and base[3] != "internal" and not base[5]:
            # The linked mailbox's own address, not a CRM user's: internal too.
            base = _OWNER
        # ParticipantMatch(*entry, *base), without its argument handling: a hot loop.
        found.append(new(ParticipantMatch, entry + base))
    matches = tuple(found)
    booker = normalize_email(item.organizer.email) if item.organizer else None
    counted = tally(matches, booker)
    account_id, contact_id, method = event_client(booker, counted, lookup, settings)
    syncs, reason = what_syncs(counted, settings)
    return MatchResult(  # positional: keywords cost a third more, once per item
        syncs,
        reason,
        account_id,
        contact_id,
        method,
        booked_by(booker, lookup, settings),
        event_manager(booker, lookup, settings),
        matches,
        build_interactions(item, matches, counted) if syncs else (),
        item,
    )
