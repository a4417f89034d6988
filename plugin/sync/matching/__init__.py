"""Matching meetings and emails to CRM users, contacts and accounts (DESIGN section 4).

    from plugin.sync.matching import Item, Matcher, Person
    results = Matcher().match_many(items)      # one bulk directory lookup for the batch

The rules are pure functions (rules.py) over a Directory (directory.py): the plugin's models
by default (ModelDirectory), or the host's own tables through CRM_SYNC_DIRECTORY.
"""

from .directory import Defaults, Directory, DirectoryContact, DirectoryUser, MemoryDirectory
from .matcher import Matcher
from .model_directory import ModelDirectory, default_directory
from .rules import ACCOUNT_METHODS, CLIENT_METHODS, Lookup, match_item
from .values import (
    InteractionDraft,
    Item,
    MatchResult,
    MatchSettings,
    Named,
    ParticipantMatch,
    Person,
)

__all__ = [
    "ACCOUNT_METHODS",
    "CLIENT_METHODS",
    "Defaults",
    "Directory",
    "DirectoryContact",
    "DirectoryUser",
    "InteractionDraft",
    "Item",
    "Lookup",
    "MatchResult",
    "MatchSettings",
    "Matcher",
    "MemoryDirectory",
    "Named",
    "ModelDirectory",
    "ParticipantMatch",
    "Person",
    "default_directory",
    "match_item",
]
