"""``assay schemas diff OLD NEW``: what changed between two schemas, and does it break."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assay.cli.app import app, handle_errors, print_text
from assay.errors import InputError

if TYPE_CHECKING:
    from assay.schema import Schema

schemas_app = typer.Typer(
    help="Work with schemas: compare them.", no_args_is_help=True, add_completion=False
)
app.add_typer(schemas_app, name="schemas")


def load_schema(path: str) -> Schema:
    """A schema file (JSON/YAML written by `assay infer`), or data to infer one from."""
    from assay.inference.engine import infer
    from assay.schema import from_text

    candidate = Path(path)
    if candidate.is_file() and candidate.suffix.lower() in (".json", ".yaml", ".yml"):
        text = candidate.read_text(encoding="utf-8")
        if "DataContract" in text[:4000] and "apiVersion" in text[:4000]:
            from assay.codegen.contract_import import import_contract_text

            return import_contract_text(text, path)
        head = text.lstrip()[:200]
        if '"tables"' in head or head.startswith(("version", "tables")) or "tables:" in head:
            return from_text(text)
    if not candidate.exists() and "://" not in path:
        raise InputError("no such file or directory", path=path, code="not_found")
    return infer(path)


@schemas_app.command(
    "diff",
    epilog="Examples:\n\n  assay schemas diff old.schema.yaml new.schema.yaml\n\n"
    "  assay schemas diff drops/2024-01/ drops/2024-02/ --exit-code\n\n"
    "  assay schemas diff old.schema.yaml new.schema.yaml --ddl postgres",
)
@handle_errors
def diff_command(
    old: Annotated[str, typer.Argument(help="Old schema file (JSON/YAML) or data path.")],
    new: Annotated[str, typer.Argument(help="New schema file (JSON/YAML) or data path.")],
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when a change is breaking.")
    ] = False,
    ddl: Annotated[
        str | None,
        typer.Option("--ddl", help="Also print the migration (ALTER statements) for this dialect."),
    ] = None,
) -> None:
    """Show added, removed and changed fields, each marked compatible or breaking."""
    from assay.inference.evolution import diff

    if ddl is not None:
        from assay.dialects import get_dialect

        get_dialect(ddl)  # an unknown dialect fails before any inference
    before, after = load_schema(old), load_schema(new)
    if len(before.tables) == 1 and len(after.tables) == 1:
        # One table each (often two drops of one file under different names): compare
        # the tables themselves.
        result = diff(before.tables[0], after.tables[0])
    else:
        result = diff(before, after)
    print_text(result.to_text())
    if ddl is not None:
        from assay.codegen.migration import migration_sql

        if len(before.tables) == 1 and len(after.tables) == 1:
            renamed = after.tables[0].model_copy(update={"name": before.tables[0].name})
            after = after.model_copy(update={"tables": (renamed,)})
            result = diff(before, after)
        script = migration_sql(before, after, result.changes, ddl)
        print_text(script, end="")
    if exit_code and result.breaking:
        raise typer.Exit(1)
