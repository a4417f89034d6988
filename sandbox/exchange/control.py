"""The /_sandbox control plane: the shared rules (reset, calls, faults, clock, save) plus
users, throttling, auth switches, invitations and the "as in Outlook" routes."""

from __future__ import annotations

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from ..control import ControlPlane, json_response
from .errors import EwsError
from .outlook import outlook_action

plane = ControlPlane()


@plane.route("/users", ("GET", "POST"))
def users(sb, body, request):
    """GET: the users; POST ``{email, name?, password?}``: add one."""
    if request.method == "POST":
        sb.add_user(body["email"], body.get("name"), body.get("password", "password"))
    return sb.users()


@plane.route("/throttling", ("GET", "POST"))
def throttling(sb, body, request):
    """``{max_concurrency, budget, window_seconds}``."""
    for key in ("max_concurrency", "budget", "window_seconds"):
        if key in body:
            setattr(sb.throttle, key, body[key])
    return sb.throttle.settings()


@plane.route("/auth", ("GET", "POST"))
def auth(sb, body, request):
    """``{basic, ntlm}``: switch each authentication scheme on or off."""
    sb.auth.basic = bool(body.get("basic", sb.auth.basic))
    sb.auth.ntlm = bool(body.get("ntlm", sb.auth.ntlm))
    return {"basic": sb.auth.basic, "ntlm": sb.auth.ntlm}


@plane.route("/invitations", ("GET",))
def invitations(sb, body, request):
    return sb.invitations


@plane.route("/mailbox/<email>/<action>", ("GET", "POST"))
def mailbox(sb, body, request, email, action):
    """Changes "as the user did in Outlook" (see ``outlook_action``)."""
    if email.lower() not in sb.mailboxes:
        return json_response({"error": "no such user"}, 404)
    try:
        return outlook_action(sb, request, email, action, body)
    except EwsError as err:
        return json_response({"error": err.code, "message": err.text}, 400)


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
