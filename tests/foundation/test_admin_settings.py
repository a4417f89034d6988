"""System settings: one row edited in place, choosers limited to what the rules can use."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from plugin.models import Account, SystemSettings, User
from tests.foundation.people_helpers import user_id

EDIT = "/admin/crm_settings/edit/?id=1"


def _form(db, **changes) -> dict:
    data = {
        "default_account": "__None",
        "default_event_manager": "__None",
        "virtual_assistant_user": str(user_id(db, "assistant@crm.example")),
        "auto_assign_booker": "y",
        "client_from_attendees": "y",
        "sync_scope": "accounts",
        "window_past_days": "30",
        "window_future_days": "180",
        "sync_interval_minutes": "15",
        "send_invitations": "never",
        "blocklist": "",
        "freemail_domains": "gmail.com",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _settings(db) -> SystemSettings:
    db.session.expire_all()
    return db.session.get(SystemSettings, 1)


def test_list_redirects_to_the_single_row_creating_it(admin_client, db):
    db.session.execute(delete(SystemSettings))
    db.session.commit()
    response = admin_client.get("/admin/crm_settings/")
    assert response.status_code == 302
    assert response.location.endswith(EDIT)
    row = _settings(db)
    assert row is not None and row.sync_scope == "accounts"
    page = admin_client.get(EDIT)
    assert page.status_code == 200
    assert "Automatically assign events to the user creating the booking" in page.text


def test_no_create_no_delete(admin_client, db):
    assert admin_client.get("/admin/crm_settings/new/").status_code == 302
    admin_client.post("/admin/crm_settings/delete/", data={"id": "1"})
    assert db.session.scalar(select(func.count()).select_from(SystemSettings)) == 1


def test_save_every_field(admin_client, db):
    sam = user_id(db, "sam@crm.example")
    globex = db.session.scalar(select(Account.id).where(Account.name == "Globex"))
    data = _form(
        db,
        default_account=str(globex),
        default_event_manager=str(sam),
        auto_assign_booker=None,
        client_from_attendees=None,
        sync_scope="everything",
        window_past_days="7",
        window_future_days="60",
        sync_interval_minutes="5",
        send_invitations="new",
        blocklist="Spam@Example.com, @Noise.io\nbulk.example",
        freemail_domains="GMAIL.com @web.de\nmail.example",
    )
    response = admin_client.post(EDIT, data=data)
    assert response.status_code == 302
    row = _settings(db)
    assert row.default_account_id == globex
    assert row.default_event_manager_id == sam
    assert row.auto_assign_booker is False and row.client_from_attendees is False
    assert (row.sync_scope, row.send_invitations) == ("everything", "new")
    assert (row.window_past_days, row.window_future_days, row.sync_interval_minutes) == (7, 60, 5)
    assert row.blocklist == "spam@example.com\n@noise.io\n@bulk.example"
    assert row.blocked_entries() == (
        frozenset({"spam@example.com"}),
        frozenset({"noise.io", "bulk.example"}),
    )
    assert row.freemail_set() == {"gmail.com", "web.de", "mail.example"}


def _refused(admin_client, db, message: str, **changes) -> None:
    before = {c.name: getattr(_settings(db), c.name) for c in SystemSettings.__table__.columns}
    response = admin_client.post(EDIT, data=_form(db, **changes))
    assert response.status_code == 200
    assert message in response.text
    after = {c.name: getattr(_settings(db), c.name) for c in SystemSettings.__table__.columns}
    assert after == before, "a refused form changes nothing"


@pytest.mark.parametrize(
    "field, value",
    [
        ("window_past_days", "-1"),
        ("window_future_days", "5000"),
        ("sync_interval_minutes", "0"),
        ("sync_interval_minutes", "abc"),
    ],
)
def test_numbers_out_of_range(admin_client, db, field, value):
    _refused(
        admin_client,
        db,
        "Number must be between" if value != "abc" else "Not a valid",
        **{
            field: value,
            "default_event_manager": str(user_id(db, "sam@crm.example")),
        },
    )


def test_inactive_user_cannot_be_event_manager_or_assistant(admin_client, db):
    riley = db.session.get(User, user_id(db, "riley@crm.example"))
    riley.is_active = False
    db.session.commit()
    _refused(
        admin_client,
        db,
        "Default event manager must be an active CRM user.",
        default_event_manager=str(riley.id),
    )
    _refused(
        admin_client,
        db,
        "Virtual assistant user must be an active CRM user.",
        virtual_assistant_user=str(riley.id),
    )
    page = admin_client.get(EDIT).text
    assert "Riley Rep" not in page, "inactive users are not offered"
    assert "Sam Seller" in page


def test_unknown_scope_and_bad_lists_are_refused(admin_client, db):
    _refused(admin_client, db, "Not a valid choice", sync_scope="all-the-things")
    _refused(
        admin_client, db, "Not an address or domain: not@an@address", blocklist="not@an@address"
    )
    _refused(admin_client, db, "Not a domain: gmail", freemail_domains="gmail")


def test_unknown_account_id_is_refused_not_blanked(admin_client, db):
    house = db.session.scalar(select(Account.id).where(Account.name == "Walk-in Customers"))
    assert _settings(db).default_account_id == house
    _refused(admin_client, db, "Default account: not a valid choice.", default_account="99999")


def test_the_invitation_setting_says_what_microsoft_365_does(admin_client, db):
    """Graph cannot save guests without inviting them: the help says what happens instead."""
    import html

    page = html.unescape(admin_client.get(EDIT).text)
    assert "Microsoft 365 sends an invitation to every guest it is given" in page
    assert "puts the meeting in Outlook without its guests" in page
