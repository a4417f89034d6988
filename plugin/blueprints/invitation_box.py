"""The appointment form's "Send invitations" box: what it may do under the admin's setting
(SystemSettings.send_invitations: never / new / always) and the owner's calendar, in words
that say exactly who gets which email (the engine's rule is engine/outbound.notify)."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import LinkedAccount
from ..sync.outbound import linked_calendars

YOU = "You are the organizer and get no email; the meeting is in your calendar either way."
# Graph invites every guest it is given (providers/microsoft/guests.py, INVITATION_HELP).
MICROSOFT = {
    "never": " Microsoft 365 cannot hold guests without inviting them, so the meeting goes "
    "into Outlook without its guests; they stay on the CRM meeting.",
    "new": " Microsoft 365 sends guests invited when the meeting was booked Outlook's update "
    "for this change; guests added now are not invited.",
}


@dataclass(frozen=True)
class InvitationBox:
    enabled: bool
    default: bool
    help: str


def home_provider(session, user_id: int | None) -> str | None:
    """The provider of the calendar the user's CRM meetings are pushed to, if any."""
    ids = linked_calendars(session, user_id)
    account = session.get(LinkedAccount, ids[0]) if ids else None
    return account.provider if account is not None else None


def invitation_box(policy: str, editing: bool, provider: str | None) -> InvitationBox:
    """The box and its help. Ticked by default wherever it can email anyone, on New and
    Edit alike; disabled, with the reason, where it cannot."""
    ms = provider == "microsoft"
    if provider is None:
        return InvitationBox(
            False,
            False,
            "Off: you have no linked calendar, so the meeting stays in the CRM and nobody is "
            "emailed (a calendar linked later does not invite guests to it). " + YOU,
        )
    if policy == "never":
        return InvitationBox(
            False,
            False,
            "Off: the administrator has set invitations to Never, so no guest is emailed "
            "when a meeting is created, changed or deleted."
            + (MICROSOFT["never"] if ms else "")
            + " "
            + YOU,
        )
    if policy == "new" and editing:
        return InvitationBox(
            False,
            False,
            "Off for changes: the administrator sends invitations for new meetings only, so "
            "the CRM sends no email about this change or a deletion."
            + (MICROSOFT["new"] if ms else "")
            + " "
            + YOU,
        )
    if policy == "new":
        told = "an invitation email when the meeting is created; later changes are not emailed"
    else:
        told = (
            "an invitation email when the meeting is created, an update when it is changed, "
            "and a cancellation when it is deleted"
        )
    return InvitationBox(
        True, True, f"Ticked: every attendee above gets {told}. Unticked: nobody is emailed. {YOU}"
    )
