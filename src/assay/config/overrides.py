"""Command-line overrides: dotted keys (``policies.dedup``, ``sources.0.path``) set onto
the configuration data before it is validated.

Any option of ``assay.yaml`` can be changed for one run without editing the file:
``--set policies.dedup=content`` (a value is read as a YAML scalar or flow list, so
``true``, ``3`` and ``[duckdb, postgres]`` mean what they look like), and commands'
own options (``--target URI``) map onto the same keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from assay.config.errors import located
from assay.config.introspect import kind_at
from assay.errors import ConfigError

COMMAND_LINE = "command line"


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """``["policies.dedup=content", "outputs.ddl=[duckdb, postgres]"]`` → overrides."""
    result: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(
                [f"{COMMAND_LINE}: --set expects KEY=VALUE (e.g. policies.dedup=content), "
                 f"got {item!r}"]
            )  # fmt: skip
        result[key] = parse_value(text)
    return result


def parse_value(text: str) -> Any:
    """A YAML scalar or flow collection; text that YAML would change (a ``#``, a date)
    stays the text typed."""
    stripped = text.strip()
    if stripped.startswith("#") or stripped == "":
        return None if stripped == "" else text
    try:
        value = yaml.safe_load(stripped)
    except yaml.YAMLError:
        return text
    if isinstance(value, str | dt.date | dt.datetime):
        return text
    return value


def expand_shorthands(data: Mapping[str, Any]) -> dict[str, Any]:
    """Write the shorthands out (a source as a bare path, ``llm`` as a bare spec), so an
    override such as ``llm.timeout=30`` has a mapping to land in."""
    result = dict(data)
    sources = result.get("sources")
    if isinstance(sources, str):
        sources = [sources]
    if isinstance(sources, list):
        result["sources"] = [{"path": s} if isinstance(s, str) else s for s in sources]
    if isinstance(result.get("llm"), str):
        result["llm"] = {"spec": result["llm"]}
    return result


def apply_overrides(
    data: Mapping[str, Any], overrides: Mapping[str, Any], *, origin: str = COMMAND_LINE
) -> dict[str, Any]:
    """A copy of ``data`` with each dotted key set to its value (in the order given).

    A missing section is created; a list item is addressed by its index (the index one
    past the end appends).  Setting a key below a plain value is an error.
    """
    result = _copy(data)
    for dotted, value in overrides.items():
        parts = dotted.strip().split(".")
        if not all(parts):
            raise ConfigError([f"{origin}: invalid key {dotted!r} (write e.g. policies.dedup)"])
        node: Any = result
        path: list[str | int] = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                index = _index(part, node, path, origin)
                if last:
                    _set_item(node, index, value)
                    break
                if index == len(node):
                    node.append({})
                if node[index] is None:
                    node[index] = {}
                node = node[index]
                path.append(index)
                continue
            if not isinstance(node, dict):
                _not_a_section(origin, path, dotted)
            if last:
                node[part] = value
                break
            child = node.get(part)
            if child is None:
                kind = kind_at((*path, part))
                if kind == "value":
                    _not_a_section(origin, [*path, part], dotted)
                child = node[part] = [] if kind == "list" or parts[i + 1].isdigit() else {}
            node = child
            path.append(part)
    return result


def _not_a_section(origin: str, path: list[str | int], dotted: str) -> None:
    where = located(origin, tuple(path), f"is a value, not a section (cannot set {dotted!r})")
    raise ConfigError([where])


def _index(part: str, node: list[Any], path: list[str | int], origin: str) -> int:
    if not part.isdigit() or int(part) > len(node):
        raise ConfigError(
            [located(origin, tuple(path), f"no item {part!r} (the list has {len(node)} "
                     f"item{'s' * (len(node) != 1)}; {len(node)} appends one)")]
        )  # fmt: skip
    return int(part)


def _set_item(node: list[Any], index: int, value: Any) -> None:
    if index == len(node):
        node.append(value)
    else:
        node[index] = value


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value
