"""Every admin screen is for admins: anonymous visitors are sent to log in, other users get 403."""

from __future__ import annotations

import pytest

VIEWS = [
    "crm_users",
    "crm_contacts",
    "crm_accounts",
    "crm_settings",
    "crm_linked_accounts",
    "crm_sync_runs",
    "crm_sync_problems",
    "crm_emails",
]
GET_PATHS = ["/admin/"] + [f"/admin/{v}/" for v in VIEWS] + [f"/admin/{v}/new/" for v in VIEWS]
GET_PATHS += [f"/admin/{v}/edit/?id=1" for v in VIEWS] + [
    f"/admin/{v}/details/?id=1" for v in VIEWS
]
POST_PATHS = [f"/admin/{v}/action/" for v in VIEWS] + [f"/admin/{v}/delete/" for v in VIEWS]
POST_PATHS += ["/admin/crm_users/new/", "/admin/crm_settings/edit/?id=1"]


def test_every_plugin_view_is_covered(app):
    admin = app.extensions["crm_sync"].admin
    endpoints = {v.endpoint for v in admin._views} - {"crm_sync_admin"}
    # a view the matching helper adds (ambiguous items) is checked in its own tests
    assert set(VIEWS) <= endpoints


@pytest.mark.parametrize("path", GET_PATHS)
def test_anonymous_get_goes_to_login(client, people, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


@pytest.mark.parametrize("path", POST_PATHS)
def test_anonymous_post_goes_to_login_and_changes_nothing(client, people, path):
    response = client.post(path, data={"name": "X", "rowid": "1", "action": "pause", "id": "1"})
    assert response.status_code == 302
    assert response.location.startswith("/login")


@pytest.mark.parametrize("path", GET_PATHS)
def test_ordinary_user_gets_403(client, people, login, path):
    login("sam@crm.example")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", POST_PATHS)
def test_ordinary_user_post_gets_403(client, people, login, path):
    login("sam@crm.example")
    response = client.post(path, data={"name": "X", "rowid": "1", "action": "pause", "id": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize("view", VIEWS)
def test_admin_sees_every_list(admin_client, view):
    response = admin_client.get(f"/admin/{view}/", follow_redirects=True)
    assert response.status_code == 200


def test_admin_menu_entry_only_for_admins(client, people, login):
    login("sam@crm.example")
    assert 'href="/admin/"' not in client.get("/").text
    login("admin@crm.example")
    assert 'href="/admin/"' in client.get("/").text


def test_inactive_admin_is_refused(client, people, login, db):
    from plugin.models import User

    login("admin@crm.example")
    admin = db.session.scalar(db.select(User).where(User.is_admin.is_(True)))
    admin.is_active = False
    db.session.commit()
    assert client.get("/admin/crm_users/").status_code in (302, 403)


def test_every_registered_view_refuses_others(app, client, people, login):
    """Also the views other parts of the plugin add (ambiguous matches, appointments, ...)."""
    admin = app.extensions["crm_sync"].admin
    urls = [v.url.rstrip("/") + "/" for v in admin._views]
    assert len(urls) >= len(VIEWS) + 1
    for url in urls:
        login(None)
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url
        login("sam@crm.example")
        assert client.get(url).status_code == 403, url
