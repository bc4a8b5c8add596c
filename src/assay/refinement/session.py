"""Refinement from a provider spec: the client (with its answer cache), the documents,
the options — what ``assay.refine``, ``assay refine`` and the pipeline's refine stage
all need, in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assay.refinement.docs import read_documents
from assay.refinement.engine import ChunkReport, RefineOptions, RefineResult, refine
from assay.schema import Schema


def refine_with(
    schema: Schema,
    llm: str | None,
    *,
    docs: list[str] | None = None,
    cache: str | bool = True,
    offline: bool = False,
    timeout: float | None = None,
    config: dict[str, Any] | None = None,
    options: RefineOptions | None = None,
    progress: Callable[[ChunkReport], None] | None = None,
) -> RefineResult:
    """Refine ``schema`` with the model ``llm`` names (None: ``ASSAY_LLM`` or the config
    file's ``llm``, else heuristics only). ``config``: the ``llm`` section as the
    providers read it (default: read from the configuration file); ``offline``: answer
    from the cache only."""
    from assay.llm import CachedClient
    from assay.llm.cache import DEFAULT_DIRECTORY
    from assay.llm.providers import load_config, make_client, resolve_spec

    options = options or RefineOptions()
    config = load_config() if config is None else config
    spec = resolve_spec(llm, config)
    client = make_client(
        spec,
        timeout=timeout,
        max_retries=options.max_retries,
        concurrency=options.concurrency,
        config=config,
    )
    if client is not None and (cache is not False or offline):
        directory = DEFAULT_DIRECTORY if cache in (True, False) else str(cache)
        client = CachedClient(client, directory, offline=offline)
    passages = read_documents(list(docs)) if docs else []
    result = refine(schema, client, passages=passages, options=options, progress=progress)
    result.spec = str(spec)
    return result
