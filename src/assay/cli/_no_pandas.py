"""Keep pandas out of commands that never use it (``assay infer``): 0.2 s of start-up.

pyarrow imports pandas the first time it converts Python objects (``pa.array([...])``,
a Python scalar given to a compute function), only to recognise pandas values among
them.  assay hands pyarrow lists, numbers and strings, never pandas objects, so for the
commands listed here the import is refused for the life of the process, which pyarrow
treats as "pandas is not installed".  Only the console entry point does this (the
process is assay's own); the library and in-process callers are not affected.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec

COMMANDS = frozenset({"infer"})


class _RefusePandas:
    """A meta-path finder that makes ``import pandas`` fail as if it were not installed."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> ModuleSpec:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError(f"{name} is not used by this assay command", name=name)
        return None  # type: ignore[return-value]


def refuse_pandas_for(argv: Sequence[str]) -> bool:
    """Install the refusal when ``argv`` runs one of :data:`COMMANDS`; say whether it did."""
    command = next((a for a in argv[1:] if not a.startswith("-")), None)
    if command not in COMMANDS or "pandas" in sys.modules:
        return False
    sys.meta_path.insert(0, _RefusePandas())
    return True
