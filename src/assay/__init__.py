"""assay: from messy files to typed, documented, checked tables.

The library is usable on its own; the ``assay`` command is a thin shell over it.

>>> import assay
>>> detection = assay.sniff("examples/shop/payments.csv")
>>> detection.dialect.delimiter
';'
"""

from assay._version import __version__
from assay.errors import AssayError, InputError, MissingDependencyError, UsageError
from assay.sources import open_source, sniff

__all__ = [
    "AssayError",
    "InputError",
    "MissingDependencyError",
    "UsageError",
    "__version__",
    "open_source",
    "sniff",
]
