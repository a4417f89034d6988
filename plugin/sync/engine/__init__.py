"""The provider-neutral sync engine: feeds, paging, cursors, apply, run records.

from plugin.sync.engine import sync_account
run = sync_account(linked_account_id, worker="host:pid")
"""

from .backoff import backoff_delay
from .runner import sync_account

__all__ = ["backoff_delay", "sync_account"]
