"""Judging one parsed answer: every suggestion through its check, as decisions or
rejections.  The type is judged first, because a narrowed type changes what the other
checks expect (a format annotates text, a range needs numbers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assay.llm.prompt import example_subjects, example_texts
from assay.llm.suggestions import Answer
from assay.refinement import checks
from assay.refinement.apply import Decision
from assay.refinement.context import columns_of
from assay.refinement.data import Samples
from assay.schema import Evidence, Field, Provenance, Schema, Table


@dataclass(frozen=True)
class Rejection:
    """A suggestion the checks refused, and why (``path`` None: about the table)."""

    table: str
    path: str | None
    aspect: str
    value: Any
    reason: str
    source: str  # "llm" or "heuristics"
    attempt: int


@dataclass
class Judged:
    decisions: list[Decision] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def judge_answer(
    table: Table,
    fields: list[Field],
    answer: Answer,
    schema: Schema,
    samples: Samples,
    tolerance: float,
    provenance: Provenance,
    attempt: int,
) -> Judged:
    """Every suggestion of one answer about ``fields`` of ``table``."""
    out = Judged()
    sample = samples.get(table)
    for f in fields:
        suggestion = answer.fields.get(f.path)
        if suggestion is None:
            continue
        judged = judge_field(
            table, f, suggestion, sample, samples, schema, tolerance, "llm", provenance, attempt
        )
        out.decisions.extend(judged.decisions)
        out.rejections.extend(judged.rejections)
    t = answer.table

    def decide(aspect: str, value: Any, verdict: checks.Verdict) -> None:
        if verdict.accepted:
            if verdict.reason != "unchanged":
                evidence = Evidence(decision=aspect, rule="llm", note=verdict.reason)
                out.decisions.append(
                    Decision(table.name, None, aspect, verdict.value, "llm", provenance, evidence)
                )
        else:
            out.rejections.append(
                Rejection(table.name, None, aspect, value, verdict.reason, "llm", attempt)
            )

    names = " ".join([table.name, *(f.path.replace(".", " ") for f in table.fields)])
    if t.description:
        verdict = checks.check_description(
            t.description, example_texts(), example_subjects(), names
        )
        decide("description", t.description, verdict)
    if t.grain:
        verdict = checks.check_description(t.grain, example_texts(), example_subjects(), names)
        decide("grain", t.grain, verdict)
    if t.primary_key:
        decide("primary_key", list(t.primary_key),
               checks.check_primary_key(table, t.primary_key, sample))  # fmt: skip
    return out


def judge_field(
    table: Table,
    f: Field,
    s: Any,
    sample: Any,
    samples: Samples,
    schema: Schema,
    tolerance: float,
    source: str,
    provenance: Provenance,
    attempt: int,
) -> Judged:
    """Check every aspect of one field's suggestion; type first, as the others depend on
    the (possibly narrowed) type."""
    out = Judged()
    kind = checks.kind_of(f)

    def decide(aspect: str, value: Any, verdict: checks.Verdict) -> bool:
        if verdict.accepted:
            if verdict.reason == "unchanged":
                return False
            evidence = Evidence(
                decision=aspect,
                rule=f"{source}-confirmed" if verdict.conforming else source,
                conforming=verdict.conforming,
                violating=verdict.violating,
                examples=verdict.examples,
                confidence=round(s.confidence, 4),
                note=verdict.reason if aspect != "description" else s.reasoning,
            )
            out.decisions.append(
                Decision(table.name, f.path, aspect, verdict.value, source, provenance, evidence)
            )
            return True
        out.rejections.append(
            Rejection(table.name, f.path, aspect, value, verdict.reason, source, attempt)
        )
        return False

    type_verdict = None
    if getattr(s, "type", None):
        type_verdict = checks.check_type(f, s.type, sample, tolerance)
    if type_verdict is not None and decide("type", s.type, type_verdict):
        kind = s.type
    if getattr(s, "format", None):
        verdict = checks.check_format(f, s.format, sample, kind)
        if verdict.accepted and verdict.reason != "unchanged":
            verdict = checks.accept(
                verdict.reason,
                (s.format, verdict.value),
                conforming=verdict.conforming,
                violating=verdict.violating,
            )
        decide("format", s.format, verdict)
    if getattr(s, "allowed_values", None):
        decide("allowed_values", list(s.allowed_values),
               checks.check_enum(f, s.allowed_values, sample))  # fmt: skip
    if getattr(s, "pattern", None):
        decide("pattern", s.pattern, checks.check_pattern(f, s.pattern, sample))
    minimum, maximum = getattr(s, "minimum", None), getattr(s, "maximum", None)
    if minimum is not None or maximum is not None:
        decide("range", [minimum, maximum], checks.check_range(f, minimum, maximum, sample))
    semantic = None
    if s.semantic_type and s.semantic_type != "other":
        verdict = checks.check_semantic_type(f, s.semantic_type, kind, sample)
        if decide("semantic_type", s.semantic_type, verdict):
            semantic = s.semantic_type
    if s.classification:
        verdict = checks.check_classification(f, s.classification, semantic)
        # "none" (no personal data) is recorded only when it is wrong.
        if not verdict.accepted or s.classification != "none":
            decide("classification", s.classification, verdict)
    if s.description:
        context = f"{table.name} {f.path.replace('.', ' ')}"
        verdict = checks.check_description(
            s.description, example_texts(), example_subjects(), context
        )
        decide("description", s.description, verdict)
    target = getattr(s, "references", None)
    if target:
        decide("references", target, _reference(f, table, target, sample, samples, schema))
    return out


def _reference(
    f: Field, table: Table, target: str, sample: Any, samples: Samples, schema: Schema
) -> checks.Verdict:
    target_table, _, target_path = target.partition(".")
    try:
        parent_table = schema.table(target_table)
        parent = next(p for p in columns_of(parent_table) if p.path == target_path)
    except (KeyError, StopIteration):
        return checks.reject(f"{target} is not a column of the schema")
    for r in schema.relationships:
        if (r.from_table, r.from_fields, r.to_table, r.to_fields) == (
            table.name, (f.path,), target_table, (target_path,)
        ):  # fmt: skip
            return checks.accept("unchanged")
    verdict, coverage = checks.check_reference(f, sample, parent, samples.get(parent_table))
    if not verdict.accepted:
        return verdict
    return checks.accept(verdict.reason, {"target": target, "coverage": coverage})
