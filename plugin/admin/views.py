"""The admin views, registered in menu order."""

from __future__ import annotations

from .security import SecureModelView


def add_views(admin, db) -> None:
    from ..models import Account, Contact, User

    admin.add_view(SecureModelView(User, db.session, name="Users", endpoint="crm_users"))
    admin.add_view(
        SecureModelView(Contact, db.session, name="CRM Contacts", endpoint="crm_contacts")
    )
    admin.add_view(SecureModelView(Account, db.session, name="Accounts", endpoint="crm_accounts"))
