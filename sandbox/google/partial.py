"""The ``fields`` parameter (partial response), so a client that asks for less gets less,
exactly as from Google, and code reading a field it did not select fails here too.

Grammar: ``a,b/c,d(e,f/g),*`` — comma lists, ``/`` paths, ``( )`` sub-selections.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError

Tree = dict[str, "Tree | None"]


def _invalid(fields: str, api: str) -> ApiError:
    return ApiError(
        400,
        f"Invalid field selection {fields}",
        "invalidParameter",
        api=api,
        location="fields",
        location_type="parameter",
    )


def _merge(into: Tree, key: str, sub: Tree | None) -> None:
    if key in into and into[key] is not None and sub is not None:
        for k, v in sub.items():
            _merge(into[key], k, v)  # type: ignore[arg-type]
    elif key in into and (into[key] is None or sub is None):
        into[key] = None
    else:
        into[key] = sub


def parse(fields: str, api: str = "calendar") -> Tree:
    pos = 0

    def selection_list() -> Tree:
        nonlocal pos
        tree: Tree = {}
        while True:
            names = [name()]
            while pos < len(fields) and fields[pos] == "/":
                pos += 1
                names.append(name())
            sub: Tree | None = None
            if pos < len(fields) and fields[pos] == "(":
                pos += 1
                sub = selection_list()
                if pos >= len(fields) or fields[pos] != ")":
                    raise _invalid(fields, api)
                pos += 1
            for n in reversed(names[1:]):
                sub = {n: sub}
            _merge(tree, names[0], sub)
            if pos < len(fields) and fields[pos] == ",":
                pos += 1
                continue
            return tree

    def name() -> str:
        nonlocal pos
        start = pos
        while pos < len(fields) and fields[pos] not in ",/()":
            pos += 1
        out = fields[start:pos].strip()
        if not out:
            raise _invalid(fields, api)
        return out

    tree = selection_list()
    if pos != len(fields):
        raise _invalid(fields, api)
    return tree


def apply(value: Any, tree: Tree | None) -> Any:
    if tree is None:
        return value
    if isinstance(value, list):
        return [apply(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    if "*" in tree:
        return {k: apply(v, tree.get(k)) for k, v in value.items()}
    return {k: apply(value[k], sub) for k, sub in tree.items() if k in value}
