"""Provider adapters, one package per provider (google/, exchange/, microsoft/), all behind
providers.base.Provider; what they share (retry.py, tagging.py) lives beside base.py.

`get_provider(account)` is the only place that knows which class serves which provider key;
the engine asks it and never branches on the provider itself.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from .base import ChangeSet, Person, Provider, Rejected, RemoteEvent, RemoteMessage, Window

__all__ = [
    "ChangeSet",
    "Person",
    "Provider",
    "Rejected",
    "RemoteEvent",
    "RemoteMessage",
    "Window",
    "get_provider",
    "register",
]

Factory = Callable[..., Provider]
_REGISTRY: dict[str, Factory] = {}


def register(key: str, factory: Factory) -> None:
    """Make `factory(config, account, on_token=...)` serve LinkedAccount.provider == key.

    The factory gets the account (not only its credentials): Exchange needs its mailbox
    address and settings, read with exchange.account.exchange_settings."""
    _REGISTRY[key] = factory


def _google(config, account, on_token=None) -> Provider:
    from .google import GoogleProvider, google_config

    return GoogleProvider(google_config(config), account.credentials, on_token)


def _exchange(config, account, on_token=None) -> Provider:
    from .exchange import ExchangeProvider, exchange_config, exchange_settings

    return ExchangeProvider(
        exchange_config(config), exchange_settings(account), account.external_email
    )


def _microsoft(config, account, on_token=None) -> Provider:
    from .microsoft import MicrosoftProvider, microsoft_config

    return MicrosoftProvider(microsoft_config(config), account.credentials, on_token)


register("google", _google)
register("exchange", _exchange)
register("microsoft", _microsoft)


def get_provider(account, on_token: Callable[[dict], None] | None = None) -> Provider:
    """The adapter for a linked account; `on_token` receives refreshed credentials.

    :raises KeyError: no adapter is registered for the account's provider yet.
    """
    try:
        factory = _REGISTRY[account.provider]
    except KeyError:
        raise KeyError(f"No sync adapter for provider {account.provider!r}") from None
    return factory(current_app.config, account, on_token=on_token)
