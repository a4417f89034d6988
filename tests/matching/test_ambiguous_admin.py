"""The admin resolves an ambiguous domain match by picking one of the candidate accounts."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from plugin.admin.ambiguous import add_ambiguous_view
from plugin.models import Participant

from .helpers import account, user
from .test_store_and_rematch import interactions, meeting, stored


@pytest.fixture
def admin_client(app, db):
    """A client for an app whose admin has the view (the shared app gets it from add_views)."""
    if "crm_ambiguous.index" not in app.view_functions:
        from demo.app import create_app

        app = create_app(dict(app.config))
        add_ambiguous_view(app.extensions["crm_sync"].admin, db)
    boss = user(db, "Boss", "boss@ours.com")
    boss.is_admin, boss.password_hash = True, generate_password_hash("pw")
    user(db, "Clerk", "clerk@ours.com").password_hash = generate_password_hash("pw")
    db.session.commit()
    return app.test_client()


def login(client, email):
    client.post("/login", data={"email": email, "password": "pw"})


def test_ambiguous_list_and_resolve_as_admin(admin_client, db):
    east = account(db, "Acme East", "acme.com")
    west = account(db, "Acme West", "acme.com")
    row = stored(db, meeting(None, "x@acme.com"))
    login(admin_client, "boss@ours.com")
    page = admin_client.get("/admin/crm_ambiguous/")
    assert page.status_code == 200
    assert b"x@acme.com" in page.data and b"Acme East" in page.data and b"Acme West" in page.data
    (p,) = row.participants
    res = admin_client.post(
        f"/admin/crm_ambiguous/resolve/{p.id}",
        data={f"p{p.id}-participant_id": str(p.id), f"p{p.id}-account_id": str(west.id)},
    )
    assert res.status_code == 302
    db.session.expire_all()
    p = db.session.get(Participant, p.id)
    assert (p.account_id, p.method, p.manual) == (west.id, "manual", True)
    assert list(interactions(db, row)) == [west.id]
    assert b"Nothing to resolve" in admin_client.get("/admin/crm_ambiguous/").data
    assert east.id not in interactions(db, row)


def test_ambiguous_resolve_refuses_an_account_not_among_candidates(admin_client, db):
    account(db, "Acme East", "acme.com")
    account(db, "Acme West", "acme.com")
    other = account(db, "Other")
    row = stored(db, meeting(None, "x@acme.com"))
    login(admin_client, "boss@ours.com")
    (p,) = row.participants
    admin_client.post(
        f"/admin/crm_ambiguous/resolve/{p.id}",
        data={f"p{p.id}-participant_id": str(p.id), f"p{p.id}-account_id": str(other.id)},
    )
    db.session.expire_all()
    assert db.session.get(Participant, p.id).method == "ambiguous"


def test_ambiguous_view_is_admin_only(admin_client, db):
    login(admin_client, "clerk@ours.com")
    assert admin_client.get("/admin/crm_ambiguous/").status_code == 403
    assert admin_client.post("/admin/crm_ambiguous/resolve/1").status_code == 403
