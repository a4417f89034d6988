"""Shared helpers: build real google-api-python-client services against the sandbox."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import google.oauth2.credentials
import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

ANN = "ann@acme.com"
CAL = "https://www.googleapis.com/auth/calendar"
CAL_RO = "https://www.googleapis.com/auth/calendar.readonly"
GMAIL_RO = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_META = "https://www.googleapis.com/auth/gmail.metadata"


def credentials(sb, email: str, scopes: list[str], refresh: bool = False):
    tok = sb.issue_token(email, scopes)
    return google.oauth2.credentials.Credentials(
        tok["access_token"],
        refresh_token=tok.get("refresh_token") if refresh else None,
        token_uri=f"{sb.base_url}/token",
        client_id="sandbox-test-client",
        client_secret="sandbox-test-secret",
    )


def calendar_api(sb, email: str = ANN, scopes: list[str] | None = None, creds=None):
    creds = creds or credentials(sb, email, scopes or [CAL, GMAIL_RO])
    return build(
        "calendar",
        "v3",
        credentials=creds,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": f"{sb.base_url}/calendar/v3/"},
    )


def gmail_api(sb, email: str = ANN, scopes: list[str] | None = None, creds=None):
    creds = creds or credentials(sb, email, scopes or [CAL, GMAIL_RO])
    return build(
        "gmail",
        "v1",
        credentials=creds,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": f"{sb.base_url}/"},
    )


def error_of(exc: HttpError) -> dict:
    return json.loads(exc.content)["error"]


def event(summary: str, start: str, end: str, **extra) -> dict:
    return {"summary": summary, "start": {"dateTime": start}, "end": {"dateTime": end}, **extra}


class FormParser(HTMLParser):
    """Collects the consent form's action, inputs and buttons."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "form":
            self.action = a.get("action")
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields.append((a["name"], a.get("value") or ""))


def no_retry_http() -> httplib2.Http:
    return httplib2.Http(timeout=5)
