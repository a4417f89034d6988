"""An adopted calendar item whose guests differ from the CRM's only in how their addresses
are written (case, a unicode domain against its IDNA form) says the same thing: no patch is
sent for it (DESIGN section 4: one canonical form of an address for every comparison)."""

from __future__ import annotations

from datetime import UTC, datetime

from plugin.sync.engine.outbound import _same
from plugin.sync.providers.base import EventDraft, Person, RemoteEvent

START = datetime(2026, 5, 10, 9, tzinfo=UTC)
END = datetime(2026, 5, 10, 10, tzinfo=UTC)


def _pair(remote_guest: str, crm_guest: str) -> tuple[RemoteEvent, EventDraft]:
    remote = RemoteEvent(
        "e1", "primary", title="Review", start=START, end=END, attendees=(Person(remote_guest),)
    )
    draft = EventDraft(
        "7",
        "Review",
        START.replace(tzinfo=None),
        END.replace(tzinfo=None),
        attendees=(Person(crm_guest),),
    )
    return remote, draft


def test_unicode_domain_and_its_idna_form_are_the_same_guest():
    assert _same(*_pair("Jürgen@München.de", "jürgen@xn--mnchen-3ya.de"))


def test_case_and_spaces_do_not_make_a_different_guest():
    assert _same(*_pair(" Bob@Globex.COM ", "bob@globex.com"))


def test_a_different_guest_is_a_change():
    assert not _same(*_pair("bob@globex.com", "alice@globex.com"))
