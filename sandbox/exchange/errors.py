"""EWS errors in Exchange's two shapes: a SOAP fault for the request as a whole, and an
error ResponseMessage for one item of a request."""

from __future__ import annotations

from lxml import etree

from .xml import ERR, SOAP, T


class EwsError(Exception):
    """An error ResponseMessage (ResponseClass="Error") for one element of a request."""

    def __init__(self, code: str, text: str = "", *, value: dict | None = None):
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text or code
        self.value = value or {}  # MessageXml <t:Value Name=..> entries


class SoapFault(Exception):
    """The whole request failed: a SOAP 1.1 Fault with the EWS ResponseCode in its detail,
    as Exchange answers schema errors, bad versions, ServerBusy and unknown operations."""

    def __init__(
        self,
        code: str,
        text: str,
        *,
        faultcode: str = "a:ErrorInvalidRequest",
        message_xml: dict | None = None,
        status: int = 500,
    ):
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text
        self.faultcode = faultcode
        self.message_xml = message_xml or {}
        self.status = status
        self.schema: tuple[int, int, str] | None = None

    def envelope(self):
        env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"s": SOAP})
        body = etree.SubElement(env, f"{{{SOAP}}}Body")
        fault = etree.SubElement(body, f"{{{SOAP}}}Fault")
        # faultcode, faultstring and detail are unqualified in SOAP 1.1; the code's prefix is
        # bound to the types namespace, as Exchange does.
        etree.SubElement(fault, "faultcode", nsmap={"a": T}).text = self.faultcode
        fs = etree.SubElement(fault, "faultstring")
        fs.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
        fs.text = self.text
        detail = etree.SubElement(fault, "detail")
        etree.SubElement(detail, f"{{{ERR}}}ResponseCode", nsmap={"e": ERR}).text = self.code
        etree.SubElement(detail, f"{{{ERR}}}Message", nsmap={"e": ERR}).text = self.text
        if self.message_xml or self.schema:
            mx = etree.SubElement(detail, f"{{{T}}}MessageXml", nsmap={"t": T})
            if self.schema:
                line, pos, violation = self.schema
                etree.SubElement(mx, f"{{{T}}}LineNumber").text = str(line)
                etree.SubElement(mx, f"{{{T}}}LinePosition").text = str(pos)
                etree.SubElement(mx, f"{{{T}}}Violation").text = violation
            for name, value in self.message_xml.items():
                v = etree.SubElement(mx, f"{{{T}}}Value", Name=name)
                v.text = str(value)
        return env


# ResponseCodes Exchange answers for the request as a whole, as a SOAP fault with HTTP 500,
# never as a ResponseMessage:
# - ErrorSchemaValidation: the FindConversation and GetServiceConfiguration error examples,
#   https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/findconversation-operation
# - ErrorIncorrectSchemaVersion: the GetImItemList error example ("a SOAP fault and not
#   represented in the EWS schema"),
#   https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getimitemlist-operation
# - ErrorInvalidRequest: the malformed-request fault of [MS-OXWUMS] 2.2.2.1,
#   https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxwums/a9e1fd8d-5f87-4caf-84f6-a99031d4bd56
# - ErrorServerBusy: "HTTP 500 ... with the ErrorServerBusy error code", EWS throttling,
#   https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange
# - the codes of the SOAP headers (RequestServerVersion, ExchangeImpersonation) and of the
#   connection budget, raised before any element is looked at: SOAP faults are used "when a
#   failure occurs while the SOAP headers are being processed" (Inside Microsoft Exchange
#   Server 2007 Web Services, ch. 18).
# ErrorInternalServerError is not one: the throttling page has it as "an EWS schema-based
# error response" with HTTP 200.
SOAP_FAULT_CODES = frozenset(
    {
        "ErrorSchemaValidation",
        "ErrorIncorrectSchemaVersion",
        "ErrorInvalidRequest",
        "ErrorServerBusy",
        "ErrorInvalidServerVersion",
        "ErrorInvalidSchemaVersionForMailboxVersion",
        "ErrorImpersonateUserDenied",
        "ErrorImpersonationDenied",
        "ErrorExceededConnectionCount",
    }
)


def scripted_fault(code: str, backoff_ms: int | None) -> SoapFault:
    """A queued fault whose code Exchange answers as a SOAP fault."""
    if code == "ErrorServerBusy":
        return server_busy(backoff_ms if backoff_ms is not None else 1000)
    if code == "ErrorSchemaValidation":
        return schema_error("Scripted fault.")
    if code == "ErrorExceededConnectionCount":
        return exceeded_connection_count(27)
    return SoapFault(code, f"{code} (scripted fault).", faultcode=f"a:{code}")


def server_busy(backoff_ms: int) -> SoapFault:
    return SoapFault(
        "ErrorServerBusy",
        "The server cannot service this request right now. Try again later.",
        faultcode="a:ErrorServerBusy",
        message_xml={"BackOffMilliseconds": int(backoff_ms)},
    )


def exceeded_connection_count(limit: int) -> SoapFault:
    """EWSMaxConcurrency breached: Microsoft's throttling page lists ErrorExceededConnectionCount
    for this policy (not ErrorServerBusy, which is for the time-percentage budgets)."""
    return SoapFault(
        "ErrorExceededConnectionCount",
        "You have exceeded the available concurrent connections for your account. "
        "Try again once your other requests have completed.",
        faultcode="a:ErrorExceededConnectionCount",
        message_xml={"Policy": "MaxConcurrency", "MaxConcurrencyLimit": int(limit)},
    )


def schema_error(violation: str, line: int = 1, position: int = 1) -> SoapFault:
    fault = SoapFault(
        "ErrorSchemaValidation",
        "The request failed schema validation: " + violation,
        faultcode="a:ErrorSchemaValidation",
    )
    fault.schema = (line, position, violation)
    return fault
