"""The `flask crm-sync ...` command group."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .crypto import generate_key

crm_sync_cli = AppGroup("crm-sync", help="Calendar and email sync: database, workers, accounts.")


@crm_sync_cli.command("generate-key")
def generate_key_command() -> None:
    """Print a new Fernet key for CRM_SYNC_ENCRYPTION_KEYS."""
    click.echo(generate_key())


@crm_sync_cli.group("db")
def db_group() -> None:
    """The plugin's own migration branch."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the crm_ tables."""
    from . import migrate

    migrate.upgrade(revision)
    click.echo(f"crm_ tables upgraded to {revision}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (for plugin developers)."""
    from . import migrate

    migrate.revision(message)


@crm_sync_cli.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored credential under the newest key (then drop old keys)."""
    from sqlalchemy import select
    from sqlalchemy.orm.attributes import flag_modified

    from .models import LinkedAccount
    from .state import session

    s = session()
    count = 0
    for account in s.scalars(select(LinkedAccount).where(LinkedAccount.credentials.isnot(None))):
        flag_modified(account, "credentials")  # decrypted with any key, written with the newest
        count += 1
    s.commit()
    click.echo(f"re-encrypted {count} credential(s) under the newest key")
