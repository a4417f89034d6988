"""Email HTML cleaned with an allow-list (nh3) before it is stored, so no script, event
handler or javascript: URL from a sender ever reaches a CRM page."""

from __future__ import annotations

from dataclasses import dataclass

import nh3

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "div",
    "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol",
    "p", "pre", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"align", "dir", "title"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "valign"},
    "th": {"colspan", "rowspan", "valign"},
    "font": {"color", "face", "size"},
}
URL_SCHEMES = {"http", "https", "mailto", "cid"}
# Remote images are tracking pixels: opening an email must not tell the sender, so <img> may
# only show parts of the message itself (cid:).
IMAGE_SCHEMES = ("cid:",)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.strip().lower().startswith(IMAGE_SCHEMES):
        return None
    return value


def sanitize_html(html: str | None) -> str | None:
    """Allow-listed tags and attributes only; links get rel="noopener noreferrer"."""
    if not html:
        return html
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )


# A detail page shows at most this much of a body or description (characters).
PREVIEW_CHARS = 200_000


@dataclass(frozen=True)
class Preview:
    """The part of a long text a page shows, and how long the whole is."""

    text: str
    truncated: bool
    total_bytes: int
    what: str = "Message"

    @property
    def note(self) -> str | None:
        """ "Message truncated — 10.0 MB; the first 200 KB shown", or None when whole."""
        if not self.truncated:
            return None
        return (
            f"{self.what} truncated — {_size(self.total_bytes)}; "
            f"the first {_size(len(self.text.encode('utf-8')))} shown"
        )


def preview(value: str | None, limit: int = PREVIEW_CHARS, what: str = "Message") -> Preview | None:
    """The first `limit` characters of a plain text (a description, a text body)."""
    if not value:
        return None
    if len(value) <= limit:
        return Preview(value, False, len(value), what)
    return Preview(value[:limit], True, len(value.encode("utf-8")), what)


def preview_html(html: str | None, limit: int = PREVIEW_CHARS) -> Preview | None:
    """The first `limit` characters of the HTML, sanitized again (nh3 closes what the cut
    left open, and drops a tag cut in half), so a 10 MB body never reaches the page."""
    if not html:
        return None
    cut = preview(html, limit)
    return Preview(sanitize_html(cut.text) or "", cut.truncated, cut.total_bytes)


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{max(1, round(n / 1000))} KB"
