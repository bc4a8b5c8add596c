"""assay: from messy files to typed, documented, checked tables.

The library is usable on its own; the ``assay`` command is a thin shell over it.

>>> import assay
>>> schema = assay.infer("examples/shop")
>>> [t.name for t in schema.tables]
['customers', 'order_items', 'orders', 'payments', 'reviews']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay._lazy import lazy_getattr
from assay._version import __version__
from assay.errors import AssayError, InputError, MissingDependencyError, UsageError

if TYPE_CHECKING:
    from assay.api import check, infer, load, read, refine
    from assay.schema import Schema
    from assay.sources import open_source, sniff

# The heavy parts (Arrow, DuckDB, the inference engine) load on first use, so that
# ``import assay`` and every ``assay`` command start quickly.
_LAZY = {
    "check": "assay.api",
    "infer": "assay.api",
    "load": "assay.api",
    "read": "assay.api",
    "refine": "assay.api",
    "Schema": "assay.schema",
    "open_source": "assay.sources",
    "sniff": "assay.sources",
}

__all__ = [
    "AssayError",
    "InputError",
    "MissingDependencyError",
    "Schema",
    "UsageError",
    "__version__",
    "check",
    "infer",
    "load",
    "open_source",
    "read",
    "refine",
    "sniff",
]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
