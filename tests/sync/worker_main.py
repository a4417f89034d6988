"""A worker process for the multi-process tests: the demo app from environment settings,
dispatching until no account is due (python tests/sync/worker_main.py)."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def main() -> None:
    from demo.app import create_app
    from plugin.sync.scheduler import run_worker

    config = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False}
    config.update(json.loads(os.environ["CRM_SYNC_WORKER_CONFIG"]))
    app = create_app(config)
    run_worker(app, exit_when_idle=True)


if __name__ == "__main__":
    main()
