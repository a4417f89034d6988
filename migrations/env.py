"""Alembic environment for the plugin's own migration branch.

It runs against the host's engine but only ever sees crm_ tables, and keeps its revision in
its own version table, so the host's migrations and the plugin's never step on each other.
"""

from __future__ import annotations

from alembic import context
from flask import current_app

from plugin.migrate import VERSION_TABLE, include_object
from plugin.models import Base


def run_migrations_online() -> None:
    engine = current_app.extensions["crm_sync"].db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            version_table=VERSION_TABLE,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
