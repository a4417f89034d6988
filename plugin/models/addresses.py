"""The one canonical form of an email address and of a domain, which every stored row and
every comparison uses (DESIGN section 4: case-insensitive after trimming).

An internationalised domain is kept in its IDNA ASCII form (UTS 46 mapping, as browsers and
mail servers read it): "Jürgen@München.de" and "jürgen@xn--mnchen-3ya.de" are one address,
and "münchen.de" one domain with "xn--mnchen-3ya.de". A unicode local part stays unicode, in
NFC. ASCII input, nearly all of it, takes the plain lower-case path.
"""

from __future__ import annotations

import unicodedata

import idna


def normalize_domain(value: str | None) -> str:
    """Trimmed, lower case, no leading @ or trailing dot; non-ASCII labels as IDNA A-labels.
    A name IDNA refuses is returned lower-cased for the domain check to refuse."""
    domain = (value or "").strip().lower().lstrip("@").rstrip(".")
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return domain


def normalize_email(value: str | None) -> str:
    """Trimmed and lower case; a non-ASCII domain in IDNA form, a unicode local part in NFC."""
    email = (value or "").strip().lower()
    if email.isascii():
        return email
    local, at, domain = email.rpartition("@")
    if not at:
        return unicodedata.normalize("NFC", email)
    return f"{unicodedata.normalize('NFC', local)}@{normalize_domain(domain)}"
