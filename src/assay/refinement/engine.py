"""``refine(schema, client)``: ask a model about every column, keep what the data confirms.

Per table, columns are chunked under a token budget (related columns together), each
chunk's prompt carries the schema facts and the most relevant documentation passages,
and chunks run concurrently up to ``concurrency``.  Each answer is parsed against the
chunk's output schema; a malformed answer, or one with suggestions the data rejects, is
asked again with the problems fed back (up to ``max_retries`` times), accepted
suggestions accumulating across attempts.  A chunk whose answers stay unusable, or
whose provider keeps failing, falls back to heuristics with a warning: a misbehaving
model never fails the run.  Only a configuration error (no server, bad key, missing
model file) stops it.

Results are applied in schema order whatever order chunks finish in, so the refined
schema is deterministic for the same answers (which the response cache provides).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from assay.errors import LLMError, UsageError
from assay.inference.formats import FORMATS
from assay.llm.chunking import chunk, estimate_tokens
from assay.llm.client import LLMClient, LLMResponse, ProviderConfigError
from assay.llm.prompt import TEMPLATE_VERSION, Passage, Prompt, build_prompt
from assay.llm.suggestions import DETAILS, AnswerError, OutputSpec, parse_answer
from assay.llm.vocabulary import stricter
from assay.refinement import heuristics
from assay.refinement.apply import Change, Decision, apply
from assay.refinement.context import column_info, columns_of, reference_targets, table_info
from assay.refinement.data import DEFAULT_ROWS, Samples
from assay.refinement.docs import select
from assay.refinement.judge import Rejection, judge_answer, judge_field
from assay.schema import Field, Provenance, Schema, Table

log = logging.getLogger(__name__)

HEURISTICS = Provenance(source="inference", detail="refine heuristics")


@dataclass(frozen=True)
class RefineOptions:
    max_retries: int = 2  # re-asks after a rejected answer, per chunk
    concurrency: int = 2  # chunks in flight
    chunk_tokens: int = 1500  # budget for the column lines of one prompt
    max_columns: int = 12  # columns per chunk (answers grow with every column)
    docs_tokens: int = 600  # budget for documentation passages per prompt
    detail: str = "full"  # "brief": descriptions, semantic types, classifications only
    sample_rows: int = DEFAULT_ROWS  # rows re-read per table to check suggestions
    tolerance: float = 0.999  # as inference: share of values a narrower type must fit
    examples: bool = True  # include the few-shot example
    heuristics: bool = True  # fill what the model left open with the heuristics
    read: dict[str, Any] | None = None  # reading options for re-reading the sources

    def __post_init__(self) -> None:
        if self.detail not in DETAILS:
            raise UsageError(
                f"unknown detail {self.detail!r}", hint=f"valid values are: {', '.join(DETAILS)}"
            )
        if self.max_retries < 0 or self.concurrency < 1 or self.sample_rows < 1:
            raise UsageError("max_retries must be >= 0, concurrency and sample_rows >= 1")


@dataclass
class ChunkReport:
    table: str
    columns: tuple[str, ...]
    attempts: int = 0
    elapsed: float = 0.0
    cached: int = 0
    outcome: str = "heuristics"  # "model", "fallback" or "heuristics" (no model)
    problem: str | None = None


@dataclass
class RefineResult:
    schema: Schema
    changes: list[Change] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chunks: list[ChunkReport] = field(default_factory=list)
    provider: str = "none"
    model: str = ""
    spec: str = "none"  # the provider spec as given (no secrets)
    template: str = TEMPLATE_VERSION
    started: str = ""
    elapsed: float = 0.0

    def suggestions(self, source: str = "llm") -> int:
        """Suggestions from ``source`` that were judged (accepted or rejected)."""
        accepted = sum(1 for c in self.changes if c.source == source)
        return accepted + sum(1 for r in self.rejections if r.source == source)


@dataclass
class _Job:
    index: int
    table: Table
    fields: list[Field]
    prompt: Prompt


@dataclass
class _JobResult:
    decisions: list[Decision] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    report: ChunkReport | None = None
    warning: str | None = None


def plan(
    schema: Schema,
    passages: list[Passage] = (),
    options: RefineOptions | None = None,  # type: ignore[assignment]
) -> list[_Job]:
    """The prompts a refinement would send, one per chunk (``--show-prompt``)."""
    options = options or RefineOptions()
    jobs: list[_Job] = []
    for table in schema.tables:
        fields = columns_of(table)
        infos = {f.path: column_info(f, table) for f in fields}
        costs = {path: estimate_tokens(info.render()) for path, info in infos.items()}
        chunks = chunk(
            fields,
            lambda f: f.path,
            lambda f, costs=costs: costs[f.path],
            budget=options.chunk_tokens,
            max_items=options.max_columns,
        )
        targets = reference_targets(schema, table)
        for members in chunks:
            spec = OutputSpec(
                columns=tuple(f.path for f in members),
                formats=FORMATS,
                references=targets,
                detail=options.detail,
            )
            names = [table.name, *(f.path for f in members)]
            chosen = select(list(passages), names, options.docs_tokens)
            prompt = build_prompt(
                table_info(table),
                [infos[f.path] for f in members],
                spec,
                chosen,
                examples=options.examples,
            )
            jobs.append(_Job(len(jobs), table, members, prompt))
    return jobs


def refine(
    schema: Schema,
    client: LLMClient | None = None,
    *,
    passages: list[Passage] = (),  # type: ignore[assignment]
    options: RefineOptions | None = None,
    progress: Callable[[ChunkReport], None] | None = None,
) -> RefineResult:
    """Refine ``schema`` with ``client`` (None: heuristics only); never raises because a
    model misbehaved, only for configuration errors (:class:`ProviderConfigError`)."""
    options = options or RefineOptions()
    started = time.monotonic()
    result = RefineResult(
        schema,
        provider=getattr(client, "provider", "none"),
        model=getattr(client, "model", ""),
        spec=f"{getattr(client, 'provider', 'none')}:{getattr(client, 'model', '')}"
        if client is not None
        else "none",
        started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    samples = Samples(max_rows=options.sample_rows, read=options.read)
    decisions: list[Decision] = []
    if client is not None:
        jobs = plan(schema, passages, options)
        outcomes = _run(jobs, client, schema, samples, options, progress)
        for outcome in outcomes:
            decisions.extend(outcome.decisions)
            result.rejections.extend(outcome.rejections)
            if outcome.report is not None:
                result.chunks.append(outcome.report)
            if outcome.warning:
                result.warnings.append(outcome.warning)
    if options.heuristics:
        decided = {(d.table, d.path, d.aspect): i for i, d in enumerate(decisions)}
        for table in schema.tables:
            sample = samples.lazy(table)
            for f in columns_of(table):
                suggestion = heuristics.suggest(f)
                if suggestion is None:
                    continue
                judged = judge_field(
                    table, f, suggestion, sample, samples, schema, options.tolerance,
                    "heuristics", HEURISTICS, 0,
                )  # fmt: skip
                for d in judged.decisions:
                    index = decided.get((d.table, d.path, d.aspect))
                    if index is None:
                        decisions.append(d)
                    elif _heuristic_wins(d, decisions[index]):
                        decisions[index] = d
                result.rejections.extend(
                    r for r in judged.rejections if (r.table, r.path, r.aspect) not in decided
                )
    result.schema, result.changes = apply(schema, decisions)
    result.elapsed = time.monotonic() - started
    return result


def _heuristic_wins(heuristic: Decision, model: Decision) -> bool:
    """Where the model and the rules disagree on a semantic type, the rules stand: they
    read a format inference validated on every value, or a column name of the
    vocabulary, while the model's choice can only be refuted by the checks, never
    confirmed (a 270M model calls a city an identifier and nothing in the values says
    otherwise). The model fills the types the rules leave open, and writes the
    descriptions. A stricter data classification (pii over none) is kept, whoever
    suggested it."""
    if heuristic.aspect == "semantic_type":
        return heuristic.value != model.value
    if heuristic.aspect == "classification":
        return stricter(heuristic.value, model.value) == heuristic.value != model.value
    return False


def _run(
    jobs: list[_Job],
    client: LLMClient,
    schema: Schema,
    samples: Samples,
    options: RefineOptions,
    progress: Callable[[ChunkReport], None] | None,
) -> list[_JobResult]:
    results: list[_JobResult | None] = [None] * len(jobs)
    with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
        futures = {
            pool.submit(_run_job, job, client, schema, samples, options): job.index for job in jobs
        }
        try:
            for future, index in futures.items():
                results[index] = future.result()
                report = results[index].report  # type: ignore[union-attr]
                if progress is not None and report is not None:
                    progress(report)
        except ProviderConfigError:
            for other in futures:
                other.cancel()
            raise
    return [r if r is not None else _JobResult() for r in results]


def _run_job(
    job: _Job, client: LLMClient, schema: Schema, samples: Samples, options: RefineOptions
) -> _JobResult:
    table = job.table
    report = ChunkReport(table.name, tuple(f.path for f in job.fields), outcome="fallback")
    out = _JobResult(report=report)
    prompt = job.prompt
    accepted: dict[tuple[str | None, str], Decision] = {}
    answered = False
    previous: str | None = None
    started = time.monotonic()
    for attempt in range(options.max_retries + 1):
        report.attempts = attempt + 1
        request = prompt.request()
        try:
            response = client.complete(request)
        except ProviderConfigError:
            raise
        except LLMError as exc:
            report.problem = str(exc)
            break
        report.cached += int(response.cached)
        if response.text == previous:
            report.problem = "; ".join(
                filter(None, [report.problem, "the model repeated its answer"])
            )
            break  # the feedback changed nothing: asking again would not either
        previous = response.text
        try:
            answer = parse_answer(response.text, prompt.spec)
        except AnswerError as exc:
            if _truncated(response):
                exc.problems.insert(0, f"the answer was cut off after {request.max_tokens} tokens")
            report.problem = "; ".join(exc.problems[:3])
            out.rejections.append(
                Rejection(table.name, None, "answer", _brief(response.text), report.problem,
                          "llm", attempt)
            )  # fmt: skip
            log.debug("%s: answer rejected: %s", table.name, exc.problems)
            prompt = prompt.with_feedback(response.text, exc.problems)
            continue
        answered = True
        provenance = _provenance(response, request.prompt_hash())
        judged = judge_answer(
            job.table, job.fields, answer, schema, samples, options.tolerance, provenance, attempt
        )
        for d in judged.decisions:
            accepted.setdefault((d.path, d.aspect), d)
        fresh = [r for r in judged.rejections if (r.path, r.aspect) not in accepted]
        out.rejections.extend(judged.rejections)
        for r in judged.rejections:
            log.debug("%s.%s %s rejected: %s", table.name, r.path, r.aspect, r.reason)
        if not fresh:
            report.problem = None
            break
        report.problem = f"{len(fresh)} suggestion(s) rejected by the data"
        problems = [
            f"{r.path or 'table'}: {r.aspect} {r.value!r} rejected: {r.reason}" for r in fresh
        ]
        prompt = prompt.with_feedback(response.text, problems)
    report.elapsed = time.monotonic() - started
    out.decisions = list(accepted.values())
    if answered:
        report.outcome = "model"
    else:
        columns = ", ".join(report.columns[:4]) + (" …" if len(report.columns) > 4 else "")
        out.warning = (
            f"{table.name} ({columns}): no usable answer from the model after "
            f"{report.attempts} attempt(s) ({report.problem}); using heuristics"
        )
    return out


def _provenance(response: LLMResponse, prompt_hash: str) -> Provenance:
    return Provenance(
        source="llm",
        detail=f"{response.provider}:{response.model} template={TEMPLATE_VERSION} "
        f"prompt=sha256:{prompt_hash[:16]}",
    )


def _truncated(response: LLMResponse) -> bool:
    reason = response.details.get("finish_reason") or response.details.get("done_reason")
    return reason == "length"


def _brief(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
