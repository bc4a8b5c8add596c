"""assay: from messy files to typed, documented, checked tables.

The library is usable on its own; the ``assay`` command is a thin shell over it.

>>> import assay
>>> schema = assay.infer("examples/shop")
>>> [t.name for t in schema.tables]
['customers', 'order_items', 'orders', 'payments', 'reviews']
"""

from assay._version import __version__
from assay.api import check, infer, load, read
from assay.errors import AssayError, InputError, MissingDependencyError, UsageError
from assay.schema import Schema
from assay.sources import open_source, sniff

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
    "sniff",
]
