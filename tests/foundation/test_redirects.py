"""Login's `next=` on the wire: the raw Location header a real HTTP server sends, read the
way a browser reads it, never leaves the site (issue 13, point 10)."""

from __future__ import annotations

import http.client
import threading
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from werkzeug.serving import make_server

from plugin.redirects import local_target

BYPASSES = [
    "//evil.example/",
    "///evil.example/",
    "////evil.example/",
    "/////evil.example/x?y=1",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "/%2F%2Fevil.example/",
    "/%2f/evil.example/",
    "/%5Cevil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "https:evil.example",
    "https://evil.example/",
    "http:/evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "//evil.example@crm.example/",
    "",
]

LEGITIMATE = [
    "/crm-sync/link/",
    "/admin/crm_linked_accounts/?page=2&sort=1",
    "/crm-sync/calendar/?date=2026-12-01#today",
    "/crm-sync/calendar/emails/7",
    "/search?q=%2F%2Fnot-a-host",
]


def browser_reads(base: str, location: str) -> tuple[str, str]:
    """(host, path) a browser goes to: it drops tabs and newlines, reads backslashes as
    slashes (WHATWG URL parser, special schemes) and resolves against the page's URL."""
    cleaned = "".join(c for c in location.strip() if c not in "\t\r\n").replace("\\", "/")
    parts = urlsplit(urljoin(base, cleaned))
    return parts.netloc, parts.path


@pytest.fixture
def server(app, people):
    """The demo app on a real socket: Werkzeug writes the Location header as it would live."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    thread.join(5)


def login_location(server, target: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    body = urlencode({"email": "sam@crm.example", "password": "demo1234"})
    conn.request(
        "POST",
        "/login?next=" + quote(target, safe=""),
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 302
    return response.getheader("Location")


@pytest.mark.parametrize("target", BYPASSES)
def test_a_bypass_lands_on_home_on_the_wire(server, target):
    base = f"http://127.0.0.1:{server.server_port}/login"
    location = login_location(server, target)
    assert browser_reads(base, location) == (f"127.0.0.1:{server.server_port}", "/")


@pytest.mark.parametrize("target", LEGITIMATE)
def test_a_local_target_is_still_followed_on_the_wire(server, target):
    base = f"http://127.0.0.1:{server.server_port}/login"
    location = login_location(server, target)
    want = urlsplit(urljoin(base, target))
    assert urlsplit(urljoin(base, location))[:4] == want[:4]


@pytest.mark.parametrize("target", BYPASSES)
def test_local_target_refuses_every_bypass(target):
    assert local_target(target) is None


def test_admin_sends_a_relative_next_that_the_login_follows(client, people):
    page = "/admin/crm_linked_accounts/?page=1&sort=2"
    to_login = client.get(page)
    assert to_login.status_code == 302
    login_url = to_login.location
    assert urlsplit(login_url).path == "/login"
    assert "http" not in login_url and "localhost" not in login_url
    logged_in = client.post(login_url, data={"email": "admin@crm.example", "password": "demo1234"})
    assert logged_in.location == page
