"""Host-CRM hooks named in config: a value may be a callable or a "module:attr" string.
Its own module, so the views and the directory can read hooks without importing the
extension's package (which imports them)."""

from __future__ import annotations

import importlib


def resolve_callable(value):
    """Config values may name a callable as "module:attr"."""
    if value is None or callable(value):
        return value
    module, _, attr = str(value).partition(":")
    return getattr(importlib.import_module(module), attr)
