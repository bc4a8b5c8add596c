"""The public façade: the functions most users need, importable from ``assay``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assay.inference.engine import infer as _infer
from assay.schema import Schema
from assay.sources import Source, open_source

if TYPE_CHECKING:
    from assay.refinement import RefineResult


def read(inputs: str | list[str], **options: Any) -> Source:
    """Open files, directories, globs or URIs; see :class:`assay.sources.ReadOptions`."""
    return open_source(inputs, **options)


def infer(paths: str | list[str], *, read: dict[str, Any] | None = None, **options: Any) -> Schema:
    """Infer a schema by reading every row (``sample=N`` for about N spread rows).

    Options: ``tolerance`` (0.999), ``sample``, ``formats`` (True), ``max_depth`` (10),
    ``enum_max`` (12), ``min_frequency`` (0.0), ``null_tokens``, ``threads`` (2),
    ``keys`` (True); ``read`` passes reading options (encoding, delimiter, ...).

    >>> import assay
    >>> schema = assay.infer("examples/shop")
    >>> schema.table("orders").primary_key.fields
    ('order_id',)
    """
    return _infer(paths, read=read, **options)


def refine(
    schema: Schema | str | list[str],
    *,
    llm: str | None = None,
    docs: list[str] | None = None,
    cache: str | bool = True,
    timeout: float | None = None,
    max_retries: int = 2,
    **options: Any,
) -> RefineResult:
    """Refine a schema (or the schema inferred from paths) with a language model.

    ``llm`` is a provider spec (``ollama:qwen2.5:7b``, ``openai:gpt-4o-mini@URL``,
    ``gguf:/models/m.gguf``; None: ``ASSAY_LLM`` or the config file, else heuristics
    only).  Every suggestion is checked against the data before it is kept; the result
    holds the refined schema, what changed and what was rejected.  ``cache``: answers
    are kept under ``.assay/llm-cache`` (or the directory given; False: no cache).
    Other options: see :class:`assay.refinement.RefineOptions`.

    >>> import assay
    >>> result = assay.refine(assay.infer("examples/shop/customers.csv"), llm="none")
    >>> result.schema.table("customers").field("email").semantic_type
    'email'
    """
    from assay.llm import CachedClient
    from assay.llm.cache import DEFAULT_DIRECTORY
    from assay.llm.providers import load_config, make_client, resolve_spec
    from assay.refinement import RefineOptions, read_documents
    from assay.refinement import refine as _refine

    if not isinstance(schema, Schema):
        schema = _infer(schema)
    config = load_config()
    spec = resolve_spec(llm, config)
    refine_options = RefineOptions(max_retries=max_retries, **options)
    client = make_client(
        spec,
        timeout=timeout,
        max_retries=max_retries,
        concurrency=refine_options.concurrency,
        config=config,
    )
    if client is not None and cache is not False:
        client = CachedClient(client, DEFAULT_DIRECTORY if cache is True else str(cache))
    passages = read_documents(list(docs)) if docs else []
    return _refine(schema, client, passages=passages, options=refine_options)
