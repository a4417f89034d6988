"""stored addresses and domains in their canonical IDNA form

Revision ID: c4f1d2a7e9b3
Revises: 3c9f1d6e8a42
Create Date: 2026-12-02 14:05:00

Data only. Addresses with a non-ASCII domain were stored as typed ("ann@münchen.de"), so they
never met the same domain written "xn--mnchen-3ya.de". Every such row is rewritten in the
form plugin.models.addresses gives. A row whose canonical form another row already holds (in
the same unique scope) is left as it was and logged, so nothing is lost; an admin merges it.
Downgrade keeps the canonical form, which the older code reads as well.
"""

import logging

import sqlalchemy as sa
from alembic import op

from plugin.models.addresses import normalize_domain, normalize_email

revision = "c4f1d2a7e9b3"
down_revision = "3c9f1d6e8a42"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# (table, column, normalize, the columns the value is unique within)
COLUMNS = [
    ("crm_user_emails", "email", normalize_email, ()),
    ("crm_contact_emails", "email", normalize_email, ()),
    ("crm_account_domains", "domain", normalize_domain, ("account_id",)),
    ("crm_participants", "email", normalize_email, ("event_id", "email_id")),
]


def upgrade():
    bind = op.get_bind()
    for table_name, column, normalize, scope in COLUMNS:
        table = sa.table(table_name, sa.column("id"), sa.column(column), *map(sa.column, scope))
        value = table.c[column]
        rows = bind.execute(sa.select(table.c.id, value, *(table.c[s] for s in scope))).all()
        taken = {(tuple(r[2:]), r[1]) for r in rows}
        for row in rows:
            old = row[1]
            if old is None or old.isascii():
                continue
            new = normalize(old)
            key = (tuple(row[2:]), new)
            if new == old:
                continue
            if key in taken:
                log.warning("%s %s: %r kept, %r is already stored", table_name, row[0], old, new)
                continue
            bind.execute(sa.update(table).where(table.c.id == row[0]).values({column: new}))
            taken.add(key)


def downgrade():
    pass
