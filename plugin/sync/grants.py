"""Which feeds an account's grant covers: a feed runs only when it is ticked and its scope
was granted, so a missing scope switches off that feed alone and never the others.

LinkedAccount.granted_scopes holds what the provider granted at link (None for accounts
linked before it was recorded: every feed counts as granted until the provider refuses one,
and then `scope_refused` takes that feed's scopes off the record). Providers without scopes
(Exchange: a password) grant every feed.
"""

from __future__ import annotations

from sqlalchemy import select

from ..models import LinkedAccount

FEEDS = ("calendar", "mail")
FEED_LABELS = {"calendar": "Calendar", "mail": "Email"}

GOOGLE_CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
GOOGLE_GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"

# Per provider and feed: the scopes that each let the feed run (any one is enough) and, first,
# the one to ask for. Calendar needs write access: the CRM pushes its appointments.
FEED_SCOPES: dict[str, dict[str, tuple[str, ...]]] = {
    "google": {
        "calendar": (GOOGLE_CALENDAR_SCOPE,),
        "mail": (
            GOOGLE_GMAIL_SCOPE,
            "https://www.googleapis.com/auth/gmail.modify",
            "https://mail.google.com/",
        ),
    },
    # Graph permissions as the identity platform's token answer names them.
    "microsoft": {
        "calendar": ("Calendars.ReadWrite",),
        "mail": ("Mail.Read", "Mail.ReadWrite"),
    },
}


def wanted(account, feed: str) -> bool:
    """The user ticked the feed on the profile."""
    return bool(account.sync_calendar if feed == "calendar" else account.sync_email)


def granted(account, feed: str) -> bool:
    """The account's grant covers the feed (or nothing is known against it)."""
    scopes = FEED_SCOPES.get(account.provider, {}).get(feed)
    if not scopes or account.granted_scopes is None:
        return True
    return any(scope in account.granted_scopes for scope in scopes)


def feed_on(account, feed: str) -> bool:
    """The feed runs: ticked, and its scope granted."""
    return wanted(account, feed) and granted(account, feed)


def needs_permission(account) -> list[str]:
    """The ticked feeds whose scope is missing: the profile offers a re-link for each."""
    return [f for f in FEEDS if wanted(account, f) and not granted(account, f)]


def granted_feeds(provider: str, scopes) -> list[str]:
    """The feeds a set of scopes covers, for the link flow's message."""
    table = FEED_SCOPES.get(provider, {})
    return [f for f in FEEDS if f not in table or any(s in scopes for s in table[f])]


def scope_for(provider: str, feed: str) -> str | None:
    """The scope to ask for when re-linking for one feed."""
    scopes = FEED_SCOPES.get(provider, {}).get(feed)
    return scopes[0] if scopes else None


def scope_refused(account, feed: str) -> None:
    """The provider refused a call of this feed for scope: record that its scopes are not
    granted, so the feed is skipped (not failed) until the user re-links for it."""
    table = FEED_SCOPES.get(account.provider, {})
    if account.granted_scopes is None:
        known = {s for scopes in table.values() for s in scopes}
    else:
        known = set(account.granted_scopes)
    account.granted_scopes = sorted(known - set(table.get(feed, ())))


def push_calendars(session, user_id: int | None) -> list[int]:
    """The user's linked accounts a CRM appointment may be pushed to, first one first: the
    calendar feed on (ticked and granted), and the account syncing."""
    if user_id is None:
        return []
    accounts = session.scalars(
        select(LinkedAccount)
        .where(
            LinkedAccount.user_id == user_id,
            LinkedAccount.sync_calendar.is_(True),
            LinkedAccount.status.in_(("active", "error")),
        )
        .order_by(LinkedAccount.id)
    )
    return [a.id for a in accounts if feed_on(a, "calendar")]
