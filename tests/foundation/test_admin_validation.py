"""Admin forms refuse input they cannot honour with a message, instead of saving something
else (issue 13, point 10): an unknown row id is not "none"."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from plugin.models import Account, Contact, User

NONE = "__None"


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _contact_form(name: str, account: str, email: str) -> dict:
    return {
        "name": name,
        "account": account,
        "emails-0-id": "",
        "emails-0-email": email,
        "emails-0-is_primary": "y",
    }


def _user_form(email: str, **links) -> dict:
    data = {
        "name": "Nina New",
        "is_active": "y",
        "timezone": "Europe/Berlin",
        "linked_contact": NONE,
        "linked_account": NONE,
        "emails-0-id": "",
        "emails-0-email": email,
        "emails-0-is_primary": "y",
    }
    data.update(links)
    return data


def _missing_id(db, model) -> str:
    return str((db.session.scalar(select(func.max(model.id))) or 0) + 1000)


@pytest.mark.parametrize("bad", ["missing", "not-a-number", "-1"])
def test_contact_with_an_unknown_account_id_is_refused(admin_client, db, bad):
    account = _missing_id(db, Account) if bad == "missing" else bad
    before = _count(db, Contact)
    response = admin_client.post(
        "/admin/crm_contacts/new/", data=_contact_form("Ghost", account, "ghost@example.com")
    )
    assert response.status_code == 200, "the form is shown again"
    assert f"There is no account with id “{account}”" in html.unescape(response.text)
    assert _count(db, Contact) == before


def test_contact_edit_does_not_drop_its_account_for_an_unknown_id(admin_client, db):
    contact = db.session.scalar(select(Contact).where(Contact.account_id.is_not(None)).limit(1))
    account_id, name, email = contact.account_id, contact.name, contact.primary_email
    data = _contact_form(name, _missing_id(db, Account), email)
    data["emails-0-id"] = str(contact.emails[0].id)
    response = admin_client.post(f"/admin/crm_contacts/edit/?id={contact.id}", data=data)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).account_id == account_id


def test_contact_with_no_account_or_a_known_one_is_saved(admin_client, db):
    globex = db.session.scalar(select(Account).where(Account.name == "Globex"))
    for name, account in (("Solo", NONE), ("Mindy", str(globex.id))):
        form = _contact_form(name, account, f"{name.lower()}@example.com")
        assert admin_client.post("/admin/crm_contacts/new/", data=form).status_code == 302
    saved = {c.name: c.account_id for c in db.session.scalars(select(Contact))}
    assert saved["Solo"] is None and saved["Mindy"] == globex.id


@pytest.mark.parametrize("field,model", [("linked_contact", Contact), ("linked_account", Account)])
def test_user_linked_to_an_unknown_row_is_refused(admin_client, db, field, model):
    before = _count(db, User)
    missing = _missing_id(db, model)
    response = admin_client.post(
        "/admin/crm_users/new/", data=_user_form("nina@example.com", **{field: missing})
    )
    assert response.status_code == 200
    assert f"with id “{missing}”; pick one from the list" in html.unescape(response.text)
    assert _count(db, User) == before
