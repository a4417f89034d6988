"""An item the database refuses is a problem in words: the driver's text (SQL, values) goes to
the log, never to the problem shown on the admin screens."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from sqlalchemy.exc import IntegrityError, OperationalError

from plugin.sync.engine.apply_util import isolated

DRIVER_TEXT = 'duplicate key value violates unique constraint "crm_events_pkey" DETAIL: (id)=(7)'


def test_a_refused_item_is_recorded_without_the_driver_text(db, caplog):
    problems = []
    ctx = SimpleNamespace(session=db.session, problem=lambda *args: problems.append(args))

    def apply(batch):
        if any(item == "bad" for item in batch):
            raise IntegrityError(
                "INSERT INTO crm_events (id) VALUES (?)", (7,), Exception(DRIVER_TEXT)
            )

    def locked(batch):
        raise OperationalError("UPDATE crm_events SET title=?", ("x",), Exception(DRIVER_TEXT))

    with caplog.at_level(logging.WARNING):
        isolated(ctx, "event", ["good", "bad"], apply, str)
        isolated(ctx, "event", ["other"], locked, str)
    assert [(p[1], p[2]) for p in problems] == [
        ("bad", "The database refused it"),
        ("other", "The database refused it"),
    ]
    for problem in problems:
        shown = " ".join(str(part) for part in problem)
        assert "INSERT" not in shown and "UPDATE" not in shown and "constraint" not in shown
        assert problem[3].startswith("Not stored: ")
    assert DRIVER_TEXT in caplog.text  # kept for whoever reads the logs
