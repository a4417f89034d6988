"""What every sync benchmark starts from: an in-process Google sandbox with a frozen clock,
and the demo host on a fresh database pointed at it."""

from __future__ import annotations

import os
import tempfile

from plugin.models import Base
from sandbox.clock import Clock
from sandbox.google import GoogleSandbox


def bench_app(pg_url: str | None):
    """(sandbox, app, db): tables created empty; call inside `with app.app_context()`."""
    from demo.app import create_app, db

    url = pg_url or "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.sqlite")
    sb = GoogleSandbox(clock=Clock(frozen=True))
    base = sb.start()
    sb.add_client("bench", "secret", ["http://localhost/cb"])
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "CRM_SYNC_GOOGLE_BASE_URL": base,
            "CRM_SYNC_GOOGLE_CLIENT_ID": "bench",
            "CRM_SYNC_GOOGLE_CLIENT_SECRET": "secret",
        }
    )
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
    return sb, app, db
