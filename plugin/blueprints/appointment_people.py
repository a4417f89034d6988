"""Who an appointment can invite and relate to, for the appointment form.

The attendee picker searches as you type (the form's JSON endpoint), so the page never lists
every person in the CRM. It offers active users and contacts only, by name and address:
never the viewer (the organizer), never the Virtual Assistant (a stand-in for "no user", not
a person to invite), and contacts only of accounts the viewer may see (the host's
CRM_SYNC_ACCOUNT_PERMISSION hook). Any other address can still be typed; the form checks it.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select

from ..models import Account, Contact, ContactEmail, User, UserEmail, normalize_email
from ..permissions import can_view_account
from ..settings import get_settings
from ..state import session

LIMIT = 20


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _hidden_user_ids(viewer) -> set[int]:
    ids = {viewer.id}
    assistant = get_settings().virtual_assistant_user_id
    if assistant is not None:
        ids.add(assistant)
    return ids


def search_people(viewer, query: str, limit: int = LIMIT) -> list[dict]:
    """Users and contacts whose name or address contains `query`, at most `limit`."""
    query = (query or "").strip()
    if not query:
        return []
    s, pattern = session(), _like(query)
    users = s.execute(
        select(User.name, UserEmail.email)
        .join(UserEmail)
        .where(
            User.is_active,
            User.id.not_in(_hidden_user_ids(viewer)),
            or_(User.name.ilike(pattern, escape="\\"), UserEmail.email.ilike(pattern, escape="\\")),
        )
        .order_by(User.name, UserEmail.email)
        .limit(limit)
    ).all()
    results = [_row(name, email, "user") for name, email in users]
    hidden = _hidden_emails(viewer)
    rows = s.execute(
        select(Contact.name, ContactEmail.email, Contact.account_id)
        .join(ContactEmail)
        .where(
            or_(
                Contact.name.ilike(pattern, escape="\\"),
                ContactEmail.email.ilike(pattern, escape="\\"),
            )
        )
        .order_by(Contact.name, ContactEmail.email)
        .limit(limit * 3)  # some may sit on accounts the viewer may not see
    ).all()
    seen = {r["value"] for r in results} | hidden
    allowed = _account_filter(viewer)
    for name, email, account_id in rows:
        if len(results) >= limit:
            break
        if email not in seen and allowed(account_id):
            seen.add(email)
            results.append(_row(name, email, "contact"))
    return results[:limit]


def _hidden_emails(viewer) -> set[str]:
    ids = _hidden_user_ids(viewer)
    return set(session().scalars(select(UserEmail.email).where(UserEmail.user_id.in_(ids))))


def _account_filter(viewer):
    """account id -> may the viewer see it (contacts without an account are visible)."""
    cache: dict[int, bool] = {}

    def allowed(account_id: int | None) -> bool:
        if account_id is None:
            return True
        if account_id not in cache:
            account = session().get(Account, account_id)
            cache[account_id] = account is not None and can_view_account(viewer, account)
        return cache[account_id]

    return allowed


def _row(name: str, email: str, kind: str) -> dict:
    return {"value": email, "text": f"{name} <{email}>", "name": name, "kind": kind}


def labels_for(emails) -> dict[str, str]:
    """Names for chosen addresses ("Name <email>"), so the picker shows who they are; an
    address no user or contact has stays bare."""
    emails = sorted({normalize_email(e) for e in emails if e})
    if not emails:
        return {}
    s = session()
    found = dict(
        s.execute(
            select(UserEmail.email, User.name).join(User).where(UserEmail.email.in_(emails))
        ).all()
    )
    found.update(
        s.execute(
            select(ContactEmail.email, Contact.name)
            .join(Contact)
            .where(ContactEmail.email.in_(emails))
        ).all()
    )
    return found


def checked_email(value: str) -> str:
    """The address normalised, or ValueError with the words the form shows."""
    try:
        return normalize_email(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValueError(f"“{value}” is not an email address.") from exc


def account_choices(viewer, current_id: int | None) -> list[tuple[int, str]]:
    """The accounts the viewer may relate a meeting to (and the meeting's own, if any)."""
    rows = session().scalars(select(Account).order_by(Account.name)).all()
    return [(a.id, a.name) for a in rows if a.id == current_id or can_view_account(viewer, a)]
