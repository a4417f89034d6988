"""Local stand-ins for the outside services the CRM sync plugin talks to.

Nothing here starts at import time: build a ``sandbox.google.GoogleSandbox`` and call
``start()``, or use the ``google_sandbox`` pytest fixture from ``sandbox.pytest_plugin``.
"""
