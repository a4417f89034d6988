"""The one URL map serving every Google path, and Google's rendering of routing errors.

The HTTP server itself (threads, the "closed" and "refused" modes, saving after writes) is
the shared ``sandbox.server``.
"""

from __future__ import annotations

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from . import batch, calendar_api, control, gmail_api, oauth_http
from .context import Google
from .errors import ApiError, json_response


def url_map() -> Map:
    rules = [
        *oauth_http.RULES,
        *calendar_api.RULES,
        *gmail_api.RULES,
        *batch.RULES,
        *control.RULES,
    ]
    return Map([r.empty() for r in rules], strict_slashes=False, merge_slashes=False)


_MAP: Map | None = None


def dispatch(sb: Google, request: Request) -> Response:
    """Route one request to its handler and render every error as Google would; a batch's
    parts come through here too."""
    global _MAP
    if _MAP is None:
        _MAP = url_map()
    adapter = _MAP.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match()
        return endpoint(sb, request, **args)
    except NotFound:
        api = "gmail" if request.path.startswith(("/gmail", "/batch/gmail")) else "calendar"
        return ApiError(404, "Not Found", "notFound", api=api).response()
    except MethodNotAllowed:
        return json_response({"error": {"code": 405, "message": "Method Not Allowed"}}, 405)
    except HTTPException as exc:
        return exc.get_response(request.environ)
    except ApiError as err:
        return err.response()
