"""run history that tells the truth, and a run's progress

Revision ID: b7c31e5d2a90
Revises: 9e8bd4a97b3f
Create Date: 2026-12-02 13:30:00

crm_sync_runs: runs outlive their account (linked_account_id nullable, ON DELETE SET NULL,
plus account_label, filled from the account for the runs already there); trigger widened to
32 characters ("sync-now (profile)"); pages, the feed pages a run committed.
crm_linked_accounts: pending_trigger, what asked for the next run.
"""

import sqlalchemy as sa
from alembic import op

revision = "b7c31e5d2a90"
down_revision = "9e8bd4a97b3f"
branch_labels = None
depends_on = None

FK = "fk_crm_sync_runs_linked_account_id_crm_linked_accounts"
LABEL = (
    "UPDATE crm_sync_runs SET account_label = (SELECT "
    "CASE a.provider WHEN 'google' THEN 'Google' WHEN 'microsoft' THEN 'Microsoft 365' "
    "WHEN 'exchange' THEN 'Exchange' ELSE a.provider END || ': ' || a.external_email "
    "FROM crm_linked_accounts a WHERE a.id = crm_sync_runs.linked_account_id)"
)


def upgrade():
    with op.batch_alter_table("crm_linked_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_trigger", sa.String(length=32), nullable=True))
    with op.batch_alter_table("crm_sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_label", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("pages", sa.Integer(), nullable=False, server_default="0"))
        batch_op.alter_column(
            "trigger", existing_type=sa.String(length=16), type_=sa.String(length=32)
        )
        batch_op.alter_column("linked_account_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(op.f(FK), type_="foreignkey")
        batch_op.create_foreign_key(
            op.f(FK), "crm_linked_accounts", ["linked_account_id"], ["id"], ondelete="SET NULL"
        )
    op.execute(LABEL)


def downgrade():
    # Runs of accounts already unlinked have no account to belong to before this revision.
    op.execute("DELETE FROM crm_sync_runs WHERE linked_account_id IS NULL")
    op.execute("UPDATE crm_sync_runs SET trigger = substr(trigger, 1, 16)")
    with op.batch_alter_table("crm_sync_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(FK), type_="foreignkey")
        batch_op.create_foreign_key(
            op.f(FK), "crm_linked_accounts", ["linked_account_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.alter_column("linked_account_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column(
            "trigger", existing_type=sa.String(length=32), type_=sa.String(length=16)
        )
        batch_op.drop_column("pages")
        batch_op.drop_column("account_label")
    with op.batch_alter_table("crm_linked_accounts", schema=None) as batch_op:
        batch_op.drop_column("pending_trigger")
