"""An email's row on an Account Calendar: the date its thread started (Navusoft) and its own
send time, each under a heading that says which, in the user's zone; the same row after a
re-match, a full resync and a re-link, whatever order the thread's messages arrived in."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sync_helpers import SCOPES, at

from plugin.models import Account, AccountDomain, Email, SyncCursor
from plugin.sync.engine import sync_account
from plugin.sync.linking import link_account, unlink_account
from plugin.sync.match_store import rematch
from plugin.sync.scheduler import dispatch

BERLIN = ZoneInfo("Europe/Berlin")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def interaction_row(client, account_id: int, email_id: int) -> dict[str, str]:
    """The email's interaction row on the Account Calendar, cell text by column heading."""
    page = client.get(f"/crm-sync/accounts/{account_id}/calendar").get_data(as_text=True)
    for table in re.findall(r"<table.*?</table>", page, re.S):
        headings = [_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
            if f"/emails/{email_id}?" in row or f'/emails/{email_id}"' in row:
                cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                return dict(zip(headings, cells, strict=True))
    raise AssertionError(f"no interaction row for email {email_id}")


def test_reply_row_shows_thread_start_date_and_its_own_send_time_stably(
    sb, make_account, db, client, app
):
    ann = make_account("ann@acme.com", sync_calendar=False)
    ann.user.timezone = "Europe/Berlin"
    customer = Account(name="Customer", domains=[AccountDomain(domain="customer.com")])
    db.session.add(customer)
    db.session.commit()
    # The thread starts one morning; the reply is sent at 04:00 the next day in Berlin.
    started = at(days=-3, hour=9)
    replied = started + timedelta(hours=18)
    root = sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Deal",
        body_text="start",
        date=started,
        message_id="<deal-root@customer.com>",
    )
    sb.gmail.add_message(
        "ann@acme.com",
        from_="c@customer.com",
        to=["ann@acme.com"],
        subject="Re: Deal",
        body_text="reply",
        date=replied,
        thread_of=root["id"],
    )
    assert sync_account(ann.id).status == "ok"
    reply = db.session.scalar(select(Email).where(Email.subject == "Re: Deal"))
    reply_id = reply.id
    # Stored too: the reply's interaction carries its thread's date, though it came first.
    assert [i.occurred_on for i in reply.interactions] == [reply.thread_started_on]
    assert reply.thread_started_on == started.date()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(ann.user_id)
        sess["_fresh"] = True

    first = interaction_row(client, customer.id, reply_id)
    thread_day = started.astimezone(BERLIN).date().isoformat()
    sent = replied.astimezone(BERLIN)
    # Never the thread's date with the reply's clock time, as if sent that day.
    assert f"{first.get('Date')} {first.get('Start')}" != f"{thread_day} {sent:%H:%M}"
    assert first["Thread started"] == thread_day
    assert first["Sent"] == f"{sent:%Y-%m-%d %H:%M}"

    # Matched again (an account's domain changed), then a full resync from scratch.
    rematch(db.session, domains=["customer.com"])
    db.session.commit()
    assert interaction_row(client, customer.id, reply_id) == first
    db.session.execute(delete(SyncCursor))
    db.session.commit()
    assert sync_account(ann.id).status == "ok"
    assert interaction_row(client, customer.id, reply_id) == first

    # Unlinked keeping the items, then linked again and synced anew.
    user = ann.user
    unlink_account(ann, keep_items=True)
    dispatch(app, "w1")
    again = link_account(user, "google", "ann@acme.com", sb.issue_token("ann@acme.com", SCOPES))
    assert sync_account(again.id).status == "ok"
    db.session.expire_all()
    assert interaction_row(client, customer.id, reply_id) == first
