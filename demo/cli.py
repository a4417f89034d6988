"""`flask demo ...`: create the tables and load the demo CRM's people."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo CRM data.")


@demo_cli.command("init")
@click.option("--reset", is_flag=True, help="Drop the plugin's tables first.")
def init_command(reset: bool) -> None:
    """Create the crm_ tables (Alembic) and load the demo data if the CRM is empty."""
    from plugin import migrate

    from .seed import seed_demo

    if reset:
        from plugin.models import Base

        from .app import db

        Base.metadata.drop_all(db.engine)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS crm_alembic_version")
    migrate.upgrade()
    created = seed_demo()
    click.echo("demo data loaded" if created else "demo data already present")


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
