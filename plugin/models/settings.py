"""The one row of system settings the matching rules and the scheduler read."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, normalize_domain, normalize_email

SYNC_SCOPES = {
    "contacts": "Only items that include an account contact's email",
    "accounts": "Items that match an account by contact or domain",
    "everything": "Everything in the user's calendar and mailbox",
}
INVITATION_POLICIES = {
    "never": "Never send invitations",
    "new": "Only for new meetings",
    "always": "Always (new meetings and changes)",
}
# Microsoft 365 has no way to save a meeting's guests without inviting them
# (providers/microsoft/guests.py): the setting's help says what it does there instead.
INVITATION_HELP = (
    "Nothing is ever sent for meetings booked before a calendar was linked. "
    "Microsoft 365 sends an invitation to every guest it is given and has no way not to: "
    "when nothing may be sent, the CRM puts the meeting in Outlook without its guests, who "
    'stay on the CRM meeting. With "Only for new meetings", guests invited when the meeting '
    "was booked still get Outlook's update for each change and its cancellation; guests "
    "added later are not invited."
)
DEFAULT_FREEMAIL = (
    "gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com ymail.com "
    "icloud.com me.com mac.com aol.com proton.me protonmail.com gmx.com gmx.net mail.com "
    "yandex.com zoho.com fastmail.com"
)


class SystemSettings(Base):
    __tablename__ = "crm_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("sync_scope IN ('contacts', 'accounts', 'everything')", name="scope"),
        CheckConstraint("send_invitations IN ('never', 'new', 'always')", name="invitations"),
        CheckConstraint("window_past_days >= 0 AND window_future_days >= 0", name="window"),
        CheckConstraint("sync_interval_minutes >= 1", name="interval"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    default_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_accounts.id", ondelete="SET NULL")
    )
    default_event_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_users.id", ondelete="SET NULL")
    )
    virtual_assistant_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_users.id", ondelete="SET NULL")
    )
    auto_assign_booker: Mapped[bool] = mapped_column(Boolean, default=True)
    # EventPro step 3: look at the attendees when the booker gives no client.
    client_from_attendees: Mapped[bool] = mapped_column(Boolean, default=True)
    sync_scope: Mapped[str] = mapped_column(String(16), default="accounts")
    window_past_days: Mapped[int] = mapped_column(Integer, default=30)
    window_future_days: Mapped[int] = mapped_column(Integer, default=180)
    sync_interval_minutes: Mapped[int] = mapped_column(Integer, default=15)
    send_invitations: Mapped[str] = mapped_column(String(8), default="never")
    # One address or @domain per line; a blocked @domain covers its subdomains.
    blocklist: Mapped[str] = mapped_column(Text, default="")
    freemail_domains: Mapped[str] = mapped_column(Text, default=DEFAULT_FREEMAIL)

    default_account = relationship("Account", foreign_keys=[default_account_id])
    default_event_manager = relationship("User", foreign_keys=[default_event_manager_id])
    virtual_assistant_user = relationship("User", foreign_keys=[virtual_assistant_user_id])

    def blocked_entries(self) -> tuple[frozenset[str], frozenset[str]]:
        """(addresses, domains) parsed from the blocklist text."""
        addresses, domains = set(), set()
        for raw in (self.blocklist or "").replace(",", "\n").split():
            if raw.startswith("@"):
                domains.add(normalize_domain(raw))
            elif "@" in raw:
                addresses.add(normalize_email(raw))
            elif raw.strip():
                domains.add(normalize_domain(raw))
        return frozenset(addresses), frozenset(domains)

    def freemail_set(self) -> frozenset[str]:
        return frozenset(
            normalize_domain(d) for d in (self.freemail_domains or "").replace(",", " ").split()
        )
