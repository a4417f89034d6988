"""FindItem restrictions: IsEqualTo, IsNotEqualTo, comparisons, Exists, Contains, And, Or,
Not over FieldURI and ExtendedFieldURI (what a sync looks items up by)."""

from __future__ import annotations

from lxml import etree

from .errors import EwsError, schema_error
from .xml import local, parse_dt, t

COMPARE = {
    "IsEqualTo",
    "IsNotEqualTo",
    "IsGreaterThan",
    "IsGreaterThanOrEqualTo",
    "IsLessThan",
    "IsLessThanOrEqualTo",
}


def parse_restriction(elem: etree._Element):
    if len(elem) != 1:
        raise schema_error("Restriction needs exactly one search expression.")
    return _node(elem[0])


def _node(e: etree._Element):
    kind = local(e)
    if kind in ("And", "Or"):
        return (kind, [_node(c) for c in e])
    if kind == "Not":
        return ("Not", _node(e[0]))
    if kind == "Exists":
        return ("Exists", e[0])
    if kind in COMPARE:
        value = e.find(t("FieldURIOrConstant"))
        if value is None or value.find(t("Constant")) is None:
            raise EwsError("ErrorUnsupportedPathForQuery", "Only constants are supported.")
        return (kind, e[0], value.find(t("Constant")).get("Value", ""))
    if kind == "Contains":
        const = e.find(t("Constant"))
        return (
            "Contains",
            e[0],
            (const.get("Value", "") if const is not None else ""),
            e.get("ContainmentMode", "Substring"),
            e.get("ContainmentComparison", "Exact"),
        )
    raise schema_error(f"The element '{kind}' is not a search expression.")


def _field(ctx, item, uri) -> list[str]:
    from .items import Shape, ext_key, field_name, render

    if local(uri) == "ExtendedFieldURI":
        key = ext_key(uri)
        blob = item.extended.get(key)
        if blob is None:
            return []
        prop = etree.fromstring(blob)
        return [v.text or "" for v in prop.iter(t("Value"))]
    name = field_name(uri)
    rendered = render(ctx, item, Shape("IdOnly", {name}))
    found = rendered.find(t(name))
    if found is None:
        return []
    return [found.text or "", *(x.text or "" for x in found.iter() if x is not found)]


def _cmp(kind: str, actual: str, wanted: str) -> bool:
    try:
        a, w = parse_dt(actual), parse_dt(wanted)
    except ValueError:
        a, w = actual, wanted
    return {
        "IsEqualTo": a == w,
        "IsNotEqualTo": a != w,
        "IsGreaterThan": a > w,
        "IsGreaterThanOrEqualTo": a >= w,
        "IsLessThan": a < w,
        "IsLessThanOrEqualTo": a <= w,
    }[kind]


def matches(node, ctx, item) -> bool:
    kind = node[0]
    if kind == "And":
        return all(matches(n, ctx, item) for n in node[1])
    if kind == "Or":
        return any(matches(n, ctx, item) for n in node[1])
    if kind == "Not":
        return not matches(node[1], ctx, item)
    if kind == "Exists":
        return bool(_field(ctx, item, node[1]))
    if kind == "Contains":
        _, uri, value, mode, comparison = node
        fold = "IgnoreCase" in comparison
        for actual in _field(ctx, item, uri):
            a, v = (actual.lower(), value.lower()) if fold else (actual, value)
            if (
                (mode == "FullString" and a == v)
                or (mode == "Prefixed" and a.startswith(v))
                or (mode not in ("FullString", "Prefixed") and v in a)
            ):
                return True
        return False
    _, uri, value = node
    values = _field(ctx, item, uri)
    if kind == "IsNotEqualTo":
        return all(_cmp(kind, a, value) for a in values)
    return any(_cmp(kind, a, value) for a in values[:1])
