"""The demo's Exchange mailbox, read with exchangelib as the sync adapter would: customer
meetings, a weekly series with a moved and a cancelled occurrence, an all-day event, a mail
thread; seeding twice adds nothing."""

from __future__ import annotations

from datetime import timedelta

import exchangelib
import pytest
from exchangelib import DELEGATE, NTLM, Account, Configuration, Credentials, EWSDateTime
from exchangelib.protocol import FailFast

from demo.exchange_seed import ANN, HANK, seed_customers
from sandbox.exchange import ExchangeSandbox


@pytest.fixture
def sb():
    with ExchangeSandbox() as sandbox:
        assert seed_customers(sandbox) is True
        assert seed_customers(sandbox) is False
        yield sandbox
    exchangelib.close_connections()


def ann(sb) -> Account:
    config = Configuration(
        service_endpoint=sb.ews_url,
        credentials=Credentials(ANN, "password"),
        auth_type=NTLM,
        retry_policy=FailFast(),
    )
    return Account(ANN, config=config, autodiscover=False, access_type=DELEGATE)


def test_demo_mailbox_holds_customer_meetings_series_and_all_day(sb):
    acc = ann(sb)
    subjects = sorted(i.subject for i in acc.calendar.all())
    assert subjects.count("Globex renewal (Exchange)") == 1
    assert {"Initech weekly check-in", "Hooli onsite"} <= set(subjects)
    now = sb.clock.now()
    start = EWSDateTime.from_datetime(now)
    view = list(acc.calendar.view(start=start, end=start + timedelta(days=60)))
    check_ins = [i for i in view if "Initech" in i.subject]
    assert len(check_ins) == 7  # 8 in the series, one cancelled
    assert [i.subject for i in check_ins].count("Initech check-in (moved)") == 1
    [onsite] = [i for i in view if i.subject == "Hooli onsite"]
    assert onsite.is_all_day
    [renewal] = [i for i in view if i.subject == "Globex renewal (Exchange)"]
    assert HANK in [a.mailbox.email_address for a in renewal.required_attendees]


def test_demo_mail_thread_with_a_customer_is_one_conversation(sb):
    acc = ann(sb)
    [question] = [m for m in acc.inbox.all() if m.subject == "Globex expansion"]
    [reply] = [m for m in acc.sent.all() if m.subject == "RE: Globex expansion"]
    assert reply.conversation_id.id == question.conversation_id.id
    assert reply.in_reply_to == question.message_id
