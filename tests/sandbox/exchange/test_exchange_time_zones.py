"""The stand-in's own table of the Windows zones Exchange lists: each id keeps the standard
offset Windows gives it, and it agrees with the CLDR table the CRM adapter uses only because
both are right, not because they are the same table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tzlocal.windows_tz import win_tz

from sandbox.exchange import timezones
from sandbox.exchange.errors import EwsError
from sandbox.exchange.windows_zones import ZONES

NOW = datetime.now(UTC)
DAYS = [NOW + timedelta(days=15 * n) for n in range(25)]


@pytest.mark.parametrize("win", sorted(ZONES))
def test_each_windows_zone_keeps_its_windows_standard_offset(win):
    minutes, iana = ZONES[win]
    zone = ZoneInfo(iana)
    standard = {(d.astimezone(zone).utcoffset() - d.astimezone(zone).dst()) for d in DAYS}
    assert standard == {timedelta(minutes=minutes)}, (win, iana)


@pytest.mark.parametrize("win", sorted(set(ZONES) & set(win_tz)))
def test_the_table_and_cldr_keep_the_same_clock_for_each_id(win):
    ours, theirs = ZoneInfo(ZONES[win][1]), ZoneInfo(win_tz[win])
    assert [d.astimezone(ours).utcoffset() for d in DAYS] == [
        d.astimezone(theirs).utcoffset() for d in DAYS
    ], win


def test_the_table_is_its_own_and_names_zones_cldr_does_not_pick():
    # Same clock, different representative: proof the stand-in does not read the CLDR map.
    assert ZONES["FLE Standard Time"][1] != win_tz["FLE Standard Time"]
    assert ZONES["India Standard Time"][1] != win_tz["India Standard Time"]


def test_an_unlisted_id_is_refused_and_a_clock_finds_its_windows_zone():
    with pytest.raises(EwsError) as err:
        timezones.zone("Mars Standard Time")
    assert err.value.code == "ErrorCalendarInvalidTimeZone"
    assert timezones.windows_id("Asia/Calcutta") == "India Standard Time"
    assert timezones.windows_id("Europe/Zurich") == "W. Europe Standard Time"


def test_get_server_time_zones_is_answered_as_unserved(xsb):
    from exchange_helpers import account
    from exchangelib.errors import ErrorInvalidOperation

    with pytest.raises(ErrorInvalidOperation, match="GetServerTimeZones"):
        list(account(xsb).protocol.get_timezones())
