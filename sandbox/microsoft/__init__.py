"""A local Microsoft 365: the identity platform (OAuth 2 / OpenID Connect) and Microsoft
Graph v1.0 calendar and mail, on one 127.0.0.1 port. See sandbox/README.md."""

from .sandbox import MicrosoftSandbox

__all__ = ["MicrosoftSandbox"]
