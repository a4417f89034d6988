"""a CRM change may be to a whole recurring series

Revision ID: e2a9c7d41f05
Revises: c4f1d2a7e9b3
Create Date: 2026-12-03 20:05:00

crm_events.series_version: the CRM version of an occurrence that is a change to its whole
series ("All events in the series"); the engine then writes the series master once instead
of making every occurrence an exception. NULL: a change to this occurrence only.
"""

import sqlalchemy as sa
from alembic import op

revision = "e2a9c7d41f05"
down_revision = "c4f1d2a7e9b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("crm_events") as batch:
        batch.add_column(sa.Column("series_version", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("crm_events") as batch:
        batch.drop_column("series_version")
