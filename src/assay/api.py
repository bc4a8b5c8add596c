"""The public façade: the functions most users need, importable from ``assay``."""

from __future__ import annotations

from typing import Any

from assay.inference.engine import infer as _infer
from assay.schema import Schema
from assay.sources import Source, open_source


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
