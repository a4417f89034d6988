"""A 403 or 404 on the plugin's pages is a page in the CRM's own layout with a way back, not
Werkzeug's bare text; the calendar's JSON feeds keep their plain answers for scripts."""

from __future__ import annotations


def _page(resp) -> str:
    return resp.get_data(as_text=True)


def test_an_unknown_plugin_page_is_a_404_in_the_crm_layout(client, world, login):
    login(world.user("sam@crm.example"))
    resp = client.get("/crm-sync/no-such-page")
    page = _page(resp)
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "Acme CRM" in page  # the host's navbar
    assert "Page not found" in page and 'href="/crm-sync/calendar/"' in page
    assert "The requested URL was not found on the server" not in page


def test_someone_elses_row_is_a_404_page_not_werkzeugs(client, world, login):
    login(world.user("sam@crm.example"))
    other = world.user("riley@crm.example")
    theirs = world.linked(other, "riley@gmail.com")
    resp = client.get(f"/crm-sync/settings/accounts/{theirs.id}/unlink")
    assert resp.status_code == 404
    assert "Page not found" in _page(resp) and "Acme CRM" in _page(resp)


def test_a_non_admin_opening_admin_gets_a_403_page_with_a_way_back(client, world, login):
    login(world.user("sam@crm.example"))
    resp = client.get("/admin/")
    page = _page(resp)
    assert resp.status_code == 403
    assert "Not allowed" in page and "Acme CRM" in page and "Go to My Calendar" in page


def test_json_callers_keep_a_plain_404(client, world, login):
    login(world.user("sam@crm.example"))
    resp = client.get("/crm-sync/no-such-page", headers={"Accept": "application/json"})
    assert resp.status_code == 404 and "Page not found" not in _page(resp)
    feed = client.get(
        "/crm-sync/accounts/999999/feed", query_string={"start": "2026-03-09", "end": "2026-03-16"}
    )
    assert feed.status_code == 404 and "Page not found" not in _page(feed)


def test_anonymous_visitors_still_go_to_log_in(client):
    resp = client.get("/crm-sync/calendar/")
    assert resp.status_code == 302 and "login" in resp.headers["Location"]
