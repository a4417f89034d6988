"""What a linked Exchange account stores, as the adapter and the link form read it."""

from __future__ import annotations

from types import SimpleNamespace

from plugin.sync.providers.exchange.account import ews_url, exchange_settings


def account(**credentials):
    return SimpleNamespace(external_email="ann@acme.com", credentials=credentials or None)


def test_settings_default_the_user_name_to_the_email_and_the_auth_type_to_ntlm():
    got = exchange_settings(account(server="mail.acme.com", password="pw"))
    assert got == {
        "server": "mail.acme.com",
        "username": "ann@acme.com",
        "password": "pw",
        "auth_type": "ntlm",
    }
    basic = exchange_settings(
        account(server="x", username="ACME\\ann", password="p", auth_type="Basic")
    )
    assert (basic["username"], basic["auth_type"]) == ("ACME\\ann", "basic")
    assert exchange_settings(account())["password"] is None


def test_a_host_name_becomes_the_ews_url_and_a_url_stays():
    assert ews_url("mail.acme.com") == "https://mail.acme.com/EWS/Exchange.asmx"
    assert ews_url(" http://127.0.0.1:8766/EWS/Exchange.asmx ") == (
        "http://127.0.0.1:8766/EWS/Exchange.asmx"
    )


def test_an_account_without_a_password_asks_for_a_relink(xsb, make_exchange_account, db):
    from plugin.models import LinkedAccount
    from plugin.sync.engine import sync_account

    acc = make_exchange_account("ann@acme.com")
    acc.credentials = {**acc.credentials, "password": None}
    db.session.commit()
    run = sync_account(acc.id)
    assert run.status == "failed"
    assert db.session.get(LinkedAccount, acc.id).status == "needs_relink"
