"""The state file every stand-in shares: one object behind one re-entrant lock, pickled
atomically for ``--state-file``, with the API call counters.

Handlers take ``state.lock`` for the whole of a request's read-modify-write, so concurrent
clients see the service's atomic operations.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections import Counter
from typing import Self


class PersistentState:
    """A stand-in's memory: subclasses add their data in ``__init__``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: dict[str, Counter] = {}  # user -> operation -> executed calls

    def count_call(self, user: str, operation: str) -> None:
        with self.lock:
            self.calls.setdefault(user, Counter())[operation] += 1

    def call_counts(self, user: str | None = None) -> dict[str, int]:
        """Calls per operation, for one user or summed over all users."""
        with self.lock:
            if user is not None:
                return dict(self.calls.get(user.lower(), {}))
            total: dict[str, int] = {}
            for counter in self.calls.values():
                for operation, n in counter.items():
                    total[operation] = total.get(operation, 0) + n
            return total

    def clear(self, *keep: str) -> None:
        """Back to a fresh state in place (other objects hold this one), keeping ``keep``."""
        with self.lock:
            fresh = type(self)()
            kept = {name: getattr(self, name) for name in keep}
            self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "lock"})
            self.__dict__.update(kept)

    def __getstate__(self) -> dict:
        data = self.__dict__.copy()
        data.pop("lock", None)
        return data

    def __setstate__(self, data: dict) -> None:
        self.__dict__.update(data)
        self.lock = threading.RLock()

    def save(self, path: str) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a file."""
        with self.lock:
            blob = pickle.dumps(self)
        tmp = f"{path}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str) -> Self:
        with open(path, "rb") as fh:
            state = pickle.load(fh)
        if not isinstance(state, cls):
            raise ValueError(f"{path} does not hold a sandbox state")
        return state
