"""exchangelib accounts against the stand-in, configured as the sync adapter does."""

from __future__ import annotations

from exchangelib import BASIC, DELEGATE, NTLM, Account, Configuration, Credentials
from exchangelib.protocol import FailFast
from exchangelib.services import SyncFolderItems

ANN = "ann@acme.com"
BOB = "bob@acme.com"
AUTH_TYPES = {"ntlm": NTLM, "basic": BASIC}


def account(
    sb,
    email: str = ANN,
    password: str = "password",
    auth: str = "ntlm",
    mailbox: str | None = None,
    max_connections: int | None = None,
) -> Account:
    config = Configuration(
        service_endpoint=sb.ews_url,
        credentials=Credentials(email, password),
        auth_type=AUTH_TYPES[auth],
        retry_policy=FailFast(),
        max_connections=max_connections,
    )
    return Account(mailbox or email, config=config, autodiscover=False, access_type=DELEGATE)


SOAP = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"'
    ' xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    '<s:Header><t:RequestServerVersion Version="{version}"/></s:Header>'
    "<s:Body>{body}</s:Body></s:Envelope>"
)


def raw_soap(sb, body: str, email: str = ANN, version: str = "Exchange2016"):
    """POST one SOAP request with Basic auth; only for what exchangelib cannot express."""
    import base64

    import requests

    token = base64.b64encode(f"{email}:password".encode()).decode()
    return requests.post(
        sb.ews_url,
        data=SOAP.format(version=version, body=body).encode(),
        headers={"Authorization": "Basic " + token, "Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )


def sync_page(acc, folder, state, max_changes, shape="IdOnly"):
    """One SyncFolderItems call: (changes, new state, includes last item)."""
    svc = SyncFolderItems(account=acc)
    changes = list(
        svc.call(
            folder=folder,
            shape=shape,
            additional_fields=None,
            sync_state=state,
            ignore=None,
            max_changes_returned=max_changes,
            sync_scope=None,
        )
    )
    return changes, svc.sync_state, svc.includes_last_item_in_range
