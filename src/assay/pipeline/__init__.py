"""The pipeline: stages wired together with their state (loading today; ``assay run`` later).

>>> from assay.pipeline import LoadOptions
>>> LoadOptions().mode
'append'
"""

from assay.pipeline.load import LoadOptions, check, load
from assay.pipeline.report import LoadReport, RuleResult, TableReport

__all__ = ["LoadOptions", "LoadReport", "RuleResult", "TableReport", "check", "load"]
