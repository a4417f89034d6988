"""Inbound mail behaviour every provider shares: full then incremental, deletions, an
expired cursor. Once per provider (conftest.py)."""

from __future__ import annotations

from sqlalchemy import select
from sync_helpers import count

from plugin.models import Email, EmailLink
from plugin.sync.engine import sync_account

ANN = "ann@acme.com"


def mail_only(driver, email):
    return driver.link(email, sync_calendar=False)


def test_full_then_incremental_mail_sync(driver, db):
    acc = mail_only(driver, ANN)
    driver.message(ANN, "c@customer.com", "Hello", "hi")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.full_sync and run.created == 1
    driver.message(ANN, "d@customer.com", "Second", "hey")
    driver.reset_calls()
    run = sync_account(acc.id)
    assert not run.full_sync and run.created == 1
    assert driver.mail_list_calls(ANN) == driver.mail_listings_per_run
    assert driver.download_calls(ANN) == 1
    assert count(db, Email) == 2


def test_deleted_and_trashed_messages_leave(driver, db):
    acc = mail_only(driver, ANN)
    a = driver.message(ANN, "c@customer.com", "A", "a")
    b = driver.message(ANN, "c@customer.com", "B", "b")
    driver.message(ANN, "c@customer.com", "C", "c")
    sync_account(acc.id)
    driver.delete_message(ANN, a)
    driver.trash_message(ANN, b)
    run = sync_account(acc.id)
    assert run.deleted == 2
    assert list(db.session.scalars(select(Email.subject))) == ["C"]


def test_expired_mail_cursor_resyncs_without_duplicates_or_stale_rows(driver, db):
    acc = mail_only(driver, ANN)
    keep = driver.message(ANN, "c@customer.com", "Keep", "k")
    gone = driver.message(ANN, "c@customer.com", "Gone", "g")
    sync_account(acc.id)
    driver.delete_message(ANN, gone)
    driver.message(ANN, "c@customer.com", "New", "n")
    driver.expire_cursor(ANN)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.full_sync
    assert sorted(db.session.scalars(select(Email.subject))) == ["Keep", "New"]
    assert count(db, EmailLink) == 2
    assert keep in set(db.session.scalars(select(EmailLink.external_id)))
