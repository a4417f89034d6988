"""The model directory's bulk lookups: every address answered, each by an index probe.

The lookups join a one-parameter value list (value_lists.py) on the unique indexes; these
pin that the join condition is one the index answers, so a batch costs a probe per address
and not a pass over the directory. (PostgreSQL may still hash-join a batch that is large
next to a small table, when its planner costs that lower; that is its choice to make.)
"""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from plugin.models import Account, AccountDomain, Contact, ContactEmail, User, UserEmail
from plugin.sync.matching import ModelDirectory
from plugin.sync.matching.model_directory import _statement
from tests.query_plans import explain, probes, scans

CONTACTS = 20_000


@pytest.fixture
def big_directory(db):
    """20,000 contacts over 2,000 accounts, 2,000 users; ANALYZEd so plans are realistic."""
    with db.engine.begin() as conn:
        conn.execute(insert(Account), [{"id": i, "name": f"A{i}"} for i in range(1, 2001)])
        conn.execute(
            insert(AccountDomain),
            [{"account_id": i, "domain": f"co{i}.com"} for i in range(1, 2001)],
        )
        conn.execute(
            insert(Contact),
            [{"id": i, "name": f"C{i}", "account_id": i % 2000 + 1} for i in range(CONTACTS)],
        )
        conn.execute(
            insert(ContactEmail),
            [
                {"contact_id": i, "email": f"c{i}@co{i % 2000 + 1}.com", "is_primary": True}
                for i in range(CONTACTS)
            ],
        )
        conn.execute(insert(User), [{"id": i, "name": f"U{i}"} for i in range(1, 2001)])
        conn.execute(
            insert(UserEmail),
            [{"user_id": i, "email": f"u{i}@ours.com", "is_primary": True} for i in range(1, 2001)],
        )
        conn.execute(text("ANALYZE"))
    return db


def test_every_address_of_a_large_batch_is_answered(big_directory):
    """More addresses than one statement takes: each chunk's answers all come back."""
    wanted = [f"c{i}@co{i % 2000 + 1}.com" for i in range(0, CONTACTS, 2)]  # 10,000
    wanted += ["u2@ours.com", "nobody@nowhere.net"]
    users, contacts = ModelDirectory(chunk=3_000).people_by_email(wanted)
    assert set(users) == {"u2@ours.com"} and users["u2@ours.com"].id == 2
    assert len(contacts) == 10_000
    assert contacts["c4@co5.com"].account_id == 5
    found = ModelDirectory(chunk=700).accounts_by_domain([f"co{i}.com" for i in range(1, 2001)])
    assert len(found) == 2000 and found["co7.com"] == (7,)


@pytest.mark.parametrize(
    "name, probed",
    [
        ("people", [("crm_contact_emails", "email"), ("crm_user_emails", "email")]),
        ("domains", [("crm_account_domains", "domain")]),
    ],
)
def test_lookups_probe_the_index_and_never_scan_the_table(big_directory, name, probed):
    """A page's worth of addresses (a hundredth of the directory) is one index probe each."""
    values = [f"c{i}@co{i % 2000 + 1}.com" for i in range(0, CONTACTS, 100)]
    values += [f"u{i}@ours.com" for i in range(1, 2001, 100)]
    if name == "domains":
        values = [f"co{i}.com" for i in range(1, 2001, 100)]
    statement = _statement(name, big_directory.engine.dialect.name)
    plan = explain(big_directory, statement, values, list=_param(name))
    tables = ("crm_contact_emails", "crm_user_emails", "crm_account_domains")
    assert scans(plan, tables) == [], plan
    for table, column in probed:
        assert probes(plan, table, column), plan


def _param(name: str) -> str:
    return "domains" if name == "domains" else "emails"


def test_each_lookup_answers_on_its_own_for_a_host_that_replaces_the_other(big_directory):
    """A host that overrides only users_by_email still gets the plugin's contacts (and the
    reverse): each half of the people lookup must work by itself."""
    contacts = ModelDirectory().contacts_by_email(["c4@co5.com", "u2@ours.com", "no@x.net"])
    assert dict(contacts) == {"c4@co5.com": (4, 5)}
    users = ModelDirectory().users_by_email(["c4@co5.com", "u2@ours.com", "no@x.net"])
    assert list(users) == ["u2@ours.com"] and users["u2@ours.com"].id == 2
