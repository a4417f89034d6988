"""The fields the adapter asks EWS for (short lists, never exchangelib's "everything"), the
CRM id extended property, and SyncFolderItems one page per call."""

from __future__ import annotations

import contextlib
import warnings

from exchangelib import CalendarItem, ExtendedProperty
from exchangelib.services import SyncFolderItems
from exchangelib.util import TNS

from ..tagging import CRM_ID_PROPERTY
from .client import EwsClient

CRM_FIELD = "crm_sync_id"


class CrmSyncId(ExtendedProperty):
    """The CRM event id on an item the CRM pushed (a named string property)."""

    distinguished_property_set_id = "PublicStrings"
    property_name = CRM_ID_PROPERTY
    property_type = "String"


def register_crm_field() -> None:
    with contextlib.suppress(ValueError):  # registered already
        CalendarItem.register(CRM_FIELD, CrmSyncId)


register_crm_field()

EVENT_FIELDS = (
    "subject",
    "body",
    "location",
    "start",
    "end",
    "is_all_day",
    "type",
    "uid",
    "organizer",
    "required_attendees",
    "optional_attendees",
    "last_modified_time",
    "is_cancelled",
    CRM_FIELD,
)
# What a CalendarView (FindItem) may return: no body and no attendees, which EWS serves by
# GetItem only. A plain occurrence has its master's; an exception is fetched for its own.
VIEW_FIELDS = (
    "subject",
    "location",
    "start",
    "end",
    "is_all_day",
    "type",
    "uid",
    "last_modified_time",
    "is_cancelled",
    "original_start",
)
EXCEPTION_FIELDS = ("body", "required_attendees", "optional_attendees", "organizer")
# Listing mail needs only what decides whether to download it.
MAIL_LIST_FIELDS = ("datetime_received",)
MAIL_FIELDS = (
    "subject",
    "body",
    "sender",
    "to_recipients",
    "cc_recipients",
    "datetime_sent",
    "datetime_received",
    "message_id",
    "in_reply_to",
    "references",
    "conversation_id",
    "is_draft",
)


class _SyncPage(SyncFolderItems):
    """SyncFolderItems that also hands back each item's StartTimeZone id as sent, so the
    adapter maps it with its own table (exchangelib drops ids it does not know)."""

    def _elem_to_obj(self, elem):
        zone = None  # read first: exchangelib clears the element as it parses it
        if len(elem):
            tz = elem[0].find(f"{{{TNS}}}StartTimeZone")
            if tz is not None:
                zone = tz.get("Id") or tz.get("Name")
        kind, item = super()._elem_to_obj(elem)
        return kind, item, zone


def sync_page(client: EwsClient, folder, state: str | None, only_fields) -> tuple:
    """One SyncFolderItems call from `state` (None: the folder's beginning; always ours, as
    exchangelib's sync_items would reuse the folder's last state): ([(kind, item, zone)],
    the new state, whether it was the last page)."""

    def run():
        # Inside the call: the first request of a process asks the server's version here.
        fields = {f for f in folder.normalize_fields(only_fields) if not f.field.is_attribute}
        svc = _SyncPage(account=client.account)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown zone ids are ours to judge, per item
            changes = list(
                svc.call(
                    folder=folder,
                    shape="IdOnly",
                    additional_fields=fields,
                    sync_state=state,
                    ignore=None,
                    max_changes_returned=client.config.page_size,
                    sync_scope=None,
                )
            )
        return changes, svc.sync_state, bool(svc.includes_last_item_in_range)

    return client.call(run)
