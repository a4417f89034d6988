"""The Graph calendar writer against the stand-in (first tests; the writer is a draft)."""

from __future__ import annotations

from datetime import datetime

from behaviour.drivers.microsoft import MicrosoftDriver

from plugin.sync.providers import _microsoft
from plugin.sync.providers.base import EventDraft
from plugin.sync.providers.microsoft.calendar_write import MicrosoftCalendarWriter


def _writer(msb, db, make_microsoft_account, app):
    drv = MicrosoftDriver(msb, db, make_microsoft_account)
    account = drv.link("ann@acme.com")
    drv.reset(account)
    return drv, MicrosoftCalendarWriter(_microsoft(app.config, account).http)


def test_a_retried_insert_adopts_the_first_copy(msb, db, make_microsoft_account, app):
    drv, writer = _writer(msb, db, make_microsoft_account, app)
    draft = EventDraft("crm-1", "Review", datetime(2026, 12, 10, 9), datetime(2026, 12, 10, 10))
    first = writer.insert("x", draft, notify=False)
    again = writer.insert("x", draft, notify=False)
    assert not first.adopted and again.adopted
    assert again.remote.external_id == first.remote.external_id
    assert first.remote.crm_id == "crm-1"
    assert [e.title for e in drv.live_events("ann@acme.com")] == ["Review"]


def test_patch_with_a_stale_etag_is_an_edit_conflict_and_delete_twice_is_fine(
    msb, db, make_microsoft_account, app
):
    import pytest

    from plugin.sync.errors import EditConflict

    drv, writer = _writer(msb, db, make_microsoft_account, app)
    draft = EventDraft("crm-2", "Plan", datetime(2026, 12, 11, 9), datetime(2026, 12, 11, 10))
    made = writer.insert("x", draft, notify=False).remote
    moved = writer.patch(
        made.external_id,
        draft.__class__(**{**draft.__dict__, "title": "Plan B"}),
        made.etag,
        notify=False,
    )
    assert moved.title == "Plan B"
    with pytest.raises(EditConflict):
        writer.patch(made.external_id, draft, made.etag, notify=False)
    writer.delete(made.external_id, moved.etag, notify=False)
    writer.delete(made.external_id, moved.etag, notify=False)
    assert writer.get(made.external_id) is None
    assert drv.live_events("ann@acme.com") == []
