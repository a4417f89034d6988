"""The admin views, registered in menu order. Every one is admin-only (security.AdminOnly)."""

from __future__ import annotations

from ..models import (
    Account,
    CalendarEvent,
    Contact,
    Email,
    LinkedAccount,
    SyncProblem,
    SyncRun,
    SystemSettings,
    User,
)
from .ambiguous import add_ambiguous_view
from .appointments import AppointmentView
from .emails import EmailView
from .people import AccountView, ContactView, UserView
from .settings_view import SystemSettingsView
from .sync_views import LinkedAccountView, SyncProblemView, SyncRunView

PEOPLE = "CRM"
SYNC = "Sync"


def add_views(admin, db) -> None:
    admin.add_view(UserView(User, db, name="Users", endpoint="crm_users", category=PEOPLE))
    admin.add_view(
        ContactView(Contact, db, name="CRM Contacts", endpoint="crm_contacts", category=PEOPLE)
    )
    admin.add_view(
        AccountView(Account, db, name="Accounts", endpoint="crm_accounts", category=PEOPLE)
    )
    admin.add_view(
        AppointmentView(
            CalendarEvent, db, name="Appointments", endpoint="crm_appointments", category=PEOPLE
        )
    )
    admin.add_view(EmailView(Email, db, name="Emails", endpoint="crm_emails", category=PEOPLE))
    admin.add_view(
        SystemSettingsView(SystemSettings, db, name="System Settings", endpoint="crm_settings")
    )
    admin.add_view(
        LinkedAccountView(
            LinkedAccount, db, name="Linked Accounts", endpoint="crm_linked_accounts", category=SYNC
        )
    )
    admin.add_view(
        SyncRunView(SyncRun, db, name="Sync Runs", endpoint="crm_sync_runs", category=SYNC)
    )
    admin.add_view(
        SyncProblemView(
            SyncProblem, db, name="Sync Problems", endpoint="crm_sync_problems", category=SYNC
        )
    )
    add_ambiguous_view(admin, db)
