"""What the link flow asks of the Microsoft identity platform and what it checks in the
answer, kept beside the adapter so the view only routes.

The authority is `{login}/{tenant}` (CRM_SYNC_MICROSOFT_TENANT). With "common" or
"organizations" any tenant may sign the user in, so the id_token's own tenant (`tid`) says
which one did, and its issuer must be that tenant's (`{login}/{tid}/v2.0`): the check the
identity platform's docs ask of multi-tenant apps
(https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-issuer).
Provider error text is never shown: only the OAuth error and its AADSTS number
(https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# The tenant every personal Microsoft account signs in through.
CONSUMERS_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
GRAPH_RESOURCE = "https://graph.microsoft.com/"
# openid for the id_token that names the tenant; offline_access for the refresh token.
BASE_SCOPES = ("openid", "offline_access", "User.Read", "Calendars.ReadWrite")
MAIL_SCOPE = "Mail.Read"
# A user declined (the consent page's Cancel).
DECLINED = {65004}
# Consent that only an administrator can give (app or tenant policy, admin-only permission).
NEEDS_ADMIN = {90094, 90095, 900941}
AADSTS_RE = re.compile(r"AADSTS(\d+)")


@dataclass(frozen=True)
class Endpoints:
    authorize: str
    token: str
    jwks: str


def endpoints(config: Mapping) -> Endpoints:
    login = str(config.get("CRM_SYNC_MICROSOFT_LOGIN_URL")).rstrip("/")
    authority = f"{login}/{config.get('CRM_SYNC_MICROSOFT_TENANT') or 'common'}"
    return Endpoints(
        authorize=f"{authority}/oauth2/v2.0/authorize",
        token=f"{authority}/oauth2/v2.0/token",
        jwks=f"{authority}/discovery/v2.0/keys",
    )


def scopes(mail: bool) -> str:
    """The permissions to ask for: Mail.Read only when the mailbox's email is to be synced."""
    return " ".join((*BASE_SCOPES, MAIL_SCOPE) if mail else BASE_SCOPES)


def tenant_allowed(configured: str, tid: str | None) -> bool:
    """The tenant that signed the user in is one the configured authority admits."""
    if not tid:
        return False
    configured = configured.lower()
    if configured == "common":
        return True
    if configured == "organizations":
        return tid.lower() != CONSUMERS_TENANT
    if configured == "consumers":
        return tid.lower() == CONSUMERS_TENANT
    return tid.lower() == configured


def claims_options(config: Mapping) -> dict:
    """Authlib claims options for the id_token (its signature, aud = our client id, nonce
    and expiry Authlib checks itself): the issuer of the tenant named in it, and that tenant
    admitted by the configured one."""
    login = str(config.get("CRM_SYNC_MICROSOFT_LOGIN_URL")).rstrip("/")
    tenant = str(config.get("CRM_SYNC_MICROSOFT_TENANT") or "common")
    return {
        "iss": {
            "essential": True,
            "validate": lambda claims, iss: iss == f"{login}/{claims.get('tid')}/v2.0",
        },
        "tid": {"essential": True, "validate": lambda claims, tid: tenant_allowed(tenant, tid)},
    }


def granted_scopes(token: Mapping) -> list[str]:
    """The token answer's scopes in Graph's short form ("Calendars.ReadWrite")."""
    raw = str(token.get("scope") or "").split()
    return sorted({s[len(GRAPH_RESOURCE) :] if s.startswith(GRAPH_RESOURCE) else s for s in raw})


def mailbox_address(me: Mapping, claims: Mapping) -> str:
    """The mailbox's SMTP address (Graph /me `mail`); a personal account without one signs
    in with its address as user name (`preferred_username`)."""
    return str(me.get("mail") or claims.get("preferred_username") or "").strip()


def aadsts(description: str | None) -> int | None:
    m = AADSTS_RE.search(description or "")
    return int(m.group(1)) if m else None


def refusal_message(error: str | None, description: str | None, subcode: str | None = None):
    """What the user reads when the identity platform refused: a sentence of ours, naming at
    most the error and its AADSTS number."""
    code = aadsts(description)
    if code in DECLINED or (error == "access_denied" and subcode == "cancel"):
        return (
            "Microsoft 365 access was not allowed, so nothing was linked. Choose Continue "
            "again and select Accept to link your mailbox."
        )
    if code in NEEDS_ADMIN or error in ("consent_required", "admin_consent_required"):
        return (
            "Your organization lets only an administrator allow this CRM to read your "
            "Microsoft 365 calendar and mail, so nothing was linked. Ask your Microsoft 365 "
            "administrator to grant admin consent for the app, then link again."
        )
    name = re.sub(r"[^a-z_]", "", str(error or "error").lower())[:40] or "error"
    said = f"{name}, AADSTS{code}" if code else name
    return f"Microsoft refused the sign-in ({said}); nothing was linked. Please try again."
