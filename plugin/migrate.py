"""Run the plugin's Alembic branch from Python or the CLI (`flask crm-sync db ...`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent
VERSION_TABLE = "crm_alembic_version"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Only the plugin's tables: a host's own tables are none of this branch's business."""
    if type_ == "table":
        return name.startswith("crm_") and name != VERSION_TABLE
    return True


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(revision: str = "heads") -> None:
    """Bring the plugin's tables to `revision` (inside an app context)."""
    command.upgrade(alembic_config(), revision)


def downgrade(revision: str) -> None:
    command.downgrade(alembic_config(), revision)


def revision(message: str, autogenerate: bool = True) -> None:
    command.revision(alembic_config(), message=message, autogenerate=autogenerate)
