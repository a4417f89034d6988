"""exchangelib accounts against the stand-in, configured as the sync adapter does."""

from __future__ import annotations

from exchangelib import BASIC, DELEGATE, NTLM, Account, Configuration, Credentials
from exchangelib.protocol import FailFast

ANN = "ann@acme.com"
BOB = "bob@acme.com"
AUTH_TYPES = {"ntlm": NTLM, "basic": BASIC}


def account(
    sb, email: str = ANN, password: str = "password", auth: str = "ntlm", mailbox: str | None = None
) -> Account:
    config = Configuration(
        service_endpoint=sb.ews_url,
        credentials=Credentials(email, password),
        auth_type=AUTH_TYPES[auth],
        retry_policy=FailFast(),
    )
    return Account(mailbox or email, config=config, autodiscover=False, access_type=DELEGATE)
