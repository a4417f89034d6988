"""Demo people: accounts with domains (one domain shared by two accounts), contacts with
alternate emails, an admin, ordinary users and a virtual assistant user.

Ann Lee and Bob Stone work at Acme, the company running this CRM; their Google accounts live
in the Google sandbox (`python -m sandbox.google --seed-demo`), whose meetings and mail are
with the customers below (Globex, Initech), so linking either shows real matching.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from plugin.models import Account, AccountDomain, Contact, ContactEmail, User, UserEmail
from plugin.settings import get_settings

from .app import db

DEMO_PASSWORD = "demo1234"
LOGINS = [
    ("admin@crm.example", "Avery Admin", "admin"),
    ("sam@crm.example", "Sam Seller", "user"),
    ("riley@crm.example", "Riley Rep", "user"),
    ("ann@acme.com", "Ann Lee", "user, has sandbox Google and Exchange accounts"),
    ("bob@acme.com", "Bob Stone", "user, has sandbox Google and Exchange accounts"),
]
# The Google sandbox's --seed-demo users (sandbox/google/demo_seed.py): (email, password).
SANDBOX_LOGINS = [("ann@acme.com", "password"), ("bob@acme.com", "password")]


@lru_cache(maxsize=1)
def _demo_hash() -> str:
    """Hashed once: every demo login shares the password, and hashing is slow on purpose."""
    return generate_password_hash(DEMO_PASSWORD)


def _user(name: str, emails: list[str], admin: bool = False, password: bool = True) -> User:
    user = User(
        name=name,
        is_admin=admin,
        password_hash=_demo_hash() if password else None,
    )
    user.emails = [UserEmail(email=e, is_primary=i == 0) for i, e in enumerate(emails)]
    db.session.add(user)
    return user


def _account(name: str, domains: list[str]) -> Account:
    account = Account(name=name)
    account.domains = [AccountDomain(domain=d) for d in domains]
    db.session.add(account)
    return account


def _contact(name: str, account: Account, primary: str, *alternates: str) -> Contact:
    contact = Contact(name=name, account=account)
    contact.emails = [ContactEmail(email=primary, is_primary=True)] + [
        ContactEmail(email=a, is_primary=False) for a in alternates
    ]
    db.session.add(contact)
    return contact


def seed_demo() -> bool:
    """Load the demo data once; returns False when users already exist."""
    if db.session.scalar(select(User.id).limit(1)) is not None:
        return False
    admin = _user("Avery Admin", ["admin@crm.example"], admin=True)
    sam = _user("Sam Seller", ["sam@crm.example", "sam.seller@gmail.com"])
    _user("Riley Rep", ["riley@crm.example"])
    _user("Ann Lee", ["ann@acme.com"])
    _user("Bob Stone", ["bob@acme.com"])
    assistant = _user("Virtual Assistant", ["assistant@crm.example"], password=False)

    hooli = _account("Hooli", ["hooli.com"])
    globex = _account("Globex", ["globex.com", "globex.io"])
    initech = _account("Initech", ["initech.com"])
    # One domain on two accounts: meetings with unknown people there associate neither.
    umbrella_east = _account("Umbrella East", ["umbrella.com"])
    umbrella_west = _account("Umbrella West", ["umbrella.com"])
    house = _account("Walk-in Customers", [])

    _contact("Tess Tester", hooli, "tess@hooli.com", "tess@hooli-labs.com")
    _contact("Gavin Belson", hooli, "gavin@hooli.com")
    _contact("Hank Scorpio", globex, "hank@globex.com", "hank.scorpio@gmail.com")
    _contact("Peter Gibbons", initech, "peter@initech.com")
    _contact("Ada East", umbrella_east, "ada@umbrella.com")
    _contact("Will West", umbrella_west, "will@umbrella.com")
    db.session.flush()

    settings = get_settings()
    settings.virtual_assistant_user_id = assistant.id
    settings.default_account_id = house.id
    settings.default_event_manager_id = None
    settings.auto_assign_booker = True
    db.session.commit()
    _ = (admin, sam)
    return True
