"""Lazy package attributes: a package names what it exports and loads each on first use.

Keeps ``import assay`` and the CLI's start-up free of the heavy modules (pydantic models,
DuckDB, pyarrow compute) until a caller actually touches them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(
    package: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``names[attr]`` on first use and caches it."""

    def attribute(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return attribute
