"""Where a `next=` may send the browser: a path on this site, judged as the browser reads it.

Browsers drop leading and trailing spaces and control characters, ignore tabs and newlines
inside a URL, read a backslash as a slash, and take two or more leading slashes as the start
of a host name (https://url.spec.whatwg.org/#concept-basic-url-parser). Python's urlunsplit,
which Werkzeug applies to the Location header, also collapses "////host" to "//host". So a
target is refused unless it is a plain path (with query and fragment) that stays on this host
however it is read.
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

_PROBE_BASE = "http://this-site.invalid/"


def _has_control(text: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


def local_target(target: str | None) -> str | None:
    """`target` if a browser redirected there stays on this site at a path, else None."""
    if not isinstance(target, str):
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or _has_control(target):
        return None
    parts = urlsplit(target)
    # Browsers and urlunsplit read any run of leading slashes as "//host"; judge the path
    # decoded too, as some proxies decode it before they redirect.
    path = unquote(parts.path)
    if path.startswith("//") or "\\" in path or _has_control(path):
        return None
    if parts.scheme or parts.netloc:
        return None
    resolved = urlsplit(urljoin(_PROBE_BASE, target))
    if (resolved.scheme, resolved.netloc) != ("http", "this-site.invalid"):
        return None
    return target
