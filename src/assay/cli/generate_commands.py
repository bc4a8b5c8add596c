"""``assay generate`` and ``assay contract``: artifacts from one schema, contract tools."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml

from assay.cli.app import app, console, err_console, handle_errors, settings
from assay.cli.schema_commands import load_schema
from assay.errors import InputError, UsageError

if TYPE_CHECKING:
    from assay.codegen.contract_export import ContractOptions
    from assay.schema import Schema

contract_app = typer.Typer(
    help="Data contracts (ODCS v3): validate, version.", no_args_is_help=True, add_completion=False
)
app.add_typer(contract_app, name="contract")


def is_contract(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() not in (".yaml", ".yml", ".json"):
        return False
    head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    return "DataContract" in head and "apiVersion" in head


def read_schema(path: str) -> Schema:
    """An ODCS contract, an assay schema file, or data to infer a schema from."""
    from assay.codegen.contract_import import import_contract_text

    candidate = Path(path)
    if is_contract(candidate):
        return import_contract_text(candidate.read_text(encoding="utf-8"), str(candidate))
    return load_schema(path)


def _contract_options(config: Path | None, name: str, **given: str | None) -> ContractOptions:
    from assay.codegen.contract_export import ContractOptions

    values: dict[str, object] = {"name": name}
    if config is not None:
        if not config.is_file():
            raise InputError("no such file", path=str(config), code="not_found")
        loaded = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise InputError("a contract config must be a YAML mapping", path=str(config))
        allowed = set(ContractOptions.__dataclass_fields__)
        unknown = sorted(set(loaded) - allowed)
        if unknown:
            raise InputError(
                f"unknown key {unknown[0]!r}",
                path=str(config),
                hint="valid keys are: " + ", ".join(sorted(allowed)),
            )
        values.update(loaded)
    values.update({k: v for k, v in given.items() if v is not None})
    if "tags" in values and isinstance(values["tags"], list):
        values["tags"] = tuple(values["tags"])
    return ContractOptions(**values)  # type: ignore[arg-type]


def _write(files: dict[str, str], out: Path | None) -> None:
    if out is None:
        for i, (path, text) in enumerate(files.items()):
            if len(files) > 1:
                console.print(("\n" if i else "") + f"# {path}", markup=False, highlight=False)
            console.print(text, markup=False, highlight=False, soft_wrap=True, end="")
        return
    for path, text in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if path.endswith(".sh"):
            target.chmod(0o755)
    if not settings.quiet:
        err_console.print(f"wrote {len(files)} file(s) to {out}")


@app.command(
    "generate",
    epilog="Examples:\n\n  assay generate ddl examples/shop --dialect postgres\n\n"
    "  assay generate all examples/shop --out artifacts/\n\n"
    "  assay generate migration old.schema.yaml new.schema.yaml --dialect duckdb\n\n"
    "  assay generate contract examples/shop --name shop --owner data@example.com",
)
@handle_errors
def generate_command(
    kind: Annotated[
        str,
        typer.Argument(
            help="contract, json-schema, ddl, migration, pgloader, dbt, gx, checks or all."
        ),
    ],
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Schema or contract file, or data to infer from.", metavar="SCHEMA_OR_DATA..."
        ),
    ] = None,
    dialect: Annotated[
        str, typer.Option("--dialect", "-d", help="SQL dialect (ddl, migration, checks).")
    ] = "duckdb",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write files into this directory.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Dataset/contract name.")] = None,
    target_schema: Annotated[
        str | None, typer.Option("--schema", help="Target SQL schema / dataset.")
    ] = None,
    catalog: Annotated[
        str | None,
        typer.Option("--catalog", help="Catalog (Unity Catalog, Snowflake database, Trino)."),
    ] = None,
    version: Annotated[str | None, typer.Option("--version", help="Contract version.")] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Contract owner (username or e-mail).")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="Owning team.")] = None,
    domain: Annotated[str | None, typer.Option("--domain", help="Data domain.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Contract status (draft, active, …).")
    ] = None,
    contract_config: Annotated[
        Path | None, typer.Option("--contract-config", help="YAML with contract metadata.")
    ] = None,
) -> None:
    """Generate artifacts (contract, JSON Schema, DDL, migration, pgloader, dbt, GX, checks)."""
    from assay.codegen.bundle import KINDS, GenerateOptions, generate
    from assay.codegen.ddl import DdlOptions
    from assay.codegen.migration import migration_sql
    from assay.dialects import get_dialect
    from assay.inference.evolution import diff

    if kind not in KINDS:
        raise UsageError(
            f"unknown artifact kind {kind!r}", hint="valid kinds are: " + ", ".join(KINDS)
        )
    get_dialect(dialect)  # an unknown dialect fails before any inference
    paths = inputs or []
    if not paths:
        raise UsageError("give a schema or contract file, or data to infer from")
    dataset = name or Path(paths[0].rstrip("/")).name.split(".")[0] or "dataset"
    ddl = DdlOptions(schema=target_schema, catalog=catalog)
    if kind == "migration":
        if len(paths) != 2:
            raise UsageError("migration needs two inputs: OLD NEW")
        old, new = read_schema(paths[0]), read_schema(paths[1])
        if (
            len(old.tables) == 1
            and len(new.tables) == 1
            and old.tables[0].name != new.tables[0].name
        ):
            new = new.model_copy(
                update={"tables": (new.tables[0].model_copy(update={"name": old.tables[0].name}),)}
            )
        text = migration_sql(old, new, diff(old, new).changes, dialect, ddl)
        _write({f"{get_dialect(dialect).name}.migration.sql": text}, out)
        return
    schema = read_schema(paths[0]) if len(paths) == 1 else _many(paths)
    contract = _contract_options(
        contract_config,
        dataset,
        version=version,
        owner=owner,
        team=team,
        domain=domain,
        status=status,
        dialect=None,
    )
    options = GenerateOptions(dialect=dialect, name=dataset, contract=contract, ddl=ddl)
    files = generate(kind, schema, options)
    if kind == "all" and out is None:
        raise UsageError("generate all writes a directory: give --out DIR")
    _write(files, out)


def _many(paths: list[str]) -> Schema:
    from assay.inference.engine import infer

    return infer(paths)


@contract_app.command(
    "validate",
    epilog="Examples:\n\n  assay contract validate shop.odcs.yaml",
)
@handle_errors
def validate_command(
    file: Annotated[Path, typer.Argument(help="ODCS contract (YAML or JSON).")],
) -> None:
    """Check a contract against the official ODCS v3 JSON Schema; one line per problem."""
    from assay.codegen.contract_validate import load_contract_text, validate_contract

    if not file.is_file():
        raise InputError("no such file", path=str(file), code="not_found")
    doc, node = load_contract_text(file.read_text(encoding="utf-8"), str(file))
    issues = validate_contract(doc, node)
    for issue in issues:
        err_console.print(issue.to_text(str(file)), markup=False, highlight=False)
    if issues:
        err_console.print(
            f"{file}: {len(issues)} problem(s): not a valid ODCS contract", markup=False
        )
        raise typer.Exit(1)
    if not settings.quiet:
        console.print(f"{file}: valid ODCS {doc.get('apiVersion')} contract", markup=False)


@contract_app.command(
    "bump",
    epilog="Examples:\n\n  assay contract bump shop.odcs.yaml examples/shop\n\n"
    "  assay contract bump shop.odcs.yaml new.schema.yaml --changelog CHANGES.md",
)
@handle_errors
def bump_command(
    contract: Annotated[Path, typer.Argument(help="The existing contract (rewritten in place).")],
    new: Annotated[str, typer.Argument(help="New schema file or data to infer from.")],
    changelog: Annotated[
        Path | None,
        typer.Option(
            "--changelog", help="Changelog to append to (default: CONTRACT.changelog.md)."
        ),
    ] = None,
) -> None:
    """Compare new data with a contract; bump major (breaking) or minor (additive) and log it."""
    from assay.codegen.contract_export import ContractOptions, contract_yaml
    from assay.codegen.contract_import import import_contract_text
    from assay.codegen.contract_validate import load_contract_text
    from assay.codegen.contract_version import bumped, changelog_entry
    from assay.inference.evolution import diff

    if not contract.is_file():
        raise InputError("no such file", path=str(contract), code="not_found")
    text = contract.read_text(encoding="utf-8")
    doc, _ = load_contract_text(text, str(contract))
    old_schema = import_contract_text(text, str(contract))
    new_schema = read_schema(new)
    changes = diff(old_schema, new_schema).changes
    old_version = str(doc.get("version", "0.0.0"))
    version, bump = bumped(old_version, changes)
    if bump == "none":
        console.print(f"{contract}: no changes; version stays {old_version}", markup=False)
        return
    team = doc.get("team") or {}
    members = team.get("members") or [] if isinstance(team, dict) else []
    owner = next((m.get("username") for m in members if m.get("role") == "owner"), None)
    options = ContractOptions(
        name=str(doc.get("name", "dataset")),
        id=doc.get("id"),
        version=version,
        status=str(doc.get("status", "draft")),
        domain=doc.get("domain"),
        team=team.get("name") if isinstance(team, dict) else None,
        owner=owner,
        description=(doc.get("description") or {}).get("purpose"),
        tags=tuple(doc.get("tags") or ()),
    )
    contract.write_text(contract_yaml(new_schema, options), encoding="utf-8")
    log = changelog or contract.with_name(contract.name + ".changelog.md")
    entry = changelog_entry(old_version, version, bump, changes)
    previous = log.read_text(encoding="utf-8") if log.exists() else "# Contract changelog\n"
    log.write_text(previous.rstrip("\n") + "\n\n" + entry, encoding="utf-8")
    console.print(
        f"{contract}: {old_version} -> {version} ({bump}); {len(changes)} change(s) "
        f"logged in {log}",
        markup=False,
    )
