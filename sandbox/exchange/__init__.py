"""A local Exchange Server (EWS) stand-in that unmodified exchangelib drives.

Nothing starts at import time: build an ``ExchangeSandbox`` and call ``start()``.
"""

from .sandbox import ExchangeSandbox

__all__ = ["ExchangeSandbox"]
