"""Link External Calendar/Email (Navusoft): pick a provider, log in there, come back linked.

The one place a view talks to a provider: the OAuth code exchange, through Authlib's Flask
client (state + PKCE S256 kept in the session), and for Exchange the credentials check
(plugin.sync.providers.exchange.credentials) before anything is stored; Microsoft 365's views
are in link_microsoft.py, on this blueprint. Everything after that
goes through plugin.sync.linking, which owns the LinkedAccount rows and revocation.
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import OAuthError
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from joserfc.errors import JoseError
from sqlalchemy import select

from .. import oauth
from ..models import LinkedAccount, normalize_email
from ..state import session as db_session
from ..sync import grants
from ..sync.errors import AccountLinkedElsewhere
from . import providers
from .errors import add_error_pages
from .forms import ExchangeLinkForm, StartLinkForm

log = logging.getLogger(__name__)

bp = Blueprint("crm_sync_link", __name__)
add_error_pages(bp)

PROFILE = "crm_sync_profile.index"


@bp.before_request
@login_required
def _require_login():
    """Every step of the flow belongs to a logged-in CRM user."""


def _user_emails() -> list[str]:
    return [e.email for e in current_user.emails]


@bp.get("/")
def index():
    """The provider screen: the detected provider (or the one named by ?provider=, where a
    declined consent sends the user back) with Continue / Select a Different Provider."""
    chosen = providers.get(request.args.get("provider", ""))
    found = (chosen, (_user_emails() or [""])[0]) if chosen else providers.detect(_user_emails())
    if found is None:
        return redirect(url_for(".choose"))
    provider, email = found
    return render_template(
        "crm_sync/link/provider.html",
        provider=provider,
        email=email,
        form=StartLinkForm(login_hint=email),
    )


@bp.get("/providers")
def choose():
    """Every provider that works here; none listed that would not."""
    return render_template(
        "crm_sync/link/choose.html", providers=providers.available(), form=StartLinkForm()
    )


@bp.post("/google/start")
def start_google():
    """Send the user to Google's consent page (state, PKCE, offline access, consent)."""
    form = StartLinkForm()
    if not form.validate_on_submit():
        abort(400)
    client = oauth.client("crm_google")
    if client is None:
        abort(404)
    extra = {"login_hint": form.login_hint.data} if form.login_hint.data else {}
    scope = grants.scope_for("google", form.feed.data or "")
    if scope is not None:
        # Incremental authorization: ask for this one permission; Google adds what the
        # account granted before (include_granted_scopes), so the token covers both.
        extra["scope"] = " ".join((*oauth.GOOGLE_IDENTITY_SCOPES, scope))
        extra["include_granted_scopes"] = "true"
    return client.authorize_redirect(url_for(".google_callback", _external=True), **extra)


@bp.post("/exchange/start")
def start_exchange():
    """Continue / Re-link for Exchange: open the log-in form (re-link: filled in)."""
    form = StartLinkForm()
    if not form.validate_on_submit():
        abort(400)
    if providers.get("exchange") is None:
        abort(404)
    return redirect(url_for(".exchange", email=form.login_hint.data or None))


def _own_exchange_account(email: str) -> LinkedAccount | None:
    return db_session().scalar(
        select(LinkedAccount).where(
            LinkedAccount.provider == "exchange",
            LinkedAccount.external_email == normalize_email(email),
            LinkedAccount.user_id == current_user.id,
        )
    )


def _prefill(form: ExchangeLinkForm, email: str | None) -> None:
    """Re-link: what was stored, except the password; else the user's address and the
    configured authentication type."""
    form.auth_type.data = str(current_app.config.get("CRM_SYNC_EXCHANGE_AUTH_TYPE")).lower()
    email = email or next(iter(_user_emails()), "")
    form.email.data = email
    existing = _own_exchange_account(email) if email else None
    stored = (existing.credentials or {}) if existing is not None else {}
    if stored.get("server"):
        form.server.data = stored["server"]
        form.username.data = stored.get("username") or ""
        form.auth_type.data = stored.get("auth_type") or form.auth_type.data


@bp.route("/exchange", methods=["GET", "POST"])
def exchange():
    """The Exchange log-in: credentials checked against the server, stored only if they work."""
    from ..sync.providers.exchange.credentials import ExchangeLinkError, check_credentials

    if providers.get("exchange") is None:
        abort(404)
    form = ExchangeLinkForm()
    error = None
    if request.method == "GET":
        _prefill(form, request.args.get("email"))
    elif form.validate_on_submit():
        email = normalize_email(form.email.data)
        username = (form.username.data or "").strip() or email
        form.username.data = username
        try:
            settings = check_credentials(
                email,
                form.server.data,
                username,
                form.password.data,
                form.auth_type.data,
                current_app.config,
            )
        except ExchangeLinkError as exc:
            error = str(exc)
        else:
            return _link("exchange", email, settings, [])  # a password grants every feed
    status = 200 if request.method == "GET" else 422
    return render_template("crm_sync/link/exchange.html", form=form, error=error), status


def _fail(message: str, provider: str | None = None):
    """Back to the link page with the message; after a declined consent, to that provider's
    page, whose Continue button the message points at."""
    flash(message, "danger")
    return redirect(url_for(".index", **({"provider": provider} if provider else {})))


def _clear_state(client) -> None:
    """Forget the pending authorization, so its state cannot be used again."""
    state = request.args.get("state")
    if state:
        client.framework.clear_state_data(session, state)


@bp.get("/google/callback")
def google_callback():
    """Exchange the code, link the account, start its first sync."""
    client = oauth.client("crm_google")
    if client is None:
        abort(404)
    if request.args.get("error"):
        _clear_state(client)
        if request.args["error"] == "access_denied":
            return _fail(
                "Google access was not allowed, so nothing was linked. "
                "Choose Continue again and select Allow to link your account.",
                provider="google",
            )
        return _fail(f"Google refused the request ({request.args['error']}); nothing was linked.")
    try:
        token = client.authorize_access_token()
    except OAuthError as exc:
        if exc.error == "mismatching_state":
            return _fail(
                "This sign-in link has expired or was already used; nothing was "
                "linked. Please start again."
            )
        return _fail(
            f"Google did not accept the sign-in ({exc.description or exc.error}); "
            "nothing was linked. Please try again."
        )
    except JoseError as exc:
        log.warning("Google id_token rejected during link: %s", exc)
        return _fail(
            "Google's answer could not be verified (its ID token was invalid); nothing was "
            "linked. Please try again."
        )
    except requests.RequestException:
        log.warning("Google token endpoint unreachable during link", exc_info=True)
        return _fail(
            "Google could not be reached, so nothing was linked. Please try again in a few minutes."
        )
    return _finish_google(client, token)


def _finish_google(client, token: dict):
    granted = set((token.get("scope") or "").split())
    email = normalize_email((token.get("userinfo") or {}).get("email"))
    if not email:
        try:
            email = normalize_email(client.userinfo(token=token).get("email"))
        except requests.RequestException:
            return _fail("Google could not be reached, so nothing was linked. Please try again.")
    if not email:
        return _fail("Google did not tell us the account's email address; nothing was linked.")
    if not token.get("refresh_token"):
        return _fail(
            "Google did not grant offline access, so the account could not be "
            "linked. Please try again and allow access."
        )
    feeds = grants.granted_feeds("google", granted)
    if not feeds:
        return _fail("Access to neither Calendar nor Gmail was allowed; nothing was linked.")
    credentials = {k: v for k, v in token.items() if k not in ("userinfo", "id_token")}
    return _link("google", email, credentials, sorted(granted))


def feeds_text(feeds: list[str]) -> str:
    """ "Calendar and Email", or "Calendar only — Email was not granted"."""
    labels = [grants.FEED_LABELS[f] for f in grants.FEEDS if f in feeds]
    missing = [grants.FEED_LABELS[f] for f in grants.FEEDS if f not in feeds]
    if not missing:
        return " and ".join(labels)
    verb = "was" if len(missing) == 1 else "were"
    return f"{' and '.join(labels)} only — {' and '.join(missing)} {verb} not granted"


def _link(provider: str, email: str, credentials: dict, granted: list[str]):
    """Create or update the link (linking starts the first sync); all or nothing."""
    from ..sync import linking

    s = db_session()
    relink = (
        s.scalar(
            select(LinkedAccount.id).where(
                LinkedAccount.provider == provider,
                LinkedAccount.external_email == email,
                LinkedAccount.user_id == current_user.id,
            )
        )
        is not None
    )
    try:
        account = linking.link_account(
            current_user, provider, email, credentials, granted_scopes=granted
        )
    except AccountLinkedElsewhere:
        s.rollback()
        return _fail(
            f"{email} is already linked by another CRM user, so it cannot be linked here. "
            "Ask them to unlink it first."
        )
    verb = "re-linked" if relink else "linked"
    feeds = feeds_text(grants.granted_feeds(provider, granted))
    flash(
        f"{account.provider_label} account {email} {verb}: {feeds}. The first sync has started.",
        "success",
    )
    return redirect(url_for(PROFILE))
