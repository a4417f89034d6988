"""Value objects the matching rules take and give: no ORM, no app, so the rules stay pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol

from ...models.base import normalize_domain, normalize_email


@dataclass(frozen=True)
class Person:
    """Someone on a meeting or an email, as the provider named them."""

    email: str
    name: str | None = None


class Named(Protocol):
    """Anyone with an address and maybe a name: a Person, or a provider's own value object
    (the engine hands those over as they are rather than copying each attendee)."""

    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str | None: ...


@dataclass(frozen=True)
class Item:
    """A meeting or an email as the rules see it.

    For an email the organizer is the From and start/end are when it was sent; store_match
    dates an email's interaction on the day its thread started (Navusoft).
    """

    kind: str  # "meeting" | "email"
    organizer: Named | None
    participants: tuple[Named, ...]
    start: datetime
    end: datetime
    all_day: bool = False
    source: str = "Google Calendar"
    owner_emails: tuple[str, ...] = ()


class ParticipantMatch(NamedTuple):
    """What the rules made of one person. method: direct, domain, none, ambiguous, internal
    (a CRM user or the linked user's own address) or manual (set by an admin)."""

    email: str
    name: str | None
    role: str
    user_id: int | None = None
    contact_id: int | None = None
    account_id: int | None = None
    method: str = "none"
    candidates: tuple[int, ...] | None = None
    blocked: bool = False

    @property
    def external(self) -> bool:
        return self.method != "internal" and not self.blocked


class InteractionDraft(NamedTuple):
    """One account interaction (Freshsuccess): one per (item, account)."""

    account_id: int
    occurred_on: date
    start_at: datetime | None
    duration_minutes: int
    source: str
    participants: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Everything the rules decided about one item, and why it syncs or not."""

    syncs: bool
    reason: str
    client_account_id: int | None
    client_contact_id: int | None
    client_method: str
    booked_by_user_id: int | None
    event_manager_id: int | None
    participants: tuple[ParticipantMatch, ...]
    interactions: tuple[InteractionDraft, ...]
    item: Item | None = field(default=None, compare=False, repr=False)

    @property
    def ambiguous(self) -> tuple[ParticipantMatch, ...]:
        """Participants an admin has to resolve (their domain is on several accounts)."""
        return tuple(p for p in self.participants if p.method == "ambiguous")


SYNC_SCOPES = ("contacts", "accounts", "everything")


@dataclass(frozen=True)
class MatchSettings:
    """The system settings the rules read, as plain values (see SystemSettings)."""

    default_account_id: int | None = None
    default_event_manager_id: int | None = None
    virtual_assistant_user_id: int | None = None
    auto_assign_booker: bool = True
    client_from_attendees: bool = True
    sync_scope: str = "accounts"
    blocked_addresses: frozenset[str] = frozenset()
    blocked_domains: frozenset[str] = frozenset()
    freemail: frozenset[str] = frozenset()

    def __post_init__(self):
        if self.sync_scope not in SYNC_SCOPES:
            raise ValueError(f"sync_scope must be one of {SYNC_SCOPES}, not {self.sync_scope!r}")
        # Normalise once here so every rule can compare with ==.
        object.__setattr__(
            self, "blocked_addresses", frozenset(map(normalize_email, self.blocked_addresses))
        )
        object.__setattr__(
            self, "blocked_domains", frozenset(map(normalize_domain, self.blocked_domains))
        )
        object.__setattr__(self, "freemail", frozenset(map(normalize_domain, self.freemail)))

    @classmethod
    def from_row(cls, row) -> MatchSettings:
        """From a SystemSettings row (or anything with the same attributes)."""
        addresses, domains = row.blocked_entries()
        return cls(
            default_account_id=row.default_account_id,
            default_event_manager_id=row.default_event_manager_id,
            virtual_assistant_user_id=row.virtual_assistant_user_id,
            auto_assign_booker=bool(row.auto_assign_booker),
            client_from_attendees=bool(row.client_from_attendees),
            sync_scope=row.sync_scope or "accounts",
            blocked_addresses=addresses,
            blocked_domains=domains,
            freemail=row.freemail_set(),
        )

    @classmethod
    def coerce(cls, value) -> MatchSettings:
        if isinstance(value, MatchSettings):
            return value
        return cls.from_row(value)
