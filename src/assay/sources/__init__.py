"""Sources: turn files, directories, globs and URIs into Arrow record batches.

>>> import assay.sources as sources
>>> source = sources.open_source("examples/shop/customers.csv")
>>> for stream in source.streams():
...     print(stream.name, stream.detection.dialect.delimiter)
...     for batch in stream.batches():
...         ...
"""

from assay.errors import InputError
from assay.sources.locate import Resource, locate, redact
from assay.sources.model import (
    Detection,
    Dialect,
    Format,
    OnError,
    Origin,
    QuarantinedRecord,
    SourceBatch,
)
from assay.sources.source import ReadOptions, Source, Stream, open_source, sniff

__all__ = [
    "Detection",
    "Dialect",
    "Format",
    "InputError",
    "OnError",
    "Origin",
    "QuarantinedRecord",
    "ReadOptions",
    "Resource",
    "Source",
    "SourceBatch",
    "Stream",
    "locate",
    "open_source",
    "redact",
    "sniff",
]
