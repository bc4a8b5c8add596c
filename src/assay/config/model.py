"""The shape of ``assay.yaml``: one frozen pydantic model per section, defaults included.

Every key has a default, so an empty file (or none) is a valid configuration and
``assay run PATH`` works without one.  Unknown keys are errors (a misspelt key that is
silently ignored is worse than a refusal).  Two shorthands keep small files small: a
source may be written as a bare path string, and ``llm`` as a bare spec string.
Relative paths are relative to the directory of the configuration file (see
:meth:`Config.resolve_path`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PrivateAttr,
    field_validator,
)
from pydantic import Field as _Field

from assay.config.checks import (
    check_llm_spec,
    check_semver,
    check_staging,
    check_target,
    choice,
    non_empty,
)
from assay.defaults import DEFAULT_OUT_DIR, DEFAULT_STAGING_DB, DEFAULT_TARGET
from assay.redaction import redact_tree

Format = Literal["csv", "json", "jsonl", "parquet", "arrow", "excel"]
Compression = Literal["none", "gzip", "bz2", "xz", "zstd", "zip"]
OnError = Literal["quarantine", "skip", "fail"]
Dedup = Literal["none", "path", "content", "both"]
OnSchemaChange = Literal["fail", "evolve", "reject-rows"]
LoadMode = Literal["create", "replace", "append", "merge"]
Naming = Literal["snake", "keep"]
ContractStatus = Literal["proposed", "draft", "active", "deprecated", "retired"]


class Section(BaseModel):
    """Frozen, no unknown keys; validated again on assignment-free copies."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, coerce_numbers_to_str=True
    )


class ReadConfig(Section):
    """Reading options; ``null`` means detect (see docs/reading.md)."""

    format: Annotated[Format | None, choice(Format, optional=True)] = None
    compression: Annotated[Compression | None, choice(Compression, optional=True)] = None
    encoding: str | None = None
    delimiter: str | None = None
    quotechar: str | None = None
    escapechar: str | None = None
    header: bool | None = None
    skip_rows: Annotated[int | None, _Field(ge=0)] = None
    comment: str | None = None
    sheet: str | None = None
    record_path: str | None = None
    storage_options: dict[str, Any] = _Field(default_factory=dict)

    def options(self) -> dict[str, Any]:
        """The options that are set, as keyword arguments for ``assay.read``/``open_source``."""
        return {k: v for k, v in self.model_dump().items() if v not in (None, {})}


class SourceConfig(Section):
    """One input: a file, a directory (searched recursively), a glob or a URI."""

    path: Annotated[str, AfterValidator(non_empty("a source path"))]
    pattern: str | None = None  # file-name glob inside directories, e.g. "*.csv"
    read: ReadConfig = _Field(default_factory=ReadConfig)


def _source_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return [{"path": value}]
    if isinstance(value, list | tuple):
        return [{"path": v} if isinstance(v, str) else v for v in value]
    return value


class TableRule(Section):
    """Files whose name (or path below the source) matches ``match`` form table ``table``."""

    match: Annotated[str, AfterValidator(non_empty("a table rule's match"))]
    table: Annotated[str, AfterValidator(non_empty("a table name"))]


class TablesConfig(Section):
    """How files become tables: explicit rules first, then schema similarity."""

    rules: tuple[TableRule, ...] = ()
    group_by_schema: bool = True
    similarity: Annotated[float, _Field(ge=0.0, le=1.0)] = 0.8


class StagingConfig(Section):
    db: Annotated[str, BeforeValidator(check_staging)] = DEFAULT_STAGING_DB
    batch_size: Annotated[int, _Field(ge=1)] = 100_000  # records per bulk insert


class LoadConfig(Section):
    mode: Annotated[LoadMode, choice(LoadMode)] = "append"
    partition_by: tuple[str, ...] = ()


class LLMConfig(Section):
    """Refinement by a language model; absent (``llm: null``) means no refine stage."""

    spec: Annotated[str, BeforeValidator(check_llm_spec)]
    docs: tuple[str, ...] = ()
    max_retries: Annotated[int, _Field(ge=0, le=10)] = 2
    timeout: Annotated[float, _Field(gt=0)] = 120.0
    api_key: str | None = None


def _llm_shorthand(value: Any) -> Any:
    return {"spec": value} if isinstance(value, str) else value


class Policies(Section):
    on_error: Annotated[OnError, choice(OnError)] = "quarantine"
    dedup: Annotated[Dedup, choice(Dedup)] = "path"
    on_schema_change: Annotated[OnSchemaChange, choice(OnSchemaChange)] = "fail"
    check_before_load: bool = False
    tolerance: Annotated[float, _Field(gt=0.0, le=1.0)] = 0.999
    # Infer (and load) from the input files while ingest stages them, on another thread.
    overlap: bool = True


class OutputsConfig(Section):
    dir: Annotated[str, AfterValidator(non_empty("the output directory"))] = DEFAULT_OUT_DIR
    contract: bool = True
    json_schema: bool = True
    ddl: tuple[str, ...] = ("duckdb",)
    dbt: bool = True
    gx: bool = True
    checks: bool = True
    pgloader: bool = False
    report: bool = True

    @field_validator("ddl", mode="before")
    @classmethod
    def _one_dialect_or_many(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            return tuple(v.strip().lower() if isinstance(v, str) else v for v in value)
        return value


class ContractConfig(Section):
    """Metadata of the data contract (ODCS v3) the run writes."""

    name: str | None = None  # default: the name of the first source
    id: str | None = None  # default: derived from the name
    version: Annotated[str, BeforeValidator(check_semver)] = "1.0.0"
    status: Annotated[ContractStatus, choice(ContractStatus)] = "draft"
    owner: str | None = None
    team: str | None = None
    domain: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()


class Config(Section):
    """The whole of ``assay.yaml``: every option of ``assay run``."""

    version: Literal[1] = 1
    sources: Annotated[tuple[SourceConfig, ...], BeforeValidator(_source_shorthand)] = ()
    tables: TablesConfig = _Field(default_factory=TablesConfig)
    staging: StagingConfig = _Field(default_factory=StagingConfig)
    target: Annotated[str, BeforeValidator(check_target)] = DEFAULT_TARGET
    load: LoadConfig = _Field(default_factory=LoadConfig)
    llm: Annotated[LLMConfig | None, BeforeValidator(_llm_shorthand)] = None
    naming: Annotated[Naming, choice(Naming)] = "snake"
    policies: Policies = _Field(default_factory=Policies)
    outputs: OutputsConfig = _Field(default_factory=OutputsConfig)
    contract: ContractConfig = _Field(default_factory=ContractConfig)

    # Where relative paths start (the configuration file's directory); not configuration.
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    # The file it was read from, for messages (None: defaults and command line only).
    _origin: str | None = PrivateAttr(default=None)

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    @property
    def origin(self) -> str | None:
        return self._origin

    def resolve_path(self, path: str) -> str:
        """A local path made absolute against the configuration's directory; URIs as given."""
        if "://" in path or path == ":memory:":
            return path
        candidate = Path(path).expanduser()
        return str(candidate if candidate.is_absolute() else self._base_dir / candidate)

    def redacted(self) -> dict[str, Any]:
        """The effective configuration as plain data, secrets replaced by ``***``."""
        return redact_tree(self.model_dump(mode="json"))

    def __eq__(self, other: object) -> bool:
        """Equal configurations are equal options, wherever they were read from."""
        if not isinstance(other, Config):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  (holds mappings: not hashable)

    def __repr__(self) -> str:  # never a secret in a log line or a traceback
        return f"Config({self.redacted()!r})"

    __str__ = __repr__
