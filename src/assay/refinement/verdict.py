"""A check's outcome, and the helpers every check uses to look at sampled values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.profile import DEFAULT_NULL_TOKENS
from assay.refinement.data import TableSample
from assay.schema import Field, TypeKind


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str  # why not, or the evidence for
    value: Any = None  # what to write into the schema when accepted
    conforming: int = 0
    violating: int = 0
    examples: tuple[str, ...] = ()


def reject(reason: str, **numbers: Any) -> Verdict:
    return Verdict(False, reason, **numbers)


def accept(reason: str, value: Any = None, **numbers: Any) -> Verdict:
    return Verdict(True, reason, value, **numbers)


def kind_of(f: Field) -> str:
    return str(TypeKind(f.type.kind).value)


def present_text(sample: TableSample, path: str) -> pa.Array | None:
    """Sampled non-null text of a field, without inference's null tokens."""
    text = sample.text(path)
    if text is None:
        return None
    tokens = pa.array(list(DEFAULT_NULL_TOKENS), pa.string())
    return text.filter(pc.invert(pc.fill_null(pc.is_in(text, value_set=tokens), False)))
