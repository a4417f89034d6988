"""Short pages: Google may answer fewer items than maxResults, even none, with a
nextPageToken, so a client that stops on a short page misses data. The knob makes the
stand-in do so at random (seeded, reseeded on reset) instead of only filling pages.

https://developers.google.com/calendar/api/v3/reference/events/list (maxResults: "The
number of events in the resulting page may be less than this value, or none at all, even if
there are more events matching the query. Incomplete pages can be detected by a non-empty
nextPageToken field in the response.")
"""

from __future__ import annotations

import random


class ShortPages:
    """Decides how many of the remaining items one page holds."""

    def __init__(self, seed: int = 0, rate: float = 0.0):
        self.seed = seed
        self.default_rate = rate
        self.reset()

    def reset(self) -> None:
        self.rate = self.default_rate  # chance that a page is cut short
        self._rng = random.Random(self.seed)

    def take(self, available: int, size: int, after_empty: bool = False) -> int:
        """Items for this page: ``min(size, available)``, or fewer (never two empty pages in a
        row, so a client that follows nextPageToken always gets through)."""
        full = min(size, available)
        if self.rate <= 0 or full == 0 or self._rng.random() >= self.rate:
            return full
        low = 1 if after_empty else 0
        if full - 1 < low:
            return full
        return self._rng.randint(low, full - 1)
