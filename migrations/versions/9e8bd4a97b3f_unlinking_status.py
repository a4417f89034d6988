"""unlinking status: an unlink request waits for the engine to revoke and delete

Revision ID: 9e8bd4a97b3f
Revises: 1260c8af0607
Create Date: 2026-11-23 17:13:52.130139

Autogenerate does not compare CHECK constraints, so this one is written by hand. On SQLite
the batch recreates the table; the old CHECK is named, so it is dropped by name.
"""

from alembic import op

revision = "9e8bd4a97b3f"
down_revision = "1260c8af0607"
branch_labels = None
depends_on = None

OLD = "status IN ('active', 'paused', 'needs_relink', 'error')"
NEW = "status IN ('active', 'paused', 'needs_relink', 'error', 'unlinking', 'unlinking_drop')"
NAME = "ck_crm_linked_accounts_status"


def _replace_check(sqltext: str) -> None:
    with op.batch_alter_table("crm_linked_accounts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), sqltext)


def upgrade():
    _replace_check(NEW)


def downgrade():
    # Finish no pending unlink here: such rows return to "active" so the CHECK holds.
    op.execute(
        "UPDATE crm_linked_accounts SET status = 'active' "
        "WHERE status IN ('unlinking', 'unlinking_drop')"
    )
    _replace_check(OLD)
