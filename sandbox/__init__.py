"""Local stand-ins for the outside services the CRM sync plugin talks to.

Nothing here starts at import time: build a ``sandbox.google.GoogleSandbox`` and call
``start()``, or use the ``google_sandbox`` pytest fixture from ``sandbox.pytest_plugin``.

What every stand-in shares lives here, once: ``clock`` (injectable time), ``faults`` (queued
faults per operation, latency, unreachable modes), ``state`` (the lock, call counters and
the state file), ``server`` (WSGI app, quiet handler, server thread, the "listening" line),
``control`` (the ``/_sandbox`` JSON plumbing and its common rules) and ``standin`` (the base
class). Each service is one package on top: ``sandbox.google``, ``sandbox.exchange``,
``sandbox.microsoft``.
"""
