"""How the CRM tags what it pushes, for every provider: one property name holding the CRM
event id (Google private extended property, EWS/Graph named string property), and one stable
key-derived id for a CRM meeting (Google takes it as the event id; EWS, which has no
client-chosen ids, keeps it as the placeholder id of a copy not created yet)."""

from __future__ import annotations

import hashlib

CRM_ID_PROPERTY = "crmSyncId"
# Hex digits are valid base32hex (Google ids), so "crm" + a hex digest is always a valid id.
ID_PREFIX = "crm"


def event_id_for(key: str) -> str:
    """A stable id for the CRM meeting keyed `key` (43 characters)."""
    return ID_PREFIX + hashlib.sha1(key.encode()).hexdigest()
