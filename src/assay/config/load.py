"""Reading ``assay.yaml``: YAML → ``${ENV}`` interpolation → command-line overrides →
validation, every failure one located line (:class:`assay.errors.ConfigError`).

The order matters: overrides are applied after interpolation (a value typed on the
command line is used as typed) and before validation (so an override is checked like
the file and its errors say they came from the command line).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from assay.config.errors import error_keys, from_validation_error, located
from assay.config.interpolate import InterpolationError, interpolate
from assay.config.model import Config
from assay.config.overrides import COMMAND_LINE, apply_overrides, expand_shorthands
from assay.errors import ConfigError
from assay.redaction import register_secrets, secret_values

CONFIG_NAMES = ("assay.yaml", "assay.yml")
log = logging.getLogger(__name__)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML keeps the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def find_config(directory: str | Path | None = None) -> Path | None:
    """``assay.yaml`` (or ``assay.yml``) in ``directory`` (default: the current one)."""
    base = Path(directory) if directory is not None else Path()  # shown as "assay.yaml"
    for name in CONFIG_NAMES:
        candidate = base / name
        if candidate.is_file():
            return candidate
    return None


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The file's mapping (``{}`` for an empty file), or a ConfigError with its line."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{shown}: no such file"], hint="create one with: assay init") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{shown}: cannot read the file ({exc})"]) from None
    return parse_yaml(text, shown)


def parse_yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([f"{where}: invalid YAML: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{origin}: invalid YAML: {exc}"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise ConfigError(
            [f"{origin}: expected a mapping of sections (sources:, target:, …), found {found}"]
        )
    return data


def load_config(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    search: bool = True,
) -> Config:
    """The effective configuration.

    ``path`` names the file; without it, ``assay.yaml`` in the current directory is
    used when there is one (``search=False`` skips that), else the defaults.
    ``overrides`` maps dotted keys (``policies.dedup``, ``sources.0.path``) to values,
    e.g. from command-line options.  ``environ`` replaces ``os.environ`` for ``${VAR}``.
    """
    file = Path(path) if path is not None else (find_config() if search else None)
    raw = read_yaml(file) if file is not None else {}
    origin = str(file) if file is not None else "configuration"
    base_dir = file.resolve().parent if file is not None else Path.cwd()
    return build_config(raw, origin=origin, base_dir=base_dir, overrides=overrides, environ=environ)


def build_config(
    raw: Mapping[str, Any],
    *,
    origin: str = "configuration",
    base_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    interpolated: bool = False,
) -> Config:
    """Validate already-parsed configuration data (see :func:`load_config`).

    ``interpolated=True`` says ``raw`` has been interpolated already (a dumped Config).
    """
    try:
        data = dict(raw) if interpolated else interpolate(dict(raw), environ)
    except InterpolationError as exc:
        raise ConfigError([located(origin, exc.path, exc.message)]) from None
    secrets = secret_values(data)
    data = expand_shorthands(data)
    given = dict(overrides or {})
    if given:
        try:
            given = interpolate(given, environ)  # --set 'target=…${PGPASSWORD}…' stays secret
        except InterpolationError as exc:
            raise ConfigError([located(COMMAND_LINE, exc.path, exc.message)]) from None
        secrets |= secret_values({k.rsplit(".", 1)[-1]: v for k, v in given.items()})
    register_secrets(secrets)  # hidden from logs and errors from now on
    merged = apply_overrides(data, given, origin=COMMAND_LINE) if given else data
    from pydantic import ValidationError

    try:
        config = Config.model_validate(merged)
    except ValidationError as exc:
        raise from_validation_error(
            exc,
            origin,
            secrets=secrets,
            overridden=given,
            file_errors=_file_errors(data) if given else None,
        ) from None
    config._base_dir = base_dir or Path.cwd()
    config._origin = origin if origin != "configuration" else None
    log.info("configuration: %s", origin)
    return config


def _file_errors(data: dict[str, Any]) -> set[tuple[Any, ...]]:
    """The problems of the file alone, to tell them from those an override brought."""
    from pydantic import ValidationError

    try:
        Config.model_validate(data)
    except ValidationError as exc:
        return error_keys(exc)
    return set()


def with_overrides(config: Config, overrides: Mapping[str, Any]) -> Config:
    """A copy of ``config`` with dotted-key overrides applied and validated again."""
    merged = build_config(
        config.model_dump(mode="json"),
        origin=config.origin or "configuration",
        base_dir=config.base_dir,
        overrides=overrides,
        interpolated=True,
    )
    return merged
