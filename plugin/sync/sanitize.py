"""Email HTML cleaned with an allow-list (nh3) before it is stored, so no script, event
handler or javascript: URL from a sender ever reaches a CRM page."""

from __future__ import annotations

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
