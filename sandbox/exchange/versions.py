"""RequestServerVersion: the schema versions Exchange 2016/2019 serve, the one a request
without the header gets, and what a schema older than Exchange2010 does not hold.

"Requests that do not include version headers are handled as requests from the initial
release version of Exchange 2007 ... schema validation errors might occur because the
request will be validated against the initial release version of the EWS schema", and the
version header restricts the response to that schema (Versioning Requests,
https://learn.microsoft.com/en-us/previous-versions/office/developer/exchange-server-2007/bb856547(v=exchg.80)).
"""

from __future__ import annotations

from lxml import etree

from .errors import schema_error
from .xml import M, T

# ExchangeVersionType values Exchange Server 2016 and 2019 accept, oldest first.
SERVED_VERSIONS = (
    "Exchange2007",
    "Exchange2007_SP1",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2013",
    "Exchange2013_SP1",
    "Exchange2015",
    "Exchange2016",
)
WITHOUT_HEADER = "Exchange2007"

# The first schema version holding each element, attribute value or header the stand-in
# serves that the initial Exchange 2007 schema did not:
# - StartTimeZone/EndTimeZone (elements and calendar: FieldURIs): "Exchange2010 and later"
#   in Table 2 of Time zones and EWS in Exchange; Exchange2007_SP1 has MeetingTimeZone only.
#   https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/time-zones-and-ews-in-exchange
# - TimeZoneContext: the same table has it from Exchange2007_SP1, the first version with
#   request versioning at all.
# - SyncScope: folder associated items came with Exchange 2010 (EWS schema versions in
#   Exchange, Table 1).
#   https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/ews-schema-versions-in-exchange
# - the dumpster folders: "Dumpster access was implemented in EWS in Exchange 2010"
#   (Deleting items by using EWS in Exchange, Table 2).
#   https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/deleting-items-by-using-ews-in-exchange
ELEMENTS = {
    (T, "StartTimeZone"): "Exchange2010",
    (T, "EndTimeZone"): "Exchange2010",
    (M, "SyncScope"): "Exchange2010",
}
HEADERS = {(T, "TimeZoneContext"): "Exchange2007_SP1"}
FIELD_URIS = {"calendar:StartTimeZone": "Exchange2010", "calendar:EndTimeZone": "Exchange2010"}
FOLDER_IDS = {"recoverableitemsroot": "Exchange2010", "recoverableitemsdeletions": "Exchange2010"}


def before(version: str, first: str) -> bool:
    return SERVED_VERSIONS.index(version) < SERVED_VERSIONS.index(first)


def _refuse(elem: etree._Element, what: str, version: str):
    return schema_error(f"{what} is not valid in the {version} schema.", elem.sourceline or 1, 1)


def check(version: str, header: etree._Element | None, payload: etree._Element) -> None:
    """Refuse, as schema validation does, what the request's schema version lacks."""
    if version == SERVED_VERSIONS[-1]:
        return
    if header is not None:
        for elem in header:
            first = HEADERS.get((etree.QName(elem).namespace, etree.QName(elem).localname))
            if first and before(version, first):
                raise _refuse(elem, f"The header '{etree.QName(elem).localname}'", version)
    for elem in payload.iter(etree.Element):
        qname = etree.QName(elem)
        first = ELEMENTS.get((qname.namespace, qname.localname))
        if first and before(version, first):
            raise _refuse(elem, f"The element '{qname.localname}'", version)
        if qname.localname == "FieldURI":
            first = FIELD_URIS.get(elem.get("FieldURI", ""))
            if first and before(version, first):
                raise _refuse(elem, f"The FieldURI '{elem.get('FieldURI')}'", version)
        if qname.localname == "DistinguishedFolderId":
            first = FOLDER_IDS.get(elem.get("Id", ""))
            if first and before(version, first):
                raise _refuse(elem, f"The folder id '{elem.get('Id')}'", version)


def hidden(version: str) -> frozenset[str]:
    """Item elements an answer in this schema version leaves out."""
    return frozenset(
        name for (ns, name), first in ELEMENTS.items() if ns == T and before(version, first)
    )
