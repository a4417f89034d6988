"""The plugin's tables (all prefixed crm_), on their own metadata for Alembic."""

from .base import Base, normalize_domain, normalize_email, utcnow
from .emails import Email, EmailLink
from .events import CalendarEvent, EventLink, Interaction, Participant
from .kept import KeptEmail, KeptEvent
from .linked import LinkedAccount, SyncCursor, SyncProblem, SyncRun
from .people import Account, AccountDomain, Contact, ContactEmail, User, UserEmail
from .settings import SystemSettings

__all__ = [
    "Account",
    "AccountDomain",
    "Base",
    "CalendarEvent",
    "Contact",
    "ContactEmail",
    "Email",
    "EmailLink",
    "EventLink",
    "Interaction",
    "KeptEmail",
    "KeptEvent",
    "LinkedAccount",
    "Participant",
    "SyncCursor",
    "SyncProblem",
    "SyncRun",
    "SystemSettings",
    "User",
    "UserEmail",
    "normalize_domain",
    "normalize_email",
    "utcnow",
]
