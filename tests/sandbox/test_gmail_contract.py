"""Gmail v1 contract: list/get/threads/history, driven with google-api-python-client."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from google_contract_helpers import ANN, GMAIL_META, error_of, gmail_api
from googleapiclient.errors import HttpError


def mail(sb, subject: str, when: datetime, **kw) -> dict:
    kw.setdefault("from_", "Hank Scorpio <hank@globex.com>")
    kw.setdefault("to", [ANN])
    return sb.gmail.add_message(
        ANN,
        subject=subject,
        date=when,
        body_text=f"{subject} body",
        body_html=f"<p>{subject} <b>body</b></p>",
        **kw,
    )


def test_profile_list_and_paging(gmail, sb):
    for day in range(1, 6):
        mail(sb, f"m{day}", datetime(2024, 5, day, 12, tzinfo=UTC))
    profile = gmail.users().getProfile(userId="me").execute()
    assert profile["emailAddress"] == ANN and profile["messagesTotal"] == 5
    first = gmail.users().messages().list(userId="me", maxResults=2).execute()
    assert set(first["messages"][0]) == {"id", "threadId"}
    assert first["resultSizeEstimate"] >= 2 and "nextPageToken" in first
    ids = [m["id"] for m in first["messages"]]
    token = first["nextPageToken"]
    while token:
        page = gmail.users().messages().list(userId="me", maxResults=2, pageToken=token).execute()
        ids += [m["id"] for m in page["messages"]]
        token = page.get("nextPageToken")
    subjects = [sb.gmail.get(ANN, i, "metadata")["payload"]["headers"] for i in ids]
    assert len(set(ids)) == 5 and len(subjects) == 5
    empty = gmail.users().messages().list(userId="me", q="after:2030/01/01").execute()
    assert empty == {"resultSizeEstimate": 0}  # no "messages" key at all, as Gmail


def test_query_dates_are_pacific_midnight_or_epoch(gmail, sb):
    early = mail(sb, "early", datetime(2024, 5, 2, 6, tzinfo=UTC))  # 1 May 23:00 in LA
    late = mail(sb, "late", datetime(2024, 5, 2, 8, tzinfo=UTC))  # 2 May 01:00 in LA
    got = gmail.users().messages().list(userId="me", q="after:2024/05/02").execute()
    assert [m["id"] for m in got["messages"]] == [late["id"]]
    before = gmail.users().messages().list(userId="me", q="before:2024/05/02").execute()
    assert [m["id"] for m in before["messages"]] == [early["id"]]
    epoch = int(datetime(2024, 5, 2, 7, tzinfo=UTC).timestamp())
    got = gmail.users().messages().list(userId="me", q=f"after:{epoch}").execute()
    assert [m["id"] for m in got["messages"]] == [late["id"]]


def test_labels_spam_trash_and_in(gmail, sb):
    a = mail(sb, "a", datetime(2024, 5, 1, tzinfo=UTC))
    b = mail(sb, "b", datetime(2024, 5, 2, tzinfo=UTC))
    sent = mail(sb, "s", datetime(2024, 5, 3, tzinfo=UTC), from_=ANN, to=["x@y.com"])
    sb.gmail.trash(ANN, b["id"])
    listed = gmail.users().messages().list(userId="me").execute()["messages"]
    assert {m["id"] for m in listed} == {a["id"], sent["id"]}
    all_ = gmail.users().messages().list(userId="me", includeSpamTrash=True).execute()
    assert len(all_["messages"]) == 3
    inbox = gmail.users().messages().list(userId="me", labelIds=["INBOX"]).execute()["messages"]
    assert [m["id"] for m in inbox] == [a["id"]]
    sent_q = gmail.users().messages().list(userId="me", q="in:sent").execute()["messages"]
    assert [m["id"] for m in sent_q] == [sent["id"]]


def test_get_formats(gmail, sb):
    m = mail(
        sb,
        "Hello & welcome",
        datetime(2024, 5, 1, 9, tzinfo=UTC),
        cc=["c@globex.com"],
        message_id="<abc@globex.com>",
    )
    full = gmail.users().messages().get(userId="me", id=m["id"]).execute()
    assert full["internalDate"] == str(int(datetime(2024, 5, 1, 9, tzinfo=UTC).timestamp()) * 1000)
    assert full["labelIds"] == ["INBOX", "UNREAD"] and full["historyId"].isdigit()
    assert full["snippet"] == "Hello &amp; welcome body"
    headers = {h["name"]: h["value"] for h in full["payload"]["headers"]}
    assert headers["Subject"] == "Hello & welcome" and headers["Message-ID"] == "<abc@globex.com>"
    assert headers["Cc"] == "c@globex.com" and "Date" in headers and "To" in headers
    assert full["payload"]["mimeType"] == "multipart/alternative"
    plain, html = full["payload"]["parts"]
    assert (plain["partId"], plain["mimeType"], html["mimeType"]) == (
        "0",
        "text/plain",
        "text/html",
    )
    assert (
        base64.urlsafe_b64decode(plain["body"]["data"]).decode().strip() == "Hello & welcome body"
    )
    meta = (
        gmail.users()
        .messages()
        .get(userId="me", id=m["id"], format="metadata", metadataHeaders=["From", "Subject"])
        .execute()
    )
    assert [h["name"] for h in meta["payload"]["headers"]] == ["Subject", "From"]
    assert "parts" not in meta["payload"]
    minimal = gmail.users().messages().get(userId="me", id=m["id"], format="minimal").execute()
    assert "payload" not in minimal
    raw = gmail.users().messages().get(userId="me", id=m["id"], format="raw").execute()
    assert b"Subject: Hello & welcome" in base64.urlsafe_b64decode(raw["raw"])
    with pytest.raises(HttpError) as exc:
        gmail.users().messages().get(userId="me", id="18f0000000000000").execute()
    assert exc.value.resp.status == 404
    assert error_of(exc.value)["status"] == "NOT_FOUND"


def test_threads(gmail, sb):
    first = mail(sb, "Renewal", datetime(2024, 5, 1, tzinfo=UTC))
    reply = mail(
        sb,
        "Re: Renewal",
        datetime(2024, 5, 2, tzinfo=UTC),
        from_=ANN,
        to=["hank@globex.com"],
        thread_of=first["id"],
    )
    assert reply["threadId"] == first["threadId"] == first["id"]
    thread = gmail.users().threads().get(userId="me", id=first["threadId"]).execute()
    assert [m["id"] for m in thread["messages"]] == [first["id"], reply["id"]]
    headers = {h["name"]: h["value"] for h in thread["messages"][1]["payload"]["headers"]}
    assert (
        headers["In-Reply-To"] == sb.gmail.get(ANN, first["id"])["payload"]["headers"][2]["value"]
    )
    threads = gmail.users().threads().list(userId="me").execute()["threads"]
    assert [t["id"] for t in threads] == [first["threadId"]]


def test_history_cycle_and_404(gmail, sb):
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    m = mail(sb, "new", datetime(2024, 5, 1, tzinfo=UTC))
    sb.gmail.modify(ANN, m["id"], remove=["UNREAD"])
    sb.gmail.delete(ANN, m["id"])
    hist = gmail.users().history().list(userId="me", startHistoryId=start).execute()
    kinds = [
        next(k for k in h if k.endswith(("Added", "Deleted", "Removed"))) for h in hist["history"]
    ]
    assert kinds == ["messagesAdded", "labelsRemoved", "messagesDeleted"]
    assert hist["history"][1]["labelsRemoved"][0]["labelIds"] == ["UNREAD"]
    ids = [int(h["id"]) for h in hist["history"]]
    assert int(start) < ids[0] < ids[1] < ids[2] == int(hist["historyId"])  # rising, gaps
    only_added = (
        gmail.users()
        .history()
        .list(userId="me", startHistoryId=start, historyTypes="messageAdded")
        .execute()
    )
    assert len(only_added["history"]) == 1
    paged = gmail.users().history().list(userId="me", startHistoryId=start, maxResults=2).execute()
    assert len(paged["history"]) == 2 and "nextPageToken" in paged
    quiet = gmail.users().history().list(userId="me", startHistoryId=hist["historyId"]).execute()
    assert "history" not in quiet and quiet["historyId"] == hist["historyId"]

    sb.gmail.expire_history(ANN)
    with pytest.raises(HttpError) as exc:
        gmail.users().history().list(userId="me", startHistoryId=start).execute()
    assert exc.value.resp.status == 404
    assert error_of(exc.value) == {
        "code": 404,
        "message": "Requested entity was not found.",
        "errors": [
            {"domain": "global", "reason": "notFound", "message": "Requested entity was not found."}
        ],
        "status": "NOT_FOUND",
    }


def test_history_ages_out_after_retention(gmail, sb):
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    mail(sb, "old", datetime(2024, 5, 1, tzinfo=UTC))
    sb.gmail.retention_seconds = 3600
    sb.clock.advance(hours=2)
    mail(sb, "fresh", datetime(2024, 5, 2, tzinfo=UTC))
    gmail = gmail_api(sb, ANN)  # the first access token expired meanwhile
    with pytest.raises(HttpError) as exc:
        gmail.users().history().list(userId="me", startHistoryId=start).execute()
    assert exc.value.resp.status == 404


def test_metadata_scope_restrictions(sb):
    meta = gmail_api(sb, ANN, scopes=[GMAIL_META])
    m = mail(sb, "x", datetime(2024, 5, 1, tzinfo=UTC))
    meta.users().messages().get(userId="me", id=m["id"], format="metadata").execute()
    for call in (
        lambda: meta.users().messages().get(userId="me", id=m["id"]).execute(),
        lambda: meta.users().messages().list(userId="me", q="x").execute(),
    ):
        with pytest.raises(HttpError) as exc:
            call()
        assert exc.value.resp.status == 403
    with pytest.raises(HttpError) as write:
        meta.users().messages().trash(userId="me", id=m["id"]).execute()
    assert write.value.resp.status == 403


def test_modify_via_api_needs_modify_scope(gmail, sb):
    m = mail(sb, "x", datetime(2024, 5, 1, tzinfo=UTC))
    with pytest.raises(HttpError) as exc:  # fixture token has gmail.readonly only
        gmail.users().messages().modify(
            userId="me", id=m["id"], body={"removeLabelIds": ["UNREAD"]}
        ).execute()
    assert exc.value.resp.status == 403
    rw = gmail_api(sb, ANN, scopes=["https://www.googleapis.com/auth/gmail.modify"])
    out = (
        rw.users()
        .messages()
        .modify(userId="me", id=m["id"], body={"removeLabelIds": ["UNREAD"]})
        .execute()
    )
    assert out["labelIds"] == ["INBOX"]
    with pytest.raises(HttpError) as delete:  # permanent delete needs https://mail.google.com/
        rw.users().messages().delete(userId="me", id=m["id"]).execute()
    assert delete.value.resp.status == 403


def test_messages_at_the_same_instant_keep_distinct_ids(gmail, sb):
    """Ids carry the time in their high bits and 20 random low bits: without a check, about
    four of 3,000 messages sent at one instant drew an id already taken and replaced a
    message (a mailbox silently one short, seen as a lost email in the benchmark)."""
    when = datetime(2024, 5, 1, 12, tzinfo=UTC)
    ids = {
        sb.gmail.add_message(ANN, from_="a@globex.com", to=[ANN], subject=f"s{i}", date=when)["id"]
        for i in range(3000)
    }
    assert len(ids) == 3000
    profile = gmail.users().getProfile(userId="me").execute()
    assert profile["messagesTotal"] == 3000
