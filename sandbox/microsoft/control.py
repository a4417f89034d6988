"""The /_sandbox control plane: the shared rules (reset, calls, faults, clock, save) plus
users, app registrations, tokens, throttling, invitations, sent mail, subscriptions and
changes "as the user did in Outlook"."""

from __future__ import annotations

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from ..control import ControlPlane, json_response
from .errors import AadError, GraphError
from .outlook import outlook_action

plane = ControlPlane(rendered=(GraphError, AadError))


@plane.route("/users", ("GET", "POST"))
def users(sb, body, request):
    """GET: the users; POST ``{email, name?, password?, time_zone?}``: add (or update) one."""
    if request.method == "POST":
        sb.add_user(
            body["email"],
            body.get("name"),
            body.get("password", "password"),
            body.get("time_zone", "UTC"),
        )
    return sb.users()


@plane.route("/users/<email>/password")
def password(sb, body, request, email):
    """A password change: every older refresh token then fails with invalid_grant."""
    sb.set_password(email, body["password"])


@plane.route("/clients", ("GET", "POST"))
def clients(sb, body, request):
    """POST ``{client_id, client_secret?, redirect_uris, name?, admin_consented?}``."""
    if request.method == "POST":
        sb.add_client(
            body["client_id"],
            body.get("client_secret"),
            body["redirect_uris"],
            body.get("name", "CRM Sync"),
            bool(body.get("admin_consented")),
        )
    return [
        {
            "client_id": a.client_id,
            "redirect_uris": a.redirect_uris,
            "name": a.name,
            "admin_consented": a.admin_consented,
        }
        for a in sb.state.apps.values()
    ]


@plane.route("/tenant", ("GET", "POST"))
def tenant(sb, body, request):
    """``{user_consent_allowed}``: False makes every Graph permission need an admin."""
    if "user_consent_allowed" in body:
        sb.state.user_consent_allowed = bool(body["user_consent_allowed"])
    return {"tenant_id": sb.tenant_id, "user_consent_allowed": sb.state.user_consent_allowed}


@plane.route("/tokens")
def tokens(sb, body, request):
    """``{email, scopes, client_id?}``: the token endpoint's JSON for that user."""
    return sb.issue_token(body["email"], body["scopes"], body.get("client_id"))


@plane.route("/tokens/expire")
def expire(sb, body, request):
    """``{email?}``: every access token (of that user) expires now."""
    sb.identity.expire_access_tokens(body.get("email"))


@plane.route("/throttling", ("GET", "POST"))
def throttling(sb, body, request):
    """``{budget, window_seconds, max_concurrency, concurrency_per}`` (None = unlimited;
    concurrency_per "app" or "mailbox")."""
    if body.get("concurrency_per", "app") not in ("app", "mailbox"):
        raise ValueError("concurrency_per is 'app' or 'mailbox'")
    for key in ("budget", "window_seconds", "max_concurrency", "concurrency_per"):
        if key in body:
            setattr(sb.throttle, key, body[key])
    return sb.throttle.settings()


@plane.route("/invitations", ("GET",))
def invitations(sb, body, request):
    return sb.invitations


@plane.route("/sent_mail", ("GET",))
def sent_mail(sb, body, request):
    return sb.state.sent_mail


@plane.route("/notifications", ("GET",))
def notifications(sb, body, request):
    """Every change notification sent to a subscription's URL."""
    return sb.state.notifications


@plane.route("/subscriptions", ("GET",))
def subscriptions(sb, body, request):
    return [
        {k: v for k, v in s.items() if not k.startswith("_")}
        for s in sb.state.subscriptions.values()
    ]


@plane.route("/outlook/<email>/<action>")
def outlook(sb, body, request, email, action):
    """Changes "as the user did in Outlook" (see ``outlook_action``)."""
    if email.lower() not in sb.state.users:
        return json_response({"error": "no such user"}, 404)
    return outlook_action(sb, email.lower(), action, body)


_MAP = Map([r.empty() for r in plane.rules], strict_slashes=False, merge_slashes=False)


def dispatch_control(sb, request: Request) -> Response:
    adapter = _MAP.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match()
    except NotFound:
        return json_response({"error": "not found"}, 404)
    except MethodNotAllowed:
        return json_response({"error": "method not allowed"}, 405)
    return endpoint(sb, request, **args)
