"""Link External Calendar/Email for Microsoft 365: the identity platform's authorization code
flow (state and PKCE S256 kept in the session by Authlib's Flask client), the id_token
verified (signature through the tenant's keys, audience, nonce, issuer and tenant), then
Graph's /me for the mailbox address. The views join the link blueprint; what to ask for and
check lives in plugin.sync.providers.microsoft.identity.
"""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import OAuthError
from flask import abort, current_app, request, url_for
from flask_login import current_user
from joserfc.errors import JoseError
from sqlalchemy import select

from .. import oauth
from ..models import LinkedAccount, normalize_email
from ..state import session as db_session
from ..sync import grants
from ..sync.providers.microsoft import identity
from .forms import StartLinkForm
from .link import _clear_state, _fail, _link, bp

log = logging.getLogger(__name__)

UNREACHABLE = (
    "Microsoft 365 could not be reached, so nothing was linked. Please try again in a few minutes."
)
EXPIRED = (
    "This sign-in link has expired or was already used; nothing was linked. Please start again."
)


def _client():
    client = oauth.client("crm_microsoft")
    if client is None:
        abort(404)
    return client


def _wants_mail(login_hint: str | None, feed: str | None) -> bool:
    """Ask for Mail.Read when email is to be synced: a re-link for Email, else unless the
    user's own link of this mailbox has email sync switched off (a new link syncs both)."""
    if feed == "mail":
        return True
    if not login_hint:
        return True
    sync_email = db_session().scalar(
        select(LinkedAccount.sync_email).where(
            LinkedAccount.provider == "microsoft",
            LinkedAccount.external_email == normalize_email(login_hint),
            LinkedAccount.user_id == current_user.id,
        )
    )
    return sync_email is not False


@bp.post("/microsoft/start")
def start_microsoft():
    """Send the user to the identity platform's sign-in and consent page."""
    form = StartLinkForm()
    if not form.validate_on_submit():
        abort(400)
    client = _client()
    hint = form.login_hint.data or None
    extra = {"scope": identity.scopes(mail=_wants_mail(hint, form.feed.data))}
    if hint:
        extra["login_hint"] = hint
    return client.authorize_redirect(url_for(".microsoft_callback", _external=True), **extra)


@bp.get("/microsoft/callback")
def microsoft_callback():
    """Redeem the code, verify who signed in, link the mailbox, start its first sync."""
    client = _client()
    if request.args.get("error"):
        _clear_state(client)
        return _fail(
            identity.refusal_message(
                request.args["error"],
                request.args.get("error_description"),
                request.args.get("error_subcode"),
            ),
            provider="microsoft",
        )
    try:
        token = client.authorize_access_token(
            claims_options=identity.claims_options(current_app.config)
        )
    except OAuthError as exc:
        if exc.error == "mismatching_state":
            return _fail(EXPIRED)
        log.warning("Microsoft token endpoint refused the code: %s", exc.error)
        return _fail(identity.refusal_message(exc.error, exc.description))
    except (JoseError, AuthlibBaseError) as exc:  # bad signature; a claim refused
        log.warning("Microsoft id_token rejected during link: %s", type(exc).__name__)
        return _fail(
            "Microsoft's answer could not be verified (its ID token was invalid or came from "
            "a tenant this CRM does not accept); nothing was linked."
        )
    except requests.RequestException:
        log.warning("Microsoft token endpoint unreachable during link", exc_info=True)
        return _fail(UNREACHABLE)
    return _finish(client, token)


def _finish(client, token: dict):
    claims = token.get("userinfo")
    if not claims:  # no id_token: nothing says which tenant signed the user in
        return _fail(
            "Microsoft did not say who signed in (no ID token), so nothing was linked. "
            "Please try again."
        )
    try:
        resp = client.get(
            f"{current_app.config['CRM_SYNC_MICROSOFT_GRAPH_URL'].rstrip('/')}/me",
            params={"$select": "mail,userPrincipalName"},
            token=token,
            timeout=current_app.config.get("CRM_SYNC_HTTP_TIMEOUT", 30),
        )
    except requests.RequestException:
        return _fail(UNREACHABLE)
    if resp.status_code != 200:
        log.warning("Graph /me answered %s during link", resp.status_code)
        if resp.status_code in (401, 403):
            return _fail(
                "Microsoft 365 did not let the CRM read your mailbox's address (the User.Read "
                "permission), so nothing was linked. Please try again and accept every "
                "permission asked for."
            )
        return _fail(UNREACHABLE)
    email = normalize_email(identity.mailbox_address(resp.json(), claims))
    if not email:
        return _fail("Microsoft did not tell us the mailbox's address; nothing was linked.")
    if not token.get("refresh_token"):
        return _fail(
            "Microsoft did not grant offline access, so the CRM could not keep your mailbox "
            "in sync after you leave; nothing was linked. Please try again and accept every "
            "permission asked for."
        )
    granted = identity.granted_scopes(token)
    if not grants.granted_feeds("microsoft", granted):
        return _fail("Access to neither Calendar nor Email was allowed; nothing was linked.")
    credentials = {k: v for k, v in token.items() if k not in ("userinfo", "id_token")}
    return _link("microsoft", email, credentials, granted)
