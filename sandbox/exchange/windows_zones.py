"""The Windows time zones Exchange lists (GetServerTimeZones reads them from the Windows
registry), written down here from that list: id, the standard offset Windows gives it, and
one IANA zone with the same rules.

Kept apart from tzlocal's CLDR table on purpose: the CRM adapter maps zones with that table,
and a stand-in using the same table would hide its mistakes. The offsets are checked against
the IANA rules by the contract suite (tests/sandbox/exchange/test_exchange_time_zones.py).
"""

from __future__ import annotations

# Windows id | standard offset | IANA zone with the same rules
TABLE = """
Dateline Standard Time            | -12:00 | Etc/GMT+12
UTC-11                            | -11:00 | Etc/GMT+11
Aleutian Standard Time            | -10:00 | America/Adak
Hawaiian Standard Time            | -10:00 | Pacific/Honolulu
Marquesas Standard Time           | -09:30 | Pacific/Marquesas
Alaskan Standard Time             | -09:00 | America/Anchorage
UTC-09                            | -09:00 | Etc/GMT+9
Pacific Standard Time (Mexico)    | -08:00 | America/Tijuana
UTC-08                            | -08:00 | Etc/GMT+8
Pacific Standard Time             | -08:00 | America/Los_Angeles
US Mountain Standard Time         | -07:00 | America/Phoenix
Mountain Standard Time            | -07:00 | America/Denver
Yukon Standard Time               | -07:00 | America/Whitehorse
Central America Standard Time     | -06:00 | America/Guatemala
Central Standard Time             | -06:00 | America/Chicago
Easter Island Standard Time       | -06:00 | Pacific/Easter
Central Standard Time (Mexico)    | -06:00 | America/Mexico_City
Canada Central Standard Time      | -06:00 | America/Regina
SA Pacific Standard Time          | -05:00 | America/Bogota
Eastern Standard Time (Mexico)    | -05:00 | America/Cancun
Eastern Standard Time             | -05:00 | America/New_York
Haiti Standard Time               | -05:00 | America/Port-au-Prince
Cuba Standard Time                | -05:00 | America/Havana
US Eastern Standard Time          | -05:00 | America/Indiana/Indianapolis
Turks And Caicos Standard Time    | -05:00 | America/Grand_Turk
Atlantic Standard Time            | -04:00 | America/Halifax
Venezuela Standard Time           | -04:00 | America/Caracas
Central Brazilian Standard Time   | -04:00 | America/Cuiaba
SA Western Standard Time          | -04:00 | America/La_Paz
Pacific SA Standard Time          | -04:00 | America/Santiago
Newfoundland Standard Time        | -03:30 | America/St_Johns
Tocantins Standard Time           | -03:00 | America/Araguaina
E. South America Standard Time    | -03:00 | America/Sao_Paulo
SA Eastern Standard Time          | -03:00 | America/Cayenne
Argentina Standard Time           | -03:00 | America/Argentina/Buenos_Aires
Montevideo Standard Time          | -03:00 | America/Montevideo
Magallanes Standard Time          | -03:00 | America/Punta_Arenas
Saint Pierre Standard Time        | -03:00 | America/Miquelon
Bahia Standard Time               | -03:00 | America/Bahia
UTC-02                            | -02:00 | Etc/GMT+2
Azores Standard Time              | -01:00 | Atlantic/Azores
Cape Verde Standard Time          | -01:00 | Atlantic/Cape_Verde
UTC                               | +00:00 | UTC
GMT Standard Time                 | +00:00 | Europe/London
Greenwich Standard Time           | +00:00 | Atlantic/Reykjavik
Sao Tome Standard Time            | +00:00 | Africa/Sao_Tome
W. Europe Standard Time           | +01:00 | Europe/Berlin
Central Europe Standard Time      | +01:00 | Europe/Budapest
Romance Standard Time             | +01:00 | Europe/Paris
Central European Standard Time    | +01:00 | Europe/Warsaw
W. Central Africa Standard Time   | +01:00 | Africa/Lagos
GTB Standard Time                 | +02:00 | Europe/Bucharest
Middle East Standard Time         | +02:00 | Asia/Beirut
Egypt Standard Time               | +02:00 | Africa/Cairo
E. Europe Standard Time           | +02:00 | Europe/Chisinau
South Africa Standard Time        | +02:00 | Africa/Johannesburg
FLE Standard Time                 | +02:00 | Europe/Helsinki
Israel Standard Time              | +02:00 | Asia/Jerusalem
South Sudan Standard Time         | +02:00 | Africa/Juba
Kaliningrad Standard Time         | +02:00 | Europe/Kaliningrad
Sudan Standard Time               | +02:00 | Africa/Khartoum
Libya Standard Time               | +02:00 | Africa/Tripoli
Namibia Standard Time             | +02:00 | Africa/Windhoek
Arabic Standard Time              | +03:00 | Asia/Baghdad
Turkey Standard Time              | +03:00 | Europe/Istanbul
Arab Standard Time                | +03:00 | Asia/Riyadh
Belarus Standard Time             | +03:00 | Europe/Minsk
Russian Standard Time             | +03:00 | Europe/Moscow
E. Africa Standard Time           | +03:00 | Africa/Nairobi
Volgograd Standard Time           | +03:00 | Europe/Volgograd
Iran Standard Time                | +03:30 | Asia/Tehran
Arabian Standard Time             | +04:00 | Asia/Dubai
Astrakhan Standard Time           | +04:00 | Europe/Astrakhan
Azerbaijan Standard Time          | +04:00 | Asia/Baku
Russia Time Zone 3                | +04:00 | Europe/Samara
Mauritius Standard Time           | +04:00 | Indian/Mauritius
Saratov Standard Time             | +04:00 | Europe/Saratov
Georgian Standard Time            | +04:00 | Asia/Tbilisi
Caucasus Standard Time            | +04:00 | Asia/Yerevan
Afghanistan Standard Time         | +04:30 | Asia/Kabul
West Asia Standard Time           | +05:00 | Asia/Tashkent
Ekaterinburg Standard Time        | +05:00 | Asia/Yekaterinburg
Pakistan Standard Time            | +05:00 | Asia/Karachi
Qyzylorda Standard Time           | +05:00 | Asia/Qyzylorda
India Standard Time               | +05:30 | Asia/Kolkata
Sri Lanka Standard Time           | +05:30 | Asia/Colombo
Nepal Standard Time               | +05:45 | Asia/Kathmandu
Bangladesh Standard Time          | +06:00 | Asia/Dhaka
Omsk Standard Time                | +06:00 | Asia/Omsk
Myanmar Standard Time             | +06:30 | Asia/Yangon
SE Asia Standard Time             | +07:00 | Asia/Bangkok
Altai Standard Time               | +07:00 | Asia/Barnaul
W. Mongolia Standard Time         | +07:00 | Asia/Hovd
North Asia Standard Time          | +07:00 | Asia/Krasnoyarsk
N. Central Asia Standard Time     | +07:00 | Asia/Novosibirsk
Tomsk Standard Time               | +07:00 | Asia/Tomsk
China Standard Time               | +08:00 | Asia/Shanghai
North Asia East Standard Time     | +08:00 | Asia/Irkutsk
Singapore Standard Time           | +08:00 | Asia/Singapore
W. Australia Standard Time        | +08:00 | Australia/Perth
Taipei Standard Time              | +08:00 | Asia/Taipei
Ulaanbaatar Standard Time         | +08:00 | Asia/Ulaanbaatar
Aus Central W. Standard Time      | +08:45 | Australia/Eucla
Transbaikal Standard Time         | +09:00 | Asia/Chita
Tokyo Standard Time               | +09:00 | Asia/Tokyo
North Korea Standard Time         | +09:00 | Asia/Pyongyang
Korea Standard Time               | +09:00 | Asia/Seoul
Yakutsk Standard Time             | +09:00 | Asia/Yakutsk
Cen. Australia Standard Time      | +09:30 | Australia/Adelaide
AUS Central Standard Time         | +09:30 | Australia/Darwin
E. Australia Standard Time        | +10:00 | Australia/Brisbane
AUS Eastern Standard Time         | +10:00 | Australia/Sydney
West Pacific Standard Time        | +10:00 | Pacific/Port_Moresby
Tasmania Standard Time            | +10:00 | Australia/Hobart
Vladivostok Standard Time         | +10:00 | Asia/Vladivostok
Lord Howe Standard Time           | +10:30 | Australia/Lord_Howe
Bougainville Standard Time        | +11:00 | Pacific/Bougainville
Russia Time Zone 10               | +11:00 | Asia/Srednekolymsk
Magadan Standard Time             | +11:00 | Asia/Magadan
Norfolk Standard Time             | +11:00 | Pacific/Norfolk
Sakhalin Standard Time            | +11:00 | Asia/Sakhalin
Central Pacific Standard Time     | +11:00 | Pacific/Guadalcanal
Russia Time Zone 11               | +12:00 | Asia/Kamchatka
New Zealand Standard Time         | +12:00 | Pacific/Auckland
UTC+12                            | +12:00 | Etc/GMT-12
Fiji Standard Time                | +12:00 | Pacific/Fiji
Chatham Islands Standard Time     | +12:45 | Pacific/Chatham
UTC+13                            | +13:00 | Etc/GMT-13
Tonga Standard Time               | +13:00 | Pacific/Tongatapu
Samoa Standard Time               | +13:00 | Pacific/Apia
Line Islands Standard Time        | +14:00 | Pacific/Kiritimati
"""


def _rows():
    for line in TABLE.strip().splitlines():
        win, offset, iana = (part.strip() for part in line.split("|"))
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = offset[1:].split(":")
        yield win, sign * (int(hours) * 60 + int(minutes)), iana


ZONES: dict[str, tuple[int, str]] = {win: (minutes, iana) for win, minutes, iana in _rows()}
"""Windows id -> (standard offset in minutes, IANA zone)."""
