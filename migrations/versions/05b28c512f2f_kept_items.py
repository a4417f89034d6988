"""kept items: the meetings and emails a user kept when unlinking

Revision ID: 05b28c512f2f
Revises: b7c31e5d2a90
Create Date: 2026-12-02 13:55:00

Unlinking with "keep the items already synced" removes the account's links; these rows keep
the items the user's own (plugin.models.kept).
"""

import sqlalchemy as sa
from alembic import op

revision = "05b28c512f2f"
down_revision = "b7c31e5d2a90"
branch_labels = None
depends_on = None

KINDS = (
    ("crm_kept_events", "event_id", "crm_events"),
    ("crm_kept_emails", "email_id", "crm_emails"),
)


def upgrade():
    for table, column, items in KINDS:
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.Integer(), nullable=False),
            sa.Column("kept_at", sa.DateTime(), nullable=False),
            sa.ForeignKeyConstraint(
                [column], [f"{items}.id"], name=op.f(f"fk_{table}_{column}_{items}"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["user_id"], ["crm_users.id"], name=op.f(f"fk_{table}_user_id_crm_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("user_id", column, name=op.f(f"uq_{table}_user_id_{column}")),
        )  # fmt: skip
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade():
    for table, column, _ in KINDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
