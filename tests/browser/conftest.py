"""Browser-test fixtures: the demo CRM served live on a free port and Debian's Chromium driven
by playwright. Other browser tests reuse them:

    live_server          .url and .app of the running demo (CSRF on, demo data seeded)
    live_server_config   override in a test module to add config (module scope, a dict)
    browser              one headless Chromium per module (module scope, so a module that
                         starts its own playwright never meets a running one)
    browser_page         a fresh context and page per test
    login_as(page, email, password="demo1234")   log in through the real login form

The server runs on the test database (SQLite file, or the worker's PostgreSQL schema), which
is emptied, migrated from the models and seeded when each module's server starts.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CRM_SYNC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
DEMO_PASSWORD = "demo1234"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    app: Flask

    def path(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="module")
def live_server_config() -> dict:
    """Extra Flask config for this module's live server; override in a module."""
    return {}


@pytest.fixture(scope="module")
def live_server(database_url, live_server_config):
    from demo.app import create_app, db
    from demo.seed import seed_demo
    from plugin.models import Base

    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "browser-tests",
        "TESTING": True,
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": None,
        "CRM_SYNC_MX_RESOLVER": lambda domain: [],  # no DNS in tests
    }
    config.update(live_server_config)
    app = create_app(config)
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        seed_demo()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(5)
        scheduler = app.extensions["crm_sync"].scheduler
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login_as(live_server):
    """login_as(page, email): log in through the demo's login form and land on home."""

    def _login(page, email: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(live_server.path("/login"))
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("#login")
        page.wait_for_url(live_server.path("/"))

    return _login
