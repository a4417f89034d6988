"""Slice 5: mail delta, one message and sendMail, driven by msgraph-sdk."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from microsoft_helpers import ANN, BOB, run, token_for
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.message import Message
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import (
    SendMailPostRequestBody,
)


def receive(sb, email=ANN, **kw) -> dict:
    body = {
        "from": "hank@globex.com",
        "from_name": "Hank",
        "subject": "Renewal",
        "body": "<p>Call me<br>on Thursday</p>",
        "content_type": "html",
        **kw,
    }
    answer = requests.post(
        f"{sb.base_url}/_sandbox/outlook/{email}/receive_mail", json=body, timeout=5
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def folder_round(sb, folder: str, link: str | None = None, email=ANN, page_size=None):
    async def go(client):
        delta = client.me.mail_folders.by_mail_folder_id(folder).messages.delta
        cfg = RequestConfiguration()
        if page_size:
            cfg.headers.add("Prefer", f"odata.maxpagesize={page_size}")
        page = await (delta.with_url(link) if link else delta).get(request_configuration=cfg)
        items = list(page.value)
        while page.odata_next_link:
            page = await delta.with_url(page.odata_next_link).get(request_configuration=cfg)
            items.extend(page.value)
        return items, page.odata_delta_link

    return run(sb, go, email=email)


def mail(to: str, subject: str = "Proposal", save: bool | None = None) -> SendMailPostRequestBody:
    msg = Message(
        subject=subject,
        body=ItemBody(content_type=BodyType.Text, content="See attached."),
        to_recipients=[Recipient(email_address=EmailAddress(address=to))],
    )
    body = SendMailPostRequestBody(message=msg)
    if save is not None:
        body.save_to_sent_items = save
    return body


def test_inbox_delta_pages_and_reports_removals(msb):
    first = receive(msb)
    receive(msb, subject="Second")
    receive(msb, subject="Third")
    items, link = folder_round(msb, "inbox", page_size=2)
    assert [m.subject for m in items] == ["Renewal", "Second", "Third"] and link
    requests.post(
        f"{msb.base_url}/_sandbox/outlook/{ANN}/delete_message", json={"id": first["id"]}, timeout=5
    )
    receive(msb, subject="Fourth")
    changed, _ = folder_round(msb, "inbox", link)
    assert [(m.id, m.additional_data.get("@removed")) for m in changed][-1] == (
        first["id"],
        {"reason": "deleted"},
    )
    assert [m.subject for m in changed if m.subject] == ["Fourth"]


def test_one_message_with_ids_and_either_body_type(msb):
    made = receive(msb, conversation_id="AAQkAGconv1")

    async def go(client):
        html = await client.me.messages.by_message_id(made["id"]).get()
        cfg = RequestConfiguration()
        cfg.headers.add("Prefer", 'outlook.body-content-type="text"')
        text = await client.me.messages.by_message_id(made["id"]).get(cfg)
        return html, text

    html, text = run(msb, go)
    assert html.internet_message_id.startswith("<") and html.internet_message_id.endswith(">")
    assert html.conversation_id == "AAQkAGconv1"
    assert html.body.content_type == BodyType.Html and "<p>" in html.body.content
    assert text.body.content_type == BodyType.Text and text.body.content == "Call me\non Thursday"
    assert html.from_.email_address.address == "hank@globex.com"


def test_send_mail_delivers_and_keeps_a_sent_copy_only_when_asked(msb):
    run(msb, lambda c: c.me.send_mail.post(mail(BOB, "Kept", save=True)))
    # msgraph-sdk sends "SaveToSentItems": false unless it is set
    run(msb, lambda c: c.me.send_mail.post(mail(BOB, "Not kept")))
    sent, _ = folder_round(msb, "sentitems")
    assert [m.subject for m in sent] == ["Kept"]
    inbox, _ = folder_round(msb, "inbox", email=BOB)
    assert [m.subject for m in inbox] == ["Kept", "Not kept"]
    assert inbox[0].internet_message_id == sent[0].internet_message_id
    assert inbox[0].from_.email_address.address == ANN


def test_send_mail_needs_mail_send(msb):
    from microsoft_helpers import token_for

    token = token_for(msb, scopes=["User.Read", "Mail.Read"])
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.send_mail.post(mail(BOB)), token=token)
    assert err.value.response_status_code == 403


def test_unknown_message_is_404(msb):
    with pytest.raises(APIError) as err:
        run(msb, lambda c: c.me.messages.by_message_id("AAMkAGnope").get())
    assert err.value.response_status_code == 404
    assert err.value.error.code == "ErrorItemNotFound"


def test_a_read_flag_change_is_an_update_in_the_next_round(msb):
    made = receive(msb)
    _, link = folder_round(msb, "inbox")
    requests.post(
        f"{msb.base_url}/_sandbox/outlook/{ANN}/mark_read", json={"id": made["id"]}, timeout=5
    )
    changed, _ = folder_round(msb, "inbox", link)
    assert [(m.id, m.is_read) for m in changed] == [(made["id"], True)]


def inbox_delta_at(sb, url: str):
    return run(
        sb,
        lambda c: c.me.mail_folders.by_mail_folder_id("inbox").messages.delta.with_url(url).get(),
    )


def test_a_mail_delta_link_expires_like_a_calendar_one(msb):
    receive(msb)
    _, link = folder_round(msb, "inbox")
    msb.clock.advance(days=31)
    with pytest.raises(APIError) as err:
        inbox_delta_at(msb, link)
    assert err.value.response_status_code == 410
    assert err.value.error.code == "resyncRequired"


def test_mail_skip_and_delta_tokens_are_not_interchangeable(msb):
    receive(msb)
    receive(msb, subject="Second")

    async def first_page(client):
        cfg = RequestConfiguration()
        cfg.headers.add("Prefer", "odata.maxpagesize=1")
        return await client.me.mail_folders.by_mail_folder_id("inbox").messages.delta.get(cfg)

    next_link = run(msb, first_page).odata_next_link
    _, delta_link = folder_round(msb, "inbox")
    for link, wrong in ((next_link, "$deltatoken"), (delta_link, "$skiptoken")):
        key = next(v for k, v in parse_qsl(urlsplit(link).query) if k.endswith("token"))
        url = f"{msb.graph_url}/me/mailFolders/inbox/messages/delta?{wrong}={key}"
        with pytest.raises(APIError) as err:
            inbox_delta_at(msb, url)
        assert err.value.response_status_code == 410
        assert err.value.error.code == "syncStateNotFound"


def test_save_to_sent_items_must_be_a_boolean(msb):
    # msgraph-sdk types saveToSentItems as bool, so the string goes through plain requests
    answer = requests.post(
        f"{msb.graph_url}/me/sendMail",
        headers={"Authorization": f"Bearer {token_for(msb)}"},
        json={
            "message": {
                "subject": "Proposal",
                "body": {"contentType": "Text", "content": "See attached."},
                "toRecipients": [{"emailAddress": {"address": BOB}}],
            },
            "saveToSentItems": "false",
        },
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "BadRequest"
    assert msb.state.sent_mail == []


def test_send_mail_without_save_to_sent_items_keeps_a_copy(msb):
    # msgraph-sdk always writes SaveToSentItems, so the absent property needs plain requests
    answer = requests.post(
        f"{msb.graph_url}/me/sendMail",
        headers={"Authorization": f"Bearer {token_for(msb)}"},
        json={
            "message": {
                "subject": "Default kept",
                "body": {"contentType": "Text", "content": "See attached."},
                "toRecipients": [{"emailAddress": {"address": BOB}}],
            }
        },
        timeout=5,
    )
    assert answer.status_code == 202
    sent, _ = folder_round(msb, "sentitems")
    assert [m.subject for m in sent] == ["Default kept"]


def test_a_received_date_filter_bounds_every_round_and_other_filters_are_refused(msb):
    """message: delta takes only `$filter=receivedDateTime ge|gt {value}` (and no $search):
    https://learn.microsoft.com/graph/api/message-delta, OData query parameters. The filter
    is kept in the token like every first-call option."""
    from msgraph.generated.users.item.mail_folders.item.messages.delta.delta_request_builder import (  # noqa: E501
        DeltaRequestBuilder,
    )

    receive(msb, subject="Old")
    msb.clock.advance(days=2)
    since = msb.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    receive(msb, subject="At the bound")
    msb.clock.advance(days=1)
    receive(msb, subject="New")

    def first(**options):
        q = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(**options)
        return lambda c: c.me.mail_folders.by_mail_folder_id("inbox").messages.delta.get(
            RequestConfiguration(query_parameters=q)
        )

    ge = run(msb, first(filter=f"receivedDateTime ge {since}"))
    assert sorted(m.subject for m in ge.value) == ["At the bound", "New"]
    gt = run(msb, first(filter=f"receivedDateTime gt {since}"))
    assert [m.subject for m in gt.value] == ["New"]
    receive(msb, subject="Newer")
    changed, _ = folder_round(msb, "inbox", ge.odata_delta_link)
    assert [m.subject for m in changed] == ["Newer"]
    for bad in ({"filter": "subject eq 'New'"}, {"search": '"New"'}):
        with pytest.raises(APIError) as err:
            run(msb, first(**bad))
        assert err.value.response_status_code == 400
