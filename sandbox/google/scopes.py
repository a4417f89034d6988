"""Scope names and which scopes each API method accepts.

The method table is copied from the discovery documents google-api-python-client ships
(each method's ``scopes`` list): a token passes if it holds any one of them. Short forms
(``email``, ``profile``) are normalised to the URL forms, as Google echoes them back.
"""

from __future__ import annotations

AUTH = "https://www.googleapis.com/auth/"
MAIL = "https://mail.google.com/"
OPENID = "openid"
EMAIL = AUTH + "userinfo.email"
PROFILE = AUTH + "userinfo.profile"

ALIASES = {"email": EMAIL, "profile": PROFILE}

_CAL_READ_EVENTS = [
    "calendar",
    "calendar.app.created",
    "calendar.events",
    "calendar.events.freebusy",
    "calendar.events.owned",
    "calendar.events.owned.readonly",
    "calendar.events.public.readonly",
    "calendar.events.readonly",
    "calendar.readonly",
]
_CAL_WRITE_EVENTS = ["calendar", "calendar.app.created", "calendar.events", "calendar.events.owned"]
_GMAIL_READ = ["", "gmail.metadata", "gmail.modify", "gmail.readonly"]
_GMAIL_GET = [*_GMAIL_READ, "gmail.addons.current.message.metadata"]

_METHODS_SHORT: dict[str, list[str]] = {
    "calendar.calendarList.list": [
        "calendar",
        "calendar.calendarlist",
        "calendar.calendarlist.readonly",
        "calendar.readonly",
    ],
    "calendar.calendarList.get": [
        "calendar",
        "calendar.app.created",
        "calendar.calendarlist",
        "calendar.calendarlist.readonly",
        "calendar.readonly",
    ],
    "calendar.calendars.get": [
        "calendar",
        "calendar.app.created",
        "calendar.calendars",
        "calendar.calendars.readonly",
        "calendar.readonly",
    ],
    "calendar.events.list": _CAL_READ_EVENTS,
    "calendar.events.get": _CAL_READ_EVENTS,
    "calendar.events.instances": _CAL_READ_EVENTS,
    "calendar.events.watch": _CAL_READ_EVENTS,
    "calendar.events.insert": _CAL_WRITE_EVENTS,
    "calendar.events.import": _CAL_WRITE_EVENTS,
    "calendar.events.patch": _CAL_WRITE_EVENTS,
    "calendar.events.update": _CAL_WRITE_EVENTS,
    "calendar.events.delete": _CAL_WRITE_EVENTS,
    "calendar.events.move": ["calendar", "calendar.events", "calendar.events.owned"],
    "calendar.channels.stop": [*_CAL_READ_EVENTS, "calendar.calendarlist.readonly"],
    "gmail.users.getProfile": [*_GMAIL_READ, "gmail.compose"],
    "gmail.users.history.list": _GMAIL_READ,
    "gmail.users.labels.list": [*_GMAIL_READ, "gmail.labels"],
    "gmail.users.labels.get": [*_GMAIL_READ, "gmail.labels"],
    "gmail.users.messages.list": _GMAIL_READ,
    "gmail.users.messages.get": _GMAIL_GET,
    "gmail.users.messages.modify": ["", "gmail.modify"],
    "gmail.users.messages.trash": ["", "gmail.modify"],
    "gmail.users.messages.untrash": ["", "gmail.modify"],
    "gmail.users.messages.delete": [""],
    "gmail.users.threads.list": _GMAIL_READ,
    "gmail.users.threads.get": _GMAIL_GET,
}


def _full(short: str) -> str:
    return MAIL if short == "" else AUTH + short


METHOD_SCOPES: dict[str, list[str]] = {
    method: [_full(s) for s in shorts] for method, shorts in _METHODS_SHORT.items()
}

KNOWN_SCOPES: set[str] = {s for scopes in METHOD_SCOPES.values() for s in scopes} | {
    OPENID,
    EMAIL,
    PROFILE,
    AUTH + "calendar.settings.readonly",
    AUTH + "calendar.freebusy",
    AUTH + "gmail.send",
    AUTH + "gmail.compose",
    AUTH + "gmail.insert",
    AUTH + "gmail.labels",
    AUTH + "gmail.settings.basic",
}

DESCRIPTIONS = {
    OPENID: "Associate you with your personal info on Google",
    EMAIL: "See your primary Google Account email address",
    PROFILE: "See your personal info, including any personal info you've made publicly available",
    AUTH + "calendar": "See, edit, share, and permanently delete all the calendars you can "
    "access using Google Calendar",
    AUTH + "calendar.readonly": "See and download any calendar you can access using your "
    "Google Calendar",
    AUTH + "calendar.events": "View and edit events on all your calendars",
    AUTH + "calendar.events.readonly": "View events on all your calendars",
    AUTH + "gmail.readonly": "View your email messages and settings",
    AUTH + "gmail.modify": "Read, compose, and send emails from your Gmail account",
    AUTH + "gmail.metadata": "View your email message metadata such as labels and headers, "
    "but not the email body",
    MAIL: "Read, compose, send, and permanently delete all your email from Gmail",
}


def normalize(scope: str) -> str:
    return ALIASES.get(scope, scope)


def parse(scope_param: str | None) -> list[str]:
    """Space-separated scope string -> normalised list, order kept, duplicates dropped."""
    seen: list[str] = []
    for raw in (scope_param or "").split():
        s = normalize(raw)
        if s not in seen:
            seen.append(s)
    return seen


def unknown(scopes: list[str]) -> list[str]:
    return [s for s in scopes if s not in KNOWN_SCOPES]


def allows(granted: set[str] | list[str], method_id: str) -> bool:
    return any(s in granted for s in METHOD_SCOPES.get(method_id, []))


def gmail_metadata_only(granted: set[str] | list[str]) -> bool:
    """True when the only Gmail read access is gmail.metadata (no bodies, no ``q``)."""
    full = {MAIL, AUTH + "gmail.modify", AUTH + "gmail.readonly"}
    return AUTH + "gmail.metadata" in granted and not (full & set(granted))
