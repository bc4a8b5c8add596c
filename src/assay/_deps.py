"""The single gateway for optional imports.

Heavy or rarely used packages live behind extras; importing them through
:func:`require` turns a missing package into a :class:`MissingDependencyError`
that tells the user which extra to install, and catches only ``ImportError``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from assay.errors import MissingDependencyError


def require(module: str, *, extra: str, package: str | None = None) -> ModuleType:
    """Import ``module`` or raise an error naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(package or module.split(".")[0], extra) from exc
