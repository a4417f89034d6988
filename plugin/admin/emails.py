"""The synced emails, read-only: who linked them, when they were sent, and what they say.

The list never carries a body; the details page shows the HTML through the sanitizer again
(plugin.sync.sanitize), never raw.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from ..models import EmailLink, LinkedAccount
from ..models.emails import Email
from ..sync.match_store import EMAIL_SOURCES
from .display import labelled, plain_text, sanitized_html
from .security import SecureModelView


def _accounts_cell(view, context, model, name) -> Markup:
    """The linked mailboxes that hold the email, each with its owner."""
    accounts = [link.linked_account for link in model.links if link.linked_account is not None]
    items = [
        Markup("{} ({})").format(escape(a.external_email), escape(a.user.name)) for a in accounts
    ]
    return Markup(", ").join(items)


class EmailView(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_export = False
    column_list = ["sent_at", "subject", "from_email", "source", "links"]
    column_details_list = [
        "sent_at",
        "subject",
        "from_name",
        "from_email",
        "source",
        "links",
        "message_id",
        "thread_started_on",
        "body_html",
        "body_text",
    ]
    column_labels = {
        "sent_at": "Sent",
        "from_email": "From",
        "from_name": "From (name)",
        "links": "Linked accounts",
        "links.linked_account.external_email": "Linked account",
        "links.linked_account.user.name": "User",
        "interactions.account.name": "Account",
        "body_html": "Body",
        "body_text": "Body (text)",
        "thread_started_on": "Thread started",
    }
    column_formatters = {"source": labelled(EMAIL_SOURCES, "source"), "links": _accounts_cell}
    column_formatters_detail = dict(
        column_formatters, body_html=sanitized_html, body_text=plain_text
    )
    column_searchable_list = ["subject"]
    column_filters = [
        "interactions.account.name",
        "links.linked_account.external_email",
        "links.linked_account.user.name",
        "sent_at",
        "source",
    ]
    column_choices = {"source": list(EMAIL_SOURCES.items())}
    column_default_sort = ("sent_at", True)

    def get_query(self):
        """The linked accounts and their owners in two queries, not two per row."""
        return (
            super()
            .get_query()
            .options(
                selectinload(Email.links)
                .selectinload(EmailLink.linked_account)
                .selectinload(LinkedAccount.user)
            )
        )
