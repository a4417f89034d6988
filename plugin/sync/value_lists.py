"""A batch of keys (addresses, provider ids, Message-IDs) bound as one parameter and joined
as a table: how the matcher and the engine look a page's worth of rows up.

`email IN (:e1, ..., :e500)` costs SQLAlchemy a bind per value on every execution, caps a
statement at a few hundred values (SQLite's variable limit), and on PostgreSQL a long IN list
over a large table is planned as a sequential scan, so a lookup grew slower as the CRM grew.
A one-column table made of one parameter (SQLite `json_each(?)`, PostgreSQL
`unnest(%s::text[])`) avoids all three: the database probes the index once per value,
whatever the table's size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import String, Text, bindparam, func, select
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
        return (
            func.json_each(bindparam(name, type_=String)).table_valued("value").alias(f"v_{name}")
        )
    if dialect == "postgresql":
        fn = func.unnest(bindparam(name, type_=ARRAY(Text)))
        return fn.table_valued("value").render_derived(with_types=False).alias(f"v_{name}")
    raise ValueError(f"no one-parameter value list for {dialect}")


def bind(dialect: str, values: list[str]) -> object:
    """The parameter's value: a JSON array for SQLite, a list (a text[]) for PostgreSQL."""
    return json.dumps(values) if dialect == "sqlite" else values


def chunks(values: Iterable[str], size: int) -> Iterator[list[str]]:
    """Distinct values, sorted (so a statement's rows come in a stable order), in chunks."""
    batch = sorted(set(values))
    for i in range(0, len(batch), size):
        yield batch[i : i + size]


def restrict(query, column, dialect: str, param: str = "values"):
    """`query` limited to rows whose `column` is one of the parameter's values, in a form the
    database answers with one index probe per value.

    SQLite: `column IN (SELECT value FROM json_each(?))`, which it reads once and answers by
    probing the column's index per value even when the query has other conditions (joined,
    it chose to walk an account's every link and scan the list for each). PostgreSQL: a
    join on unnest, which its planner costs from the array's length (index probes, or one
    hash join when the batch is large next to the table). Not `column = ANY(array)`: once
    psycopg prepares the statement (its fifth run), PostgreSQL's generic plan for it read
    every link of the account per page, ten times slower. Elsewhere an expanding IN.
    tests/sync/test_lookup_plans.py and tests/matching/test_directory_lookups.py check the
    plans."""
    if dialect == "sqlite":
        return query.where(column.in_(select(values_table(dialect, param).c.value)))
    if dialect == "postgresql":
        q = values_table(dialect, param)
        return query.join_from(column.table, q, column == q.c.value)
    return query.where(column.in_(bindparam(param, expanding=True)))


def execute_in(session, statement, values: Iterable[str], param="values", size=None):
    """Run a restrict()ed `statement` for every chunk of the distinct `values`; yields one
    Result per chunk."""
    dialect = session.get_bind().dialect.name
    native = supports(dialect)
    for batch in chunks(values, size or (CHUNK if native else IN_CHUNK)):
        value: Any = bind(dialect, batch) if native else batch
        yield session.execute(statement, {param: value})


def rows_in(session, query, column, values: Iterable[str]) -> Iterator:
    """The rows of `query` whose `column` is one of `values`."""
    statement = restrict(query, column, session.get_bind().dialect.name)
    for result in execute_in(session, statement, values):
        yield from result


def scalars_in(session, query, column, values: Iterable[str]) -> Iterator:
    """The first column (an entity, for select(Model)) of those rows."""
    statement = restrict(query, column, session.get_bind().dialect.name)
    for result in execute_in(session, statement, values):
        yield from result.scalars()
