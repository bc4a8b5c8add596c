"""``assay init`` and ``assay config show|validate``: write, inspect and check ``assay.yaml``."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assay.cli.app import app, console, err_console, handle_errors, print_text, settings
from assay.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from assay.config import Config

config_app = typer.Typer(
    help="The run configuration (assay.yaml): show it, validate it.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(config_app, name="config")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Configuration file (default: assay.yaml in the current directory, if any).",
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override one key for this command: KEY=VALUE, KEY dotted (policies.dedup). "
        "Repeatable.",
        metavar="KEY=VALUE",
    ),
]


def load(config: Path | None, assignments: list[str] | None) -> Config:
    """The effective configuration for a command: file (given or found) + ``--set``."""
    from assay.config import load_config, parse_assignments

    return load_config(config, overrides=parse_assignments(assignments or []))


@app.command(
    "init",
    epilog="Examples:\n\n  assay init\n\n  assay init shop-project --source examples/shop\n\n"
    "  assay init --force",
)
@handle_errors
def init_command(
    directory: Annotated[
        Path, typer.Argument(help="Project directory (created if missing).")
    ] = Path("."),
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source", "-s", help="Data to read (path, glob or URI). Repeatable.", metavar="PATH"
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing assay.yaml.")
    ] = False,
) -> None:
    """Write a commented assay.yaml with every section explained and the defaults set."""
    from assay.config import build_config
    from assay.config.load import parse_yaml
    from assay.config.template import config_template

    target = directory / "assay.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="use --force to overwrite it, or edit it")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    sources = [_relative_to(s, directory) for s in source or []]
    text = config_template(sources)
    build_config(parse_yaml(text, str(target)), origin=str(target))  # never write a bad file
    directory.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    if not settings.quiet:
        console.print(f"wrote {target}", markup=False, highlight=False)
        run_hint = "assay run" if sources else "add your sources, then: assay run"
        console.print(
            f"next: edit it, check it with `assay config validate`, then {run_hint}",
            markup=False,
            highlight=False,
        )


def _relative_to(source: str, directory: Path) -> str:
    """A local source path as seen from the project directory (config paths are relative
    to the file); URIs and absolute paths as given."""
    if "://" in source or os.path.isabs(os.path.expanduser(source)):
        return source
    return os.path.relpath(Path(source).resolve(), directory.resolve())


@config_app.command(
    "show",
    epilog="Examples:\n\n  assay config show\n\n  assay config show --config prod.yaml --json\n\n"
    "  assay config show --set target=postgresql://loader@db/warehouse",
)
@handle_errors
def show_command(
    config: ConfigOption = None,
    assignments: SetOption = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of YAML.")
    ] = False,
) -> None:
    """Print the effective configuration (file + defaults + --set), secrets as ***."""
    from assay.config import to_json, to_yaml

    effective = load(config, assignments)
    if json_output:
        print_text(to_json(effective), end="")
        return
    origin = effective.origin or "defaults (no assay.yaml found)"
    header = f"# effective configuration: {origin}; secrets shown as ***\n"
    text = header + to_yaml(effective)
    print_text(text, end="")


@config_app.command(
    "validate",
    epilog="Examples:\n\n  assay config validate\n\n  assay config validate --config prod.yaml",
)
@handle_errors
def validate_command(config: ConfigOption = None, assignments: SetOption = None) -> None:
    """Check the configuration: keys, values, dialects, and that local inputs exist."""
    try:
        effective = load(config, assignments)
    except ConfigError as exc:
        _print_problems(exc.problems, config)
        raise typer.Exit(1) from None
    problems = reference_problems(effective, overridden=_keys(assignments))
    if problems:
        _print_problems(problems, config)
        raise typer.Exit(1)
    if not settings.quiet:
        where = effective.origin or "the default configuration"
        console.print(f"{where}: valid", markup=False, highlight=False)


def _print_problems(problems: list[str], config: Path | None) -> None:
    for problem in problems:
        err_console.print(f"error: {problem}", markup=False, highlight=False)
    noun = "problem" if len(problems) == 1 else "problems"
    err_console.print(f"{len(problems)} {noun}: not a valid configuration", markup=False)


def _keys(assignments: list[str] | None) -> list[str]:
    return [a.partition("=")[0].strip() for a in assignments or []]


def reference_problems(config: Config, *, overridden: list[str] | None = None) -> list[str]:
    """What the model alone cannot check: dialect names, and that local paths exist.

    ``overridden`` (dotted keys set on the command line) attributes problems under them
    to the command line rather than the file.
    """
    from assay.config.errors import dotted, located
    from assay.config.overrides import COMMAND_LINE
    from assay.dialects import get_dialect

    prefixes = [
        dotted(int(p) if p.isdigit() else p for p in key.split(".")) for key in overridden or []
    ]

    def at(where: tuple[str | int, ...], message: str) -> str:
        key = dotted(where)
        by_override = any(key == p or key.startswith((p + ".", p + "[")) for p in prefixes)
        origin = COMMAND_LINE if by_override else config.origin or "configuration"
        return located(origin, where, message)

    problems: list[str] = []
    for i, name in enumerate(config.outputs.ddl):
        try:
            get_dialect(name)
        except UsageError as exc:
            problems.append(at(("outputs", "ddl", i), str(exc)))
    paths = [(("sources", i, "path"), s.path) for i, s in enumerate(config.sources)]
    if config.llm is not None:
        paths += [(("llm", "docs", i), d) for i, d in enumerate(config.llm.docs)]
    for where, path in paths:
        if "://" in path:
            continue
        resolved = config.resolve_path(path)
        if glob.has_magic(resolved):
            if not glob.glob(resolved, recursive=True):
                problems.append(at(where, f"the pattern {path!r} matches no files"))
        elif not os.path.exists(resolved):
            problems.append(at(where, f"no such file or directory: {path!r}"))
    return problems
