"""The pipeline: the stages of `assay run` wired together with their state, and loading.

Names load on first use: `assay run` starts staging records while the loading stage's
modules (targets, conversion, SQL generation: ~0.5 s of imports) are still unneeded.

>>> from assay.pipeline import LoadOptions
>>> LoadOptions().mode
'append'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay._lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
