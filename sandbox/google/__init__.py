"""A local stand-in for Google (OAuth 2, Calendar API v3, Gmail API v1).

    from sandbox.google import GoogleSandbox
    sb = GoogleSandbox(); base_url = sb.start()

See sandbox/README.md for the API, the control plane and the list of simplifications.
"""

from .sandbox import GoogleSandbox

__all__ = ["GoogleSandbox"]
