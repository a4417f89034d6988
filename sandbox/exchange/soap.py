"""The EWS endpoint: authentication, the SOAP envelope, RequestServerVersion,
TimeZoneContext, scripted faults, throttling and the call counters, then one operation."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from lxml import etree
from werkzeug.wrappers import Request, Response

from . import timezones, versions
from .auth import Connection, Unauthorized
from .errors import SOAP_FAULT_CODES, EwsError, SoapFault, schema_error, scripted_fault
from .xml import NSMAP, SOAP, XSI, M, T, el, local, m, parse, sub, t, tostring

if TYPE_CHECKING:
    from .store import Mailbox

# Exchange Server build numbers (15.1 = 2016 CU23, 15.2 = 2019 CU12) and the schema
# version string they report.
BUILDS = {"2016": (15, 1, 2507, 6), "2019": (15, 2, 1118, 7)}


@dataclass
class Ctx:
    sb: Any
    mailbox: Mailbox
    email: str
    version: str
    tz: ZoneInfo | None
    op: str


Handler = Callable[[Ctx, etree._Element], list[etree._Element]]
OPERATIONS: dict[str, Handler] = {}


def operation(name: str):
    def register(fn: Handler) -> Handler:
        OPERATIONS[name] = fn
        return fn

    return register


def _xml_response(root: etree._Element, status: int = 200) -> Response:
    return Response(tostring(root), status, content_type="text/xml; charset=utf-8")


def _unauthorized(sb: Any, challenge: bytes | None, scheme: str = "NTLM") -> Response:
    import base64

    resp = Response("<h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1>")
    resp.status_code = 401
    resp.content_type = "text/html"
    if challenge:
        # The challenge goes back under the scheme the client opened with (NTLM or Negotiate).
        resp.headers.add("WWW-Authenticate", f"{scheme} " + base64.b64encode(challenge).decode())
    else:
        for name, value in sb.auth.challenge_headers():
            resp.headers.add(name, value)
    return resp


def _server_version(sb: Any) -> etree._Element:
    major, minor, build, minor_build = BUILDS[sb.exchange_version]
    return el(
        t("ServerVersionInfo"),
        None,
        {
            "MajorVersion": major,
            "MinorVersion": minor,
            "MajorBuildNumber": build,
            "MinorBuildNumber": minor_build,
            "Version": "V2017_07_11",
        },
    )


def envelope(sb: Any, payload: etree._Element) -> etree._Element:
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"s": SOAP, "xsi": XSI})
    header = etree.SubElement(env, f"{{{SOAP}}}Header")
    header.append(_server_version(sb))
    body = etree.SubElement(env, f"{{{SOAP}}}Body")
    body.append(payload)
    return env


def response_message(op: str, error: EwsError | None = None, children=()) -> etree._Element:
    msg = etree.Element(m(f"{op}ResponseMessage"), nsmap={"m": M, "t": T})
    if error is None:
        msg.set("ResponseClass", "Success")
        sub(msg, m("ResponseCode"), "NoError")
    else:
        msg.set("ResponseClass", "Error")
        sub(msg, m("MessageText"), error.text)
        sub(msg, m("ResponseCode"), error.code)
        sub(msg, m("DescriptiveLinkKey"), "0")
        if error.value:
            mx = sub(msg, m("MessageXml"))
            for name, value in error.value.items():
                sub(mx, t("Value"), str(value), {"Name": name})
    for c in children:
        if c is not None:
            msg.append(c)
    return msg


def handle_ews(sb: Any, request: Request, conn: Connection) -> Response:
    if request.method != "POST":
        return Response("", 405)
    try:
        email = sb.auth.authenticate(conn, request.headers.get("Authorization"))
    except Unauthorized as exc:
        return _unauthorized(sb, exc.challenge, exc.scheme)
    final, conn.final = conn.final, None
    response = _answer(sb, email, request)
    if final:  # SPNEGO's last token (mechListMIC) rides on the authenticated answer
        response.headers["WWW-Authenticate"] = final
    return response


def _answer(sb: Any, email: str, request: Request) -> Response:
    try:
        return _xml_response(_serve(sb, email, request.get_data()))
    except SoapFault as fault:
        return _xml_response(fault.envelope(), fault.status)
    except _HttpStatus as status:
        return Response(status.text, status.code, content_type="text/html")
    except EwsError as err:  # raised outside any one item (e.g. TimeZoneContext)
        fault = SoapFault(err.code, err.text, faultcode=f"a:{err.code}")
        return _xml_response(fault.envelope(), 500)
    except Exception as exc:  # a stand-in bug: answer as Exchange's internal error, loudly
        traceback.print_exc()
        fault = SoapFault(
            "ErrorInternalServerError",
            f"An internal server error occurred: {type(exc).__name__}: {exc}",
            faultcode="a:ErrorInternalServerError",
        )
        return _xml_response(fault.envelope(), 500)


class _HttpStatus(Exception):
    def __init__(self, code: int, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


def _serve(sb: Any, email: str, data: bytes) -> etree._Element:
    try:
        root = parse(data)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (1, 1)
        raise schema_error(str(exc.msg), line, col) from exc
    if root.tag != f"{{{SOAP}}}Envelope":
        raise schema_error("The root element must be a SOAP 1.1 Envelope.")
    header = root.find(f"{{{SOAP}}}Header")
    body = root.find(f"{{{SOAP}}}Body")
    if body is None or len(body) == 0:
        raise schema_error("The SOAP Body is missing or empty.")
    payload = body[0]
    version = versions.WITHOUT_HEADER
    tz = None
    if header is not None:
        rsv = header.find(t("RequestServerVersion"))
        if rsv is not None:
            version = rsv.get("Version", "")
            if version not in versions.SERVED_VERSIONS:
                raise SoapFault(
                    "ErrorInvalidServerVersion",
                    "The specified server version is invalid.",
                    faultcode="a:ErrorInvalidServerVersion",
                )
        tzc = header.find(t("TimeZoneContext"))
        if tzc is not None:
            definition = tzc.find(t("TimeZoneDefinition"))
            tz = timezones.zone(definition.get("Id") if definition is not None else None)
        if header.find(t("ExchangeImpersonation")) is not None:
            raise SoapFault(
                "ErrorImpersonateUserDenied",
                "The account does not have permission to impersonate the requested user.",
                faultcode="a:ErrorImpersonateUserDenied",
            )
    versions.check(version, header, payload)
    if etree.QName(payload).namespace != M:
        raise schema_error(f"The element '{local(payload)}' is not a known EWS operation.")
    op = local(payload)
    handler = OPERATIONS.get(op)
    if handler is None:
        raise SoapFault(
            "ErrorInvalidOperation",
            f"The operation {op} is not served by this Exchange stand-in.",
            faultcode="a:ErrorInvalidOperation",
        )
    mailbox = sb.mailboxes[email]
    # The throttle admits the call first and holds its slot for the whole call, latency
    # included, as EWSMaxConcurrency counts requests in flight.
    release = sb.throttle.enter(email)
    try:
        fault = sb.faults.take(op)
        sb.count_call(email, op)
        sb.faults.delay()
        if fault is not None:
            if isinstance(fault.code, int):
                raise _HttpStatus(fault.code, f"<h1>{fault.code} - Service Unavailable</h1>")
            if fault.code in SOAP_FAULT_CODES:
                raise scripted_fault(fault.code, fault.backoff_ms)
            return envelope(sb, _all_errors(op, payload, EwsError(fault.code, fault.code)))
        ctx = Ctx(sb, mailbox, email, version, tz, op)
        with mailbox.lock:
            messages = handler(ctx, payload)
    finally:
        release()
    response = etree.Element(m(f"{op}Response"), nsmap={"m": M, "t": T})
    rms = sub(response, m("ResponseMessages"))
    for msg in messages:
        rms.append(msg)
    return envelope(sb, response)


# The request element whose children each get their own ResponseMessage, as Exchange answers
# per-item errors ("a single SOAP response might contain multiple response messages", one per
# element: https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/verifying-the-results-of-an-ews-or-ews-managed-api-call).
# Operations not named here have one ResponseMessage per request.
PER_ELEMENT = {
    "GetItem": "ItemIds",
    "DeleteItem": "ItemIds",
    "CreateItem": "Items",
    "UpdateItem": "ItemChanges",
    "GetFolder": "FolderIds",
    "FindItem": "ParentFolderIds",
    "FindFolder": "ParentFolderIds",
    "ConvertId": "SourceIds",
}
# What an error ResponseMessage of a sync operation still holds (Microsoft's SyncFolderItems
# error example keeps SyncState and IncludesLastItemInRange).
_SYNC_TAIL = {
    "SyncFolderItems": "IncludesLastItemInRange",
    "SyncFolderHierarchy": "IncludesLastFolderInRange",
}


def _all_errors(op: str, payload: etree._Element, error: EwsError) -> etree._Element:
    """A scripted error answered for every element of the request."""
    response = etree.Element(m(f"{op}Response"), nsmap=NSMAP)
    rms = sub(response, m("ResponseMessages"))
    container = payload.find(m(PER_ELEMENT[op])) if op in PER_ELEMENT else None
    count = max(1, len(container)) if container is not None else 1
    for _ in range(count):
        tail = []
        if op in _SYNC_TAIL:
            tail = [el(m("SyncState"), ""), el(m(_SYNC_TAIL[op]), "true")]
        rms.append(response_message(op, error, tail))
    return response


def now_ms() -> int:
    return int(time.time() * 1000)
