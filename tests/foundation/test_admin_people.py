"""Users, contacts and accounts through the admin forms: normalization on save, and bad input
(invalid syntax, an address on two owners, two primaries, both links) refused with a message."""

from __future__ import annotations

from sqlalchemy import func, select

from plugin.models import Account, AccountDomain, Contact, ContactEmail, User, UserEmail

NONE = "__None"


def _contact_id(db, email: str) -> int:
    return db.session.scalar(select(ContactEmail.contact_id).where(ContactEmail.email == email))


def _emails(prefix: str, rows) -> dict:
    """Inline rows as Flask-Admin posts them: [(id or None, email, primary), ...]."""
    data = {}
    for i, (row_id, email, primary) in enumerate(rows):
        data[f"{prefix}-{i}-id"] = "" if row_id is None else str(row_id)
        data[f"{prefix}-{i}-email"] = email
        if primary:
            data[f"{prefix}-{i}-is_primary"] = "y"
    return data


def _user_form(name="Nina New", emails=(), **extra) -> dict:
    data = {
        "name": name,
        "is_active": "y",
        "timezone": "Europe/Berlin",
        "linked_contact": NONE,
        "linked_account": NONE,
    }
    data.update(_emails("emails", emails))
    data.update(extra)
    return data


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_normalizes_emails_and_sets_password(admin_client, db):
    data = _user_form(
        emails=[(None, "  Nina@Example.COM ", True), (None, "nina.private@GMAIL.com", False)],
        new_password="long enough secret",
    )
    response = admin_client.post("/admin/crm_users/new/", data=data)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.name == "Nina New"))
    assert [(e.email, e.is_primary) for e in user.emails] == [
        ("nina@example.com", True),
        ("nina.private@gmail.com", False),
    ]
    assert user.timezone == "Europe/Berlin"
    assert user.password_hash and "long enough" not in user.password_hash


def _refused(response, message: str) -> None:
    assert response.status_code == 200, "the form is shown again"
    assert message in response.text


def test_invalid_email_is_refused(admin_client, db):
    before = _count(db, User)
    data = _user_form(emails=[(None, "nina@@example", True)])
    _refused(admin_client.post("/admin/crm_users/new/", data=data), "is not a valid email")
    assert _count(db, User) == before


def test_user_needs_exactly_one_primary(admin_client, db):
    two = _user_form(emails=[(None, "a@example.com", True), (None, "b@example.com", True)])
    _refused(admin_client.post("/admin/crm_users/new/", data=two), "exactly one email")
    empty = _user_form(emails=[])
    _refused(admin_client.post("/admin/crm_users/new/", data=empty), "at least one email")
    assert db.session.scalar(select(UserEmail).where(UserEmail.email == "a@example.com")) is None
    # None ticked: the first address is the primary one (the form's default), not a refusal.
    none = _user_form(emails=[(None, "a@example.com", False), (None, "c@example.com", False)])
    admin_client.post("/admin/crm_users/new/", data=none)
    primary = db.session.scalar(select(UserEmail).where(UserEmail.email == "a@example.com"))
    assert primary is not None and primary.is_primary
    other = db.session.scalar(select(UserEmail).where(UserEmail.email == "c@example.com"))
    assert not other.is_primary


def test_email_of_another_user_is_refused(admin_client, db):
    before = _count(db, UserEmail)
    data = _user_form(emails=[(None, "SAM@crm.example", True)])
    response = admin_client.post("/admin/crm_users/new/", data=data)
    _refused(response, "sam@crm.example already belongs to user “Sam Seller”")
    assert _count(db, UserEmail) == before


def test_same_address_twice_in_one_form(admin_client):
    data = _user_form(emails=[(None, "x@example.com", True), (None, "X@example.com", False)])
    _refused(admin_client.post("/admin/crm_users/new/", data=data), "x@example.com is listed twice")


def test_user_linked_to_contact_and_company_is_refused(admin_client, db):
    contact = _contact_id(db, "peter@initech.com")
    account = db.session.scalar(select(Account.id).where(Account.name == "Initech"))
    data = _user_form(
        emails=[(None, "both@example.com", True)],
        linked_contact=str(contact),
        linked_account=str(account),
    )
    _refused(admin_client.post("/admin/crm_users/new/", data=data), "not both")
    assert db.session.scalar(select(User).where(User.name == "Nina New")) is None


def test_edit_user_moves_primary_flag(admin_client, db):
    sam = db.session.scalar(select(User).where(User.name == "Sam Seller"))
    (work, private) = sam.emails
    data = _user_form(
        name="Sam Seller",
        emails=[(work.id, work.email, False), (private.id, private.email, True)],
    )
    response = admin_client.post(f"/admin/crm_users/edit/?id={sam.id}", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert sam.primary_email == "sam.seller@gmail.com"
    assert len(sam.emails) == 2


def _contact_form(name: str, account_id, emails) -> dict:
    data = {"name": name, "account": str(account_id) if account_id else NONE}
    data.update(_emails("emails", emails))
    return data


def test_create_contact_with_alternates(admin_client, db):
    globex = db.session.scalar(select(Account.id).where(Account.name == "Globex"))
    data = _contact_form(
        "Mindy Globex",
        globex,
        [(None, " Mindy@Globex.com", True), (None, "mindy@globex.io", False)],
    )
    assert admin_client.post("/admin/crm_contacts/new/", data=data).status_code == 302
    contact = db.session.scalar(select(Contact).where(Contact.name == "Mindy Globex"))
    assert contact.primary_email == "mindy@globex.com"
    assert contact.alternate_emails == ["mindy@globex.io"]
    assert contact.account.name == "Globex"


def test_address_of_another_contact_is_refused_primary_or_alternate(admin_client, db):
    before = _count(db, ContactEmail)
    # hank.scorpio@gmail.com is Hank's alternate address
    data = _contact_form("Impostor", None, [(None, "Hank.Scorpio@gmail.com", True)])
    response = admin_client.post("/admin/crm_contacts/new/", data=data)
    _refused(response, "hank.scorpio@gmail.com already belongs to contact “Hank Scorpio”")
    assert "at most one contact" in response.text
    assert _count(db, ContactEmail) == before


def test_editing_a_contact_keeps_its_own_addresses(admin_client, db):
    contact = db.session.get(Contact, _contact_id(db, "hank@globex.com"))
    rows = [(e.id, e.email, e.is_primary) for e in contact.emails]
    data = _contact_form("Hank Scorpio Jr.", contact.account_id, rows)
    assert (
        admin_client.post(f"/admin/crm_contacts/edit/?id={contact.id}", data=data).status_code
        == 302
    )
    db.session.expire_all()
    assert contact.name == "Hank Scorpio Jr."
    assert {e.email for e in contact.emails} == {r[1] for r in rows}


def test_contact_address_may_equal_a_user_address(admin_client, db):
    """The rule is per kind: one user and one contact may share an address (a user linked
    to a contact is that person twice)."""
    data = _contact_form("Riley as contact", None, [(None, "riley@crm.example", True)])
    assert admin_client.post("/admin/crm_contacts/new/", data=data).status_code == 302


def test_swap_primary_and_alternate_on_contact(admin_client, db):
    contact = db.session.get(Contact, _contact_id(db, "hank@globex.com"))
    rows = [(e.id, e.email, not e.is_primary) for e in contact.emails]
    data = _contact_form(contact.name, contact.account_id, rows)
    assert (
        admin_client.post(f"/admin/crm_contacts/edit/?id={contact.id}", data=data).status_code
        == 302
    )
    db.session.expire_all()
    assert contact.primary_email == "hank.scorpio@gmail.com"
    assert contact.alternate_emails == ["hank@globex.com"]


def _account_form(name: str, domains) -> dict:
    data = {"name": name}
    for i, (row_id, domain) in enumerate(domains):
        data[f"domains-{i}-id"] = "" if row_id is None else str(row_id)
        data[f"domains-{i}-domain"] = domain
    return data


def test_create_account_normalizes_domains(admin_client, db):
    data = _account_form("Pied Piper", [(None, " @PiedPiper.COM "), (None, "piedpiper.xyz")])
    assert admin_client.post("/admin/crm_accounts/new/", data=data).status_code == 302
    account = db.session.scalar(select(Account).where(Account.name == "Pied Piper"))
    assert [d.domain for d in account.domains] == ["piedpiper.com", "piedpiper.xyz"]


def test_invalid_domain_is_refused(admin_client, db):
    before = _count(db, AccountDomain)
    for bad in (
        "not a domain",
        "https://piedpiper.com/",
        "bob@piedpiper.com",
        "localhost",
        "-x.com",
    ):
        data = _account_form("Pied Piper", [(None, bad)])
        _refused(admin_client.post("/admin/crm_accounts/new/", data=data), "is not a valid domain")
    assert _count(db, AccountDomain) == before
    assert db.session.scalar(select(Account).where(Account.name == "Pied Piper")) is None


def test_domain_may_be_on_several_accounts_but_once_per_account(admin_client, db):
    shared = _account_form("Umbrella North", [(None, "umbrella.com")])
    assert admin_client.post("/admin/crm_accounts/new/", data=shared).status_code == 302
    twice = _account_form("Twice", [(None, "twice.com"), (None, "TWICE.com")])
    _refused(admin_client.post("/admin/crm_accounts/new/", data=twice), "listed twice")


def test_remove_and_readd_same_domain_in_one_save(admin_client, db):
    globex = db.session.scalar(select(Account).where(Account.name == "Globex"))
    (first, second) = globex.domains
    data = _account_form(
        "Globex", [(first.id, first.domain), (second.id, second.domain), (None, first.domain)]
    )
    data["del-domains-0"] = "y"  # Flask-Admin's delete checkbox on the first row
    response = admin_client.post(f"/admin/crm_accounts/edit/?id={globex.id}", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert sorted(d.domain for d in globex.domains) == ["globex.com", "globex.io"]
