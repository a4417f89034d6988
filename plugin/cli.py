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


def _accounts(target: str) -> list:
    """A linked account id, a linked external email, or a CRM user's email (all theirs)."""
    from sqlalchemy import func, select

    from .models import LinkedAccount, UserEmail, normalize_email
    from .state import session

    s = session()
    if target.isdigit():
        found = s.get(LinkedAccount, int(target))
        return [found] if found else []
    email = normalize_email(target)
    linked = list(
        s.scalars(select(LinkedAccount).where(func.lower(LinkedAccount.external_email) == email))
    )
    if linked:
        return linked
    return list(
        s.scalars(
            select(LinkedAccount)
            .join(UserEmail, UserEmail.user_id == LinkedAccount.user_id)
            .where(UserEmail.email == email)
        )
    )


def _require(target: str) -> list:
    accounts = _accounts(target)
    if not accounts:
        raise click.ClickException(f"No linked account matches {target!r}.")
    return accounts


def _run_job(account, label: str, trigger: str, first=None):
    """The account's due job, run as a worker would, under its lease: its sync run, or None
    after finishing (or retrying) a pending unlink, said on the way. `first` runs once the
    lease is held. Refuses, naming the holder, an account another worker holds."""
    from .state import session
    from .sync.errors import LeaseHeld
    from .sync.jobs import run_job
    from .sync.lease import held, worker_id

    worker = worker_id("cli:")
    try:
        with held(account.id, worker):
            if first is not None:
                first(account.id)
                session().commit()
            result = run_job(account.id, worker=worker, trigger=trigger)
    except LeaseHeld as exc:
        raise click.ClickException(f"{label}: not synced. {exc}") from None
    if result.run is None:
        if result.unlinked:
            click.echo(f"{label}: unlinked (its unlinking was pending)")
        else:
            click.echo(f"{label}: unlinking pending; revoking the grant will be retried")
    return result.run


@crm_sync_cli.command("sync")
@click.argument("target")
def sync_command(target: str) -> None:
    """Sync one linked account now (id, linked email, or a user's email for all theirs)."""
    failed = False
    for account in _require(target):
        label = str(account)
        run = _run_job(account, label, "cli")
        if run is None:
            continue
        click.echo(
            f"{account}: {run.status} fetched={run.fetched} created={run.created} "
            f"updated={run.updated} deleted={run.deleted} skipped={run.skipped} "
            f"problems={run.problems} api_calls={run.api_calls} {run.duration_ms} ms"
            + (f" error: {run.error}" if run.error else "")
        )
        failed = failed or run.status == "failed"
    if failed:
        raise SystemExit(1)


@crm_sync_cli.command("resync")
@click.argument("target")
def resync_command(target: str) -> None:
    """Drop the account's cursors so its next sync is a full one, and sync it now."""
    from sqlalchemy import delete

    from .models import SyncCursor
    from .state import session

    def drop_cursors(account_id: int) -> None:  # under the lease: no run is paging now
        session().execute(delete(SyncCursor).where(SyncCursor.linked_account_id == account_id))

    for account in _require(target):
        label = str(account)
        run = _run_job(account, label, "cli resync", first=drop_cursors)
        if run is None:
            continue
        click.echo(f"{account}: full resync {run.status} ({run.fetched} items)")


@crm_sync_cli.command("status")
def status_command() -> None:
    """A table of linked accounts: provider, state, last run, next run, error."""
    from sqlalchemy import select

    from .models import LinkedAccount
    from .state import session

    rows = [("account", "provider", "state", "last run", "next run", "error")]
    for a in session().scalars(select(LinkedAccount).order_by(LinkedAccount.id)):
        rows.append(
            (
                f"{a.id} {a.external_email}",
                a.provider_label,
                a.status_label,
                f"{a.last_sync_at:%Y-%m-%d %H:%M}" if a.last_sync_at else "never",
                f"{a.next_sync_at:%Y-%m-%d %H:%M}" if a.next_sync_at else "-",
                (a.last_error or "")[:60],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@crm_sync_cli.command("worker")
@click.option("--exit-when-idle", is_flag=True, help="Stop once no account is due.")
def worker_command(exit_when_idle: bool) -> None:
    """Run the dispatch job (APScheduler) in this process until stopped."""
    from flask import current_app

    from .sync.scheduler import run_worker

    run_worker(current_app._get_current_object(), exit_when_idle=exit_when_idle)
