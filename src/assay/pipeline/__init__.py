"""The pipeline: the stages of `assay run` wired together with their state, and loading.

Names load on first use: `assay run` starts staging records while the loading stage's
modules (targets, conversion, SQL generation: ~0.5 s of imports) are still unneeded.

>>> from assay.pipeline import LoadOptions
>>> LoadOptions().mode
'append'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.pipeline.loading import LoadOptions, check, load
    from assay.pipeline.report import LoadReport, RuleResult, TableReport

_LAZY = {
    "LoadOptions": "assay.pipeline.loading",
    "check": "assay.pipeline.loading",
    "load": "assay.pipeline.loading",
    "LoadReport": "assay.pipeline.report",
    "RuleResult": "assay.pipeline.report",
    "TableReport": "assay.pipeline.report",
}

__all__ = ["LoadOptions", "LoadReport", "RuleResult", "TableReport", "check", "load"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'assay.pipeline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
