"""Where browser tests save screenshots: docs/screenshots/ only when asked
(CRM_SYNC_SCREENSHOTS=1), so an ordinary test run leaves the checkout untouched."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def screenshot_dir() -> Path:
    if os.environ.get("CRM_SYNC_SCREENSHOTS") == "1":
        return Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    return Path(tempfile.gettempdir()) / "crm-sync-screenshots"
