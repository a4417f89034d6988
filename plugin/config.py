"""Every CRM_SYNC_* configuration key, its default, and the checks init_app makes.

Defaults live here and nowhere else, so the README table and the code cannot drift apart.
"""

from __future__ import annotations

import re

GOOGLE_ENDPOINTS = {
    "AUTHORIZE_URL": "https://accounts.google.com/o/oauth2/v2/auth",
    "TOKEN_URL": "https://oauth2.googleapis.com/token",
    "REVOKE_URL": "https://oauth2.googleapis.com/revoke",
    "USERINFO_URL": "https://openidconnect.googleapis.com/v1/userinfo",
    "JWKS_URL": "https://www.googleapis.com/oauth2/v3/certs",
    "CALENDAR_URL": "https://www.googleapis.com/calendar/v3",
    "GMAIL_URL": "https://gmail.googleapis.com/gmail/v1",
}

DEFAULTS: dict[str, object] = {
    # Fernet keys, newest first (a list or a comma-separated string). Required outside
    # debug and testing; older keys stay readable so keys can be rotated.
    "CRM_SYNC_ENCRYPTION_KEYS": None,
    "CRM_SYNC_URL_PREFIX": "/crm-sync",
    "CRM_SYNC_ADMIN_URL": "/admin",
    # The host layout the plugin's pages extend (blocks: title, head, content, scripts);
    # the plugin's own plain layout when unset.
    "CRM_SYNC_BASE_TEMPLATE": "crm_sync/layout.html",
    # Where an anonymous visitor is sent; the host's login endpoint.
    "CRM_SYNC_LOGIN_VIEW": "login",
    # Google OAuth client. Unset means Google is not offered in the provider picker.
    "CRM_SYNC_GOOGLE_CLIENT_ID": None,
    "CRM_SYNC_GOOGLE_CLIENT_SECRET": None,
    # Point every Google endpoint at one base URL (the sandbox stand-in); None = real Google.
    "CRM_SYNC_GOOGLE_BASE_URL": None,
    # Offer "Microsoft Exchange (on-premises)" in the link flow (users enter server and password).
    "CRM_SYNC_EXCHANGE_ENABLED": False,
    # TLS to the Exchange server: verify certificates (True/False), or trust this CA bundle
    # (a PEM file path, e.g. a company CA); the bundle wins when set.
    "CRM_SYNC_EXCHANGE_VERIFY_TLS": True,
    "CRM_SYNC_EXCHANGE_CA_BUNDLE": None,
    # Seconds per EWS request (the link check and sync).
    "CRM_SYNC_EXCHANGE_TIMEOUT": 20,
    # The authentication type the link form starts with: "ntlm" or "basic".
    "CRM_SYNC_EXCHANGE_AUTH_TYPE": "ntlm",
    # Email domain -> provider ("google", "microsoft", "exchange") for the link flow's
    # detection, e.g. Google Workspace domains: {"acme.com": "google"}. Free-mail domains of
    # Google and Microsoft are built in.
    "CRM_SYNC_PROVIDER_DOMAINS": {},
    # Then the domain's MX records: Google's mail hosts mean Google, Microsoft's mean
    # Microsoft 365. Seconds per lookup (answers, and failures, are cached for an hour), and
    # an optional callable(domain) -> list of MX host names replacing DNS (tests inject one).
    "CRM_SYNC_MX_LOOKUP": True,
    "CRM_SYNC_MX_TIMEOUT": 1.5,
    "CRM_SYNC_MX_RESOLVER": None,
    # Run the dispatch job inside the web process (demo, single-process deployments).
    "CRM_SYNC_RUN_SCHEDULER": False,
    "CRM_SYNC_DISPATCH_SECONDS": 5,
    "CRM_SYNC_LEASE_SECONDS": 300,
    "CRM_SYNC_MAX_ACCOUNTS_PER_DISPATCH": 5,
    "CRM_SYNC_HTTP_TIMEOUT": 30,
    # In-run retries of 5xx/timeouts: attempts, and the base of the jittered exponential delay.
    "CRM_SYNC_RETRY_ATTEMPTS": 3,
    "CRM_SYNC_RETRY_BASE_SECONDS": 0.5,
    # Longest wait between runs of an account that keeps failing.
    "CRM_SYNC_MAX_BACKOFF_MINUTES": 360,
    # A failed run that committed pages first comes back this soon (or at the interval).
    "CRM_SYNC_PROGRESS_RETRY_SECONDS": 60,
    # Page sizes asked of the providers (Google's maxima: events 2500, messages 500).
    "CRM_SYNC_CALENDAR_PAGE_SIZE": 2500,
    "CRM_SYNC_MAIL_PAGE_SIZE": 500,
    # Messages downloaded per Gmail batch request (Google: at most 100, 50 advised); 1 turns
    # batching off (one messages.get request per message).
    "CRM_SYNC_MAIL_BATCH_SIZE": 50,
    # Gmail's batch endpoint; None: the Gmail URL's host with /batch/gmail/v1.
    "CRM_SYNC_GOOGLE_GMAIL_BATCH_URL": None,
    # Exchange: changes per SyncFolderItems page (EWS: at most 512), and the longest
    # ErrorServerBusy back-off waited out within a run (longer ones end it as throttled).
    "CRM_SYNC_EXCHANGE_PAGE_SIZE": 512,
    "CRM_SYNC_EXCHANGE_MAX_INLINE_WAIT": 10,
    # Microsoft 365 (identity platform + Graph). Unset client id: not offered in the picker.
    "CRM_SYNC_MICROSOFT_CLIENT_ID": None,
    "CRM_SYNC_MICROSOFT_CLIENT_SECRET": None,
    # "common" (work, school and personal accounts), "organizations" (work and school),
    # "consumers" (personal) or one tenant's id, a GUID: the authority's path segment, and
    # the tenant every sign-in's id_token must name.
    "CRM_SYNC_MICROSOFT_TENANT": "common",
    # The identity platform's host; token URL = {login}/{tenant}/oauth2/v2.0/token.
    "CRM_SYNC_MICROSOFT_LOGIN_URL": "https://login.microsoftonline.com",
    "CRM_SYNC_MICROSOFT_GRAPH_URL": "https://graph.microsoft.com/v1.0",
    # Items per calendarView / message delta page (Prefer: odata.maxpagesize; 1-1000).
    "CRM_SYNC_MICROSOFT_PAGE_SIZE": 200,
    # The longest Retry-After (429/503) waited out within a run; longer ends it as throttled.
    "CRM_SYNC_MICROSOFT_MAX_INLINE_WAIT": 5,
    # Optional "module:callable" or callable: (user, account) -> bool, who may open an
    # Account Calendar. Default: any logged-in user.
    "CRM_SYNC_ACCOUNT_PERMISSION": None,
    # Optional "module:callable" or callable returning a matching Directory (the host seam).
    "CRM_SYNC_DIRECTORY": None,
}


def apply_defaults(config: dict) -> None:
    """Fill in every key the host did not set."""
    for key, value in DEFAULTS.items():
        config.setdefault(key, value)
    base = config.get("CRM_SYNC_GOOGLE_BASE_URL")
    for name, url in GOOGLE_ENDPOINTS.items():
        if base:
            path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
            url = f"{base.rstrip('/')}/{path}"
        config.setdefault(f"CRM_SYNC_GOOGLE_{name}", url)


# The authority's tenant segments the link flow can check an id_token's "tid" against.
MICROSOFT_TENANTS = ("common", "organizations", "consumers")
GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

# Sizes the providers accept: (key, smallest, largest).
SIZES = (
    ("CRM_SYNC_CALENDAR_PAGE_SIZE", 1, 2500),  # Calendar events.list maxResults
    ("CRM_SYNC_MAIL_PAGE_SIZE", 1, 500),  # Gmail messages.list maxResults
    ("CRM_SYNC_MAIL_BATCH_SIZE", 1, 100),  # calls in one Gmail batch request
    ("CRM_SYNC_EXCHANGE_PAGE_SIZE", 1, 512),  # SyncFolderItems MaxChangesReturned
    ("CRM_SYNC_MICROSOFT_PAGE_SIZE", 1, 1000),  # Graph delta odata.maxpagesize
)


def check(config: dict) -> None:
    """Refuse at start-up what a provider would refuse on every sync.

    :raises RuntimeError: naming the key and what it may be.
    """
    for key, low, high in SIZES:
        value = config.get(key)
        try:
            ok = low <= int(value) <= high
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise RuntimeError(f"{key} must be a whole number from {low} to {high}, not {value!r}.")
    auth = config.get("CRM_SYNC_EXCHANGE_AUTH_TYPE")
    if str(auth).lower() not in ("ntlm", "basic"):
        raise RuntimeError(f'CRM_SYNC_EXCHANGE_AUTH_TYPE must be "ntlm" or "basic", not {auth!r}.')
    tenant = config.get("CRM_SYNC_MICROSOFT_TENANT")
    if str(tenant).lower() not in MICROSOFT_TENANTS and not GUID_RE.match(str(tenant)):
        raise RuntimeError(
            'CRM_SYNC_MICROSOFT_TENANT must be "common", "organizations", "consumers" or your '
            "tenant id (a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47, on the Microsoft "
            f"Entra admin center's Overview page), not {tenant!r}."
        )


def encryption_keys(config: dict) -> list[str]:
    """The configured Fernet keys as a list, newest first."""
    keys = config.get("CRM_SYNC_ENCRYPTION_KEYS")
    if not keys:
        return []
    if isinstance(keys, str):
        keys = keys.split(",")
    return [k.strip() for k in keys if k and k.strip()]
