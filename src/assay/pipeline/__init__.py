"""The pipeline: the stages of `assay run` wired together with their state, and loading.

>>> from assay.pipeline import LoadOptions
>>> LoadOptions().mode
'append'
"""

from assay.pipeline.load import LoadOptions, check, load
from assay.pipeline.report import LoadReport, RuleResult, TableReport

__all__ = ["LoadOptions", "LoadReport", "RuleResult", "TableReport", "check", "load"]
