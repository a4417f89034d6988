"""EXPLAIN a statement bound to a value list, on SQLite or PostgreSQL, as one text."""

from __future__ import annotations

import re

from plugin.sync import value_lists


def explain(db, statement, values: list[str], **params) -> str:
    """The plan of `statement` with the value list parameter ("values" unless named in
    `params` as list=...) bound to `values` and any other bound parameters in `params`.

    On PostgreSQL sequential scans and hash and merge joins are switched off for the
    question: it reads tables this small whole whenever that costs less, and the question
    is whether the index *can* answer the lookup, one probe per value."""
    dialect = db.engine.dialect.name
    name = params.pop("list", "values")
    compiled = statement.compile(dialect=db.engine.dialect)
    bound = dict(compiled.params, **params, **{name: value_lists.bind(dialect, values)})
    with db.engine.begin() as conn:
        if dialect == "postgresql":
            for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                conn.exec_driver_sql(f"SET LOCAL {setting} = off")
            rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", bound)
        else:
            order = compiled.positiontup or []
            rows = conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", tuple(bound[key] for key in order)
            )
        return "\n".join(" ".join(map(str, row)) for row in rows)


def scans(plan: str, tables: tuple[str, ...]) -> list[str]:
    """The tables the plan reads whole: SQLite's SCAN (even "USING INDEX": a full index
    walk), PostgreSQL's Seq Scan. The value list itself may be scanned, it is the batch."""
    return [t for t in tables if re.search(rf"(\bSCAN|Seq Scan on) {t}(\s|$)", plan, re.M)]


def probes(plan: str, table: str, column: str) -> bool:
    """Whether the plan looks `table` up by `column` through an index (SQLite's SEARCH on
    `column=?`; PostgreSQL's index or bitmap scan whose Index Cond names the column)."""
    lines = plan.splitlines()
    for i, line in enumerate(lines):
        if re.search(rf"SEARCH {table} USING .*\b{column}=\?", line):
            return True
        if re.search(rf"(Index (Only )?Scan using \S+|Bitmap Heap Scan) on {table}\b", line):
            following = " ".join(lines[i + 1 : i + 4])
            if re.search(rf"Index Cond: .*\b{column}\b", following):
                return True
    return False
