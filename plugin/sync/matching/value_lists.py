"""A batch of addresses bound as one parameter and joined as a table.

`email IN (:e1, ..., :e900)` costs SQLAlchemy a bind per value on every execution, caps a
statement at a few hundred values (SQLite's variable limit), and on PostgreSQL a long IN list
over a large table is planned as a sequential scan. A one-column table made of one parameter
(SQLite `json_each(?)`, PostgreSQL `unnest(%s::text[])`) avoids all three: the database
probes the unique index once per value, whatever the table's size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from sqlalchemy import String, Text, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import FromClause

# Values per statement: bounds the parameter's size (and a batch's memory), not correctness.
CHUNK = 5_000
# Where a dialect has no one-parameter table, the fallback IN list stays below SQLite's old
# 999-variable limit.
IN_CHUNK = 900
DIALECTS = ("sqlite", "postgresql")


def supports(dialect: str) -> bool:
    return dialect in DIALECTS


def values_table(dialect: str, name: str) -> FromClause:
    """A FROM item `q` with one text column `q.c.value`, fed by the parameter `name`."""
    if dialect == "sqlite":
        return func.json_each(bindparam(name, type_=String)).table_valued("value").alias("q")
    if dialect == "postgresql":
        fn = func.unnest(bindparam(name, type_=ARRAY(Text)))
        return fn.table_valued("value").render_derived(with_types=False).alias("q")
    raise ValueError(f"no one-parameter value list for {dialect}")


def bind(dialect: str, values: list[str]) -> object:
    """The parameter's value: a JSON array for SQLite, a list (a text[]) for PostgreSQL."""
    return json.dumps(values) if dialect == "sqlite" else values


def chunks(values: Iterable[str], size: int) -> Iterator[list[str]]:
    """Distinct values, sorted (so a statement's rows come in a stable order), in chunks."""
    batch = sorted(set(values))
    for i in range(0, len(batch), size):
        yield batch[i : i + size]
