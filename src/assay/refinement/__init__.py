"""Refinement: a model's suggestions about a schema, kept only where the data agrees.

Layer 5 (beside the pipeline): it uses :mod:`assay.llm` (prompts, providers, parsing),
:mod:`assay.inference` (candidate and format checks), :mod:`assay.sources` (re-reading
a bounded sample) and :mod:`assay.schema`.
"""

from assay.refinement.apply import Change, Decision
from assay.refinement.docs import read_documents
from assay.refinement.engine import (
    ChunkReport,
    RefineOptions,
    RefineResult,
    Rejection,
    plan,
    refine,
)

__all__ = [
    "Change",
    "ChunkReport",
    "Decision",
    "RefineOptions",
    "RefineResult",
    "Rejection",
    "plan",
    "read_documents",
    "refine",
]
