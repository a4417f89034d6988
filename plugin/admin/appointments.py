"""Appointments in the admin: edits and deletions are marked for the engine to push.

on_model_change only bumps the version (and records the edit time last-writer-wins compares);
a deletion leaves a tombstone while a calendar holds a copy. After the commit the calendars
concerned are asked to sync. Nothing here calls a provider.
"""

from __future__ import annotations

import logging

from flask import flash, g

from ..blueprints.timefmt import to_local, to_utc_naive
from ..models.events import SOURCES
from ..state import session
from ..sync.outbound import accounts_to_push, delete_appointment, mark_changed, request_push
from .display import admin_zone, labelled
from .security import SecureModelView

log = logging.getLogger(__name__)


class AppointmentView(SecureModelView):
    can_create = False  # new appointments come from the calendar screen, with their attendees
    column_list = ["title", "start_at", "end_at", "owner", "origin", "location"]  # version: details
    column_labels = {"start_at": "Start", "end_at": "End", "origin": "Source"}
    column_formatters = {"origin": labelled(SOURCES, "origin", "CRM")}
    column_formatters_detail = column_formatters
    column_choices = {"origin": [("crm", "CRM"), *SOURCES.items()]}
    column_searchable_list = ["title", "location"]
    column_filters = ["origin", "start_at"]
    column_default_sort = ("start_at", True)
    form_columns = ["title", "start_at", "end_at", "location", "description", "send_invitations"]

    def get_query(self):
        return super().get_query().filter(self.model.deleted_at.is_(None))

    def get_count_query(self):
        return super().get_count_query().filter(self.model.deleted_at.is_(None))

    def edit_form(self, obj=None):
        """Start and end are typed in the admin's own zone (and named so)."""
        form = super().edit_form(obj)
        zone = admin_zone()
        for name in ("start_at", "end_at"):
            field = getattr(form, name, None)
            if field is None:
                continue
            field.label.text = f"{field.label.text} ({zone.key})"
            if obj is not None and not form.is_submitted():
                field.data = to_local(getattr(obj, name), zone).replace(tzinfo=None)
        return form

    def on_model_change(self, form, model, is_created):
        zone = admin_zone()
        for name in ("start_at", "end_at"):
            if hasattr(form, name) and getattr(form, name).data is not None:
                setattr(model, name, to_utc_naive(getattr(form, name).data, zone))
        mark_changed(model)
        # Per request (views are shared between threads); pushed for after the commit.
        g.crm_sync_push = accounts_to_push(session(), [model.id], [model.owner_user_id])

    def after_model_change(self, form, model, is_created):
        request_push(g.pop("crm_sync_push", ()))

    def delete_model(self, model) -> bool:
        try:
            s = session()
            targets = accounts_to_push(s, [model.id], [model.owner_user_id])
            delete_appointment(s, model)
            s.commit()
        except Exception:  # noqa: BLE001 - logged; the admin gets a sentence, not driver text
            session().rollback()
            log.exception("deleting appointment %s failed", model.id)
            flash("The appointment could not be deleted; nothing was changed.", "error")
            return False
        request_push(targets)
        return True
