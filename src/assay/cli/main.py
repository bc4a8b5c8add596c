"""Console entry point: ``assay`` (and ``python -m assay``)."""

from __future__ import annotations

from assay.cli import infer_commands, read_commands  # noqa: F401  (registers the commands)
from assay.cli.app import app

__all__ = ["app", "run"]


def run() -> None:
    app()
