"""Console entry point: ``assay`` (and ``python -m assay``)."""

from __future__ import annotations

from assay.cli import (  # noqa: F401  (registers the commands)
    check_commands,
    config_commands,
    generate_commands,
    infer_commands,
    load_commands,
    read_commands,
    refine_commands,
    run_commands,
    schema_commands,
    stage_commands,
    stage_inspect,
    stage_views,
)
from assay.cli.app import app

__all__ = ["app", "run"]


def run() -> None:
    import sys

    from assay.cli._no_pandas import refuse_pandas_for

    refuse_pandas_for(sys.argv)
    app()
