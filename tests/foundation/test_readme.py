"""The README's promises that code can check: every config key documented, CI runs the
README's test command, screenshots referenced exist."""

from __future__ import annotations

import re
from pathlib import Path

from plugin.config import DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_config_key_is_in_the_table():
    documented = set(re.findall(r"^\| `(CRM_SYNC_[A-Z_]+)` \|", README, re.M))
    assert documented == set(DEFAULTS)


def test_ci_runs_the_readme_test_command():
    assert "\n    ./scripts/test.sh\n" in README
    assert "\n    ./scripts/demo.sh\n" in README
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_screenshots_exist():
    shots = re.findall(r"\((docs/screenshots/[\w-]+\.png)\)", README)
    assert {"docs/screenshots/login.png", "docs/screenshots/admin-settings.png"} <= set(shots)
    missing = [s for s in shots if not (ROOT / s).exists()]
    assert not missing
