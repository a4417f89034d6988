"""SOAP 1.1 / EWS XML plumbing: namespaces, element builders, xs:dateTime in and out."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
ERR = "http://schemas.microsoft.com/exchange/services/2006/errors"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"s": SOAP, "m": M, "t": T}

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse(body: bytes) -> etree._Element:
    """Parse a request; raises ``etree.XMLSyntaxError`` (with line/column) when malformed."""
    return etree.fromstring(body, _PARSER)


def m(name: str) -> str:
    return f"{{{M}}}{name}"


def t(name: str) -> str:
    return f"{{{T}}}{name}"


def el(tag: str, text: object = None, attrib: dict | None = None, children=()) -> etree._Element:
    e = etree.Element(tag, {k: str(v) for k, v in (attrib or {}).items() if v is not None})
    if text is not None:
        e.text = text if isinstance(text, str) else format_value(text)
    for c in children:
        if c is not None:
            e.append(c)
    return e


def sub(parent: etree._Element, tag: str, text: object = None, attrib: dict | None = None):
    e = el(tag, text, attrib)
    parent.append(e)
    return e


def local(e: etree._Element) -> str:
    return etree.QName(e).localname


def format_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return format_dt(v)
    return str(v)


def parse_bool(text: str | None) -> bool:
    """xs:boolean: "true"/"1" and "false"/"0"; anything else is a schema violation."""
    value = (text or "").strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError(f"The value '{value}' is invalid according to its datatype 'boolean'")


_DT = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def parse_dt(text: str | None, zone: ZoneInfo | None = None) -> datetime:
    """xs:dateTime with optional fraction and offset; a value without offset is read in
    ``zone`` (the request's TimeZoneContext), else UTC. Returns aware UTC."""
    value = (text or "").strip()
    match = _DT.match(value)
    if not match:
        raise ValueError(f"The value '{value}' is invalid according to its datatype 'dateTime'")
    base, frac, off = match.groups()
    dt = datetime.fromisoformat(base)
    if frac:
        dt = dt.replace(microsecond=int((frac[1:] + "000000")[:6]))
    if off == "Z":
        dt = dt.replace(tzinfo=UTC)
    elif off:
        dt = datetime.fromisoformat(base + off).replace(microsecond=dt.microsecond)
    else:
        dt = dt.replace(tzinfo=zone or UTC)
    return dt.astimezone(UTC)


def format_dt(dt: datetime) -> str:
    """Exchange answers every time in UTC, whole seconds, with a Z."""
    return dt.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def tostring(e: etree._Element) -> bytes:
    return etree.tostring(e, xml_declaration=True, encoding="utf-8")
