"""With CSRF on (as in production), a POST without the token fails and changes nothing."""

from __future__ import annotations

import re

import pytest

from plugin.models import SystemSettings

EDIT = "/admin/crm_settings/edit/?id=1"


@pytest.fixture
def csrf_client(app, people, database_url):
    from demo.app import create_app

    secure = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "csrf-test",
            "WTF_CSRF_ENABLED": True,
        }
    )
    with secure.app_context():
        yield secure.test_client()


def _token_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    return match.group(1)


def _settings_form(token: str | None) -> dict:
    data = {
        "default_account": "__None",
        "default_event_manager": "__None",
        "virtual_assistant_user": "__None",
        "sync_scope": "everything",
        "window_past_days": "1",
        "window_future_days": "1",
        "sync_interval_minutes": "1",
        "send_invitations": "never",
        "blocklist": "",
        "freemail_domains": "gmail.com",
    }
    if token:
        data["csrf_token"] = token
    return data


def test_posts_without_token_fail_and_change_nothing(csrf_client):
    from demo.app import db

    login_page = csrf_client.get("/login").text
    no_token = {"email": "admin@crm.example", "password": "demo1234"}
    assert csrf_client.post("/login", data=no_token).status_code == 400
    response = csrf_client.post("/login", data={**no_token, "csrf_token": _token_of(login_page)})
    assert response.status_code == 302

    assert csrf_client.post(EDIT, data=_settings_form(None)).status_code == 400
    assert csrf_client.post(EDIT, data=_settings_form("forged")).status_code == 400
    db.session.expire_all()
    assert db.session.get(SystemSettings, 1).sync_scope == "accounts"

    token = _token_of(csrf_client.get(EDIT).text)
    assert csrf_client.post(EDIT, data=_settings_form(token)).status_code == 302
    db.session.expire_all()
    assert db.session.get(SystemSettings, 1).sync_scope == "everything"


def test_admin_form_checks_its_own_token_without_csrfprotect(csrf_client):
    """A host without CSRFProtect still gets protected admin forms (Flask-WTF's form token)."""
    from werkzeug.datastructures import MultiDict

    from plugin.admin.forms import AdminForm

    app = csrf_client.application
    with app.test_request_context("/admin/x", method="POST"):
        form = AdminForm(formdata=MultiDict({"csrf_token": "forged"}))
        assert not form.validate()
        assert "csrf_token" in form.errors
        token = form.csrf_token.current_token
        good = AdminForm(formdata=MultiDict({"csrf_token": token}))
        assert good.validate(), good.errors
