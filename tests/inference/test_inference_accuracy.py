"""Accuracy of inference on the labeled corpus (tests/corpus/inference/labels.yaml).

Every labeled column is scored on three properties — type (with decimal precision and
scale, date pattern and time zone where labeled), format and nullability; the test
prints the accuracy and fails under 98 %.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.inference.engine import infer_detailed
from assay.schema import Field, TypeKind

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "inference"
LABELS: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "labels.yaml").read_text("utf-8"))
THRESHOLD = 0.98


def flatten(fields: tuple[Field, ...]) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for f in fields:
        out[f.path] = f
        kind = TypeKind(f.type.kind)
        if kind is TypeKind.OBJECT and f.type.fields:
            out.update(flatten(f.type.fields))
    return out


def compare(label: dict[str, Any], field: Field | None) -> dict[str, tuple[Any, Any]]:
    """Properties that differ: {name: (expected, got)}."""
    if field is None:
        return {"missing": (label["type"], None)}
    wrong: dict[str, tuple[Any, Any]] = {}
    t = field.type
    kind = str(t.kind)
    expected = str(label["type"])
    type_ok = kind == expected
    if type_ok and expected == "decimal" and "precision" in label:
        type_ok = (t.precision, t.scale) == (label["precision"], label["scale"])
    if type_ok and "date_format" in label and expected in ("date", "datetime"):
        want = label["date_format"]
        type_ok = t.pattern == want or _same_pattern(t.pattern, want)
    if type_ok and "timezone" in label and expected == "datetime":
        type_ok = bool(t.timezone) == bool(label["timezone"])
    if not type_ok:
        wrong["type"] = (_describe_label(label), str(t) + (f" {t.pattern}" if t.pattern else ""))
    fmt = field.format.name if field.format else None
    if fmt != label.get("format"):
        wrong["format"] = (label.get("format"), fmt)
    if bool(field.nullable) != bool(label["nullable"]):
        wrong["nullable"] = (label["nullable"], field.nullable)
    return wrong


def _same_pattern(got: str | None, want: str) -> bool:
    # %d %B %Y and %d %b %Y read the same values (full or abbreviated month names).
    return got is not None and got.replace("%B", "%b") == want.replace("%B", "%b")


def _describe_label(label: dict[str, Any]) -> str:
    text = str(label["type"])
    if "precision" in label:
        text += f"({label['precision']},{label['scale']})"
    if "date_format" in label:
        text += f" {label['date_format']}"
    return text


def score() -> tuple[int, int, list[str]]:
    checks = 0
    right = 0
    misses: list[str] = []
    for name, spec in sorted(LABELS.items()):
        result = infer_detailed(str(CORPUS / "files" / name))
        assert result.errors == [], name
        fields: dict[str, Field] = {}
        for table in result.schema.tables:
            fields.update(flatten(table.fields))
        for column, label in spec["columns"].items():
            if column.endswith("[]") or "[]." in column:
                continue  # array elements are scored through their array's type
            wrong = compare(label, fields.get(column))
            checks += 3
            right += 3 - len(wrong)
            for prop, (want, got) in wrong.items():
                misses.append(f"{name}:{column} {prop}: expected {want}, got {got}")
    return right, checks, misses


@pytest.mark.slow
def test_inference_accuracy_on_the_labeled_corpus() -> None:
    right, checks, misses = score()
    accuracy = right / checks
    print(f"\ninference accuracy: {right}/{checks} = {accuracy:.2%}")
    for miss in misses:
        print("  ", miss)
    assert checks >= 3 * 150
    assert accuracy >= THRESHOLD, "\n".join(misses)


if __name__ == "__main__":
    r, c, m = score()
    print(f"{r}/{c} = {r / c:.2%}")
    print("\n".join(m))
