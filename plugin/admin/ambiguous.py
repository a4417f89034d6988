"""The admin's to-resolve list: participants whose domain sits on several accounts.

Picking an account marks the participant manual (re-matching never overwrites it) and
rebuilds that meeting's or email's interactions from its stored participants.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import BaseView, expose
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from ..models import Account, Participant
from .security import AdminOnly


class ResolveForm(FlaskForm):
    participant_id = HiddenField(validators=[DataRequired()])
    account_id = SelectField("Account", coerce=int, validators=[DataRequired()])


class AmbiguousMatchesView(AdminOnly, BaseView):
    """Lists Participants with method "ambiguous" and lets the admin choose the account."""

    def __init__(self, db, **kwargs):
        self.db = db
        super().__init__(**kwargs)

    def _pending(self) -> list[Participant]:
        return list(
            self.db.session.scalars(
                select(Participant)
                .where(Participant.method == "ambiguous", Participant.manual.is_(False))
                .options(selectinload(Participant.event), selectinload(Participant.mail))
                .order_by(Participant.id)
                .limit(500)
            )
        )

    def _accounts(self, rows) -> dict[int, Account]:
        ids = {a for p in rows for a in (p.candidates or [])}
        if not ids:
            return {}
        found = self.db.session.scalars(select(Account).where(Account.id.in_(sorted(ids))))
        return {a.id: a for a in found}

    def _form(self, p: Participant, accounts: dict[int, Account]) -> ResolveForm:
        form = ResolveForm(prefix=f"p{p.id}", participant_id=str(p.id))
        form.account_id.choices = [
            (a, str(accounts[a]) if a in accounts else f"#{a}") for a in (p.candidates or [])
        ]
        return form

    @expose("/")
    def index(self):
        rows = self._pending()
        accounts = self._accounts(rows)
        entries = [(p, p.event or p.mail, self._form(p, accounts)) for p in rows]
        return self.render("crm_sync/admin/ambiguous.html", entries=entries)

    @expose("/resolve/<int:participant_id>", methods=("POST",))
    def resolve(self, participant_id: int):
        from ..sync.match_store import refresh_interactions

        p = self.db.session.get(Participant, participant_id)
        if p is None or p.method != "ambiguous":
            flash("That participant is no longer waiting for an account.", "warning")
            return redirect(url_for(".index"))
        form = self._form(p, self._accounts([p]))  # bound to the posted form data
        if not form.validate_on_submit() or form.account_id.data not in (p.candidates or []):
            flash("Pick one of the accounts that carry this domain.", "danger")
            return redirect(url_for(".index"))
        p.account_id = form.account_id.data
        p.method = "manual"
        p.manual = True
        item = p.event or p.mail
        refresh_interactions(self.db.session, item)
        self.db.session.commit()
        flash(
            f"{p.email} is now matched to {self.db.session.get(Account, p.account_id)}.", "success"
        )
        return redirect(url_for(".index"))


def add_ambiguous_view(admin, db) -> None:
    """Register the to-resolve list (the admin helper calls this from add_views)."""
    admin.add_view(
        AmbiguousMatchesView(
            db, name="Ambiguous Matches", endpoint="crm_ambiguous", category="Sync"
        )
    )
