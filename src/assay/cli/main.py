"""Console entry point: ``assay`` (and ``python -m assay``).

Commands register themselves on :data:`assay.cli.app.app` when their module is
imported.  A run of one command imports only that command's modules (every module
costs start-up, and ``assay infer`` on a small file is mostly start-up); help, a
mistyped command or no command at all imports them all, so the listing is complete
and in the same order every time.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

__all__ = ["COMMAND_MODULES", "app", "run"]  # noqa: F822  (app: see __getattr__)

# Every module that registers commands, in the order the help lists them.
MODULES = (
    "check_commands",
    "config_commands",
    "generate_commands",
    "infer_commands",
    "load_commands",
    "read_commands",
    "refine_commands",
    "run_commands",
    "schema_commands",
    "stage_commands",
    "stage_inspect",
    "stage_views",
)
# Top-level command or group name -> the modules that register it and its subcommands
# (a test checks this against what the modules register).
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "check": ("check_commands",),
    "query": ("check_commands",),
    "config": ("config_commands",),
    "init": ("config_commands",),
    "contract": ("generate_commands",),
    "generate": ("generate_commands",),
    "infer": ("infer_commands",),
    "load": ("load_commands",),
    "preview": ("read_commands",),
    "sniff": ("read_commands",),
    "refine": ("refine_commands",),
    "run": ("run_commands",),
    "runs": ("run_commands",),
    "schemas": ("schema_commands",),
    "stage": ("stage_commands", "stage_inspect", "stage_views"),
}
# Global options that take a value (the value is not a command name).
_VALUED_OPTIONS = frozenset({"--log-format"})


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules a command line needs: its command's, or all of them."""
    args = list(argv[1:])
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-h", "--help", "--version"):
            return MODULES
        if arg.startswith("-"):
            i += 2 if arg in _VALUED_OPTIONS else 1
            continue
        return COMMAND_MODULES.get(arg, MODULES)
    return MODULES


def register(modules: Sequence[str] = MODULES) -> None:
    for name in modules:
        importlib.import_module(f"assay.cli.{name}")


def __getattr__(name: str) -> Any:
    """``from assay.cli.main import app``: the application with every command."""
    if name == "app":
        from assay.cli.app import app

        register()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run() -> None:
    import os
    import sys

    # pydantic looks for plugins among every installed package's entry points when the
    # first model is built (~15 ms); assay's own process uses none.  Set it to "" to
    # let them load.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # numpy's OpenBLAS starts a thread per core that spins on its own after work, and
    # assay does no linear algebra: ~3 % of `assay infer`'s CPU on two cores.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if os.environ.get("ASSAY_HUGE_PAGES") != "1":
        no_huge_pages()
    from assay.cli._no_pandas import refuse_pandas_for
    from assay.cli.app import app

    refuse_pandas_for(sys.argv)
    register(modules_for(sys.argv))
    try:
        app()
    finally:
        # The command is done; what is left is the interpreter's shutdown, whose
        # collections walk every object (~60k of them after `assay infer`) more than
        # once: ~0.1 s, 5-6 % of `assay infer` on the 1e6-row benchmark CSV.  Frozen
        # objects are not walked; everything is released when the process ends, and
        # files and databases are closed by the commands themselves.
        import gc

        gc.freeze()


PR_SET_THP_DISABLE = 41  # linux/prctl.h


def no_huge_pages() -> bool:
    """Turn transparent huge pages off for this process (Linux); say whether it did.

    Arrow's allocator asks for huge pages, and the arrays of a batch live for
    milliseconds: every fresh 2 MB page is cleared by the kernel, most of it for nothing.
    On the 2-core bench machine ``assay infer`` spent ~11 % of its CPU clearing pages;
    without huge pages it takes 0.95x the CPU and 0.96-0.97x the time (24 paired runs,
    docs/performance.md).  ``ASSAY_HUGE_PAGES=1`` keeps them.
    """
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):  # no prctl to call: nothing to turn off
        return False
