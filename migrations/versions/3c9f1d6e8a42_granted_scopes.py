"""granted scopes: what the provider granted at link, so a missing scope stops only its feed

Revision ID: 3c9f1d6e8a42
Revises: 05b28c512f2f
Create Date: 2026-12-02 14:00:00

NULL for accounts linked before: every feed counts as granted until a provider refuses one.
"""

import sqlalchemy as sa
from alembic import op

revision = "3c9f1d6e8a42"
down_revision = "05b28c512f2f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("crm_linked_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("granted_scopes", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("crm_linked_accounts", schema=None) as batch_op:
        batch_op.drop_column("granted_scopes")
