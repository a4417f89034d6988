"""Read the single system-settings row, creating it with defaults the first time."""

from __future__ import annotations

from .models import SystemSettings
from .state import session


def get_settings() -> SystemSettings:
    s = session()
    row = s.get(SystemSettings, 1)
    if row is None:
        row = SystemSettings(id=1)
        s.add(row)
        s.flush()
    return row
