"""The configuration model: loading, one-line located errors, interpolation, overrides, hash."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assay.config import (
    Config,
    build_config,
    config_hash,
    load_config,
    parse_assignments,
    to_json,
    to_yaml,
    with_overrides,
)
from assay.errors import ConfigError, UsageError


def write(tmp_path: Path, text: str, name: str = "assay.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, **kwargs: object) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, **kwargs)  # type: ignore[arg-type]
    return [p.replace(str(path), "assay.yaml") for p in caught.value.problems]


FULL = """\
version: 1
sources:
  - data/orders
  - path: "s3://bucket/drops/*.jsonl.gz"
    pattern: "*.jsonl.gz"
    read:
      format: jsonl
      compression: gzip
      storage_options: {anon: false}
  - path: legacy/payments.csv
    read: {encoding: cp1252, delimiter: ";", header: true, skip_rows: 1}
tables:
  rules:
    - {match: "orders_*.csv", table: orders}
  group_by_schema: false
  similarity: 0.5
staging:
  db: postgresql://stage@localhost/staging
target: parquet:///lake/shop
load: {mode: merge, partition_by: [country]}
llm: ollama:qwen2.5:7b
naming: keep
policies:
  on_error: fail
  dedup: both
  on_schema_change: reject-rows
  check_before_load: true
  tolerance: 0.99
outputs:
  dir: artifacts
  ddl: [duckdb, postgres]
  gx: false
contract:
  name: Shop
  version: 2.1.0
  status: active
  owner: jane@example.com
  tags: [sales, raw]
"""


def test_no_file_means_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config == Config()
    assert config.origin is None
    assert config.target == "duckdb:///assay.duckdb"
    assert config.staging.db == ".assay/staging.duckdb"
    assert config.outputs.dir == "out"
    assert config.llm is None
    assert (config.policies.on_error, config.policies.dedup) == ("quarantine", "path")


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "# nothing yet\n")) == Config()


def test_a_full_file_is_read_with_its_shorthands(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL))
    assert [s.path for s in config.sources] == [
        "data/orders",
        "s3://bucket/drops/*.jsonl.gz",
        "legacy/payments.csv",
    ]
    assert config.sources[1].read.options() == {
        "format": "jsonl",
        "compression": "gzip",
        "storage_options": {"anon": False},
    }
    assert config.sources[2].read.delimiter == ";"
    assert config.sources[2].read.skip_rows == 1
    assert config.tables.rules[0].match == "orders_*.csv"
    assert config.tables.rules[0].table == "orders"
    assert (config.tables.group_by_schema, config.tables.similarity) == (False, 0.5)
    assert config.staging.db == "postgresql://stage@localhost/staging"
    assert config.target == "parquet:///lake/shop"
    assert (config.load.mode, config.load.partition_by) == ("merge", ("country",))
    assert config.llm is not None
    assert (config.llm.spec, config.llm.max_retries, config.llm.timeout) == (
        "ollama:qwen2.5:7b",
        2,
        120.0,
    )
    assert config.naming == "keep"
    assert config.policies.model_dump() == {
        "on_error": "fail",
        "dedup": "both",
        "on_schema_change": "reject-rows",
        "check_before_load": True,
        "tolerance": 0.99,
        "overlap": True,
    }
    assert config.outputs.ddl == ("duckdb", "postgres")
    assert (config.outputs.gx, config.outputs.dbt, config.outputs.dir) == (False, True, "artifacts")
    assert (config.contract.name, config.contract.version, config.contract.status) == (
        "Shop",
        "2.1.0",
        "active",
    )
    assert config.contract.tags == ("sales", "raw")


def test_relative_paths_start_at_the_configuration_file(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    config = load_config(write(tmp_path / "project", "sources: [data]\n"))
    assert config.base_dir == (tmp_path / "project").resolve()
    assert config.resolve_path("data") == str((tmp_path / "project" / "data").resolve())
    assert config.resolve_path("/abs/x.csv") == "/abs/x.csv"
    assert config.resolve_path("s3://bucket/x.csv") == "s3://bucket/x.csv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("target: postgress://u@h/db\n",
         "assay.yaml: target: unknown scheme 'postgress' (did you mean 'postgresql'?)"),
        ("target: mysql://u@h/db\n",
         "assay.yaml: target: unknown scheme 'mysql' "
         "(valid schemes are: duckdb, postgresql, parquet, iceberg, delta)"),
        ("target: shop.duckdb\n",
         "assay.yaml: target: 'shop.duckdb' is not a URI (did you mean 'duckdb:///shop.duckdb'?)"),
        ("staging: {db: 'mysql://h/x'}\n",
         "assay.yaml: staging.db: unknown scheme 'mysql' "
         "(staging is a DuckDB file path or postgresql://…)"),
        ("staging: {batch_size: 0}\n",
         "assay.yaml: staging.batch_size: should be greater than or equal to 1, got 0"),
        ("policies: {dedup: contents}\n",
         "assay.yaml: policies.dedup: invalid value 'contents' (did you mean 'content'?)"),
        ("policies: {on_error: ignore}\n",
         "assay.yaml: policies.on_error: invalid value 'ignore' "
         "(valid values are: quarantine, skip, fail)"),
        ("policies: {dedupe: path}\n",
         "assay.yaml: policies: unknown key 'dedupe' (did you mean 'dedup'?)"),
        ("colour: blue\n",
         "assay.yaml: unknown key 'colour' (valid keys are: version, sources, tables, staging, "
         "target, load, llm, naming, policies, outputs, contract)"),
        ("polices: {}\n", "assay.yaml: unknown key 'polices' (did you mean 'policies'?)"),
        ("tables: {rules: [{match: 'a*.csv'}]}\n",
         "assay.yaml: tables.rules[0]: missing required key 'table'"),
        ("sources: [{pattern: '*.csv'}]\n", "assay.yaml: sources[0]: missing required key 'path'"),
        ("sources: ['']\n", "assay.yaml: sources[0].path: a source path must not be empty"),
        ("sources: [{path: x, read: {format: cvs}}]\n",
         "assay.yaml: sources[0].read.format: invalid value 'cvs' (did you mean 'csv'?)"),
        ("sources: [{path: x, read: {skip_rows: -1}}]\n",
         "assay.yaml: sources[0].read.skip_rows: should be greater than or equal to 0, got -1"),
        ("policies: {tolerance: 1.5}\n",
         "assay.yaml: policies.tolerance: should be less than or equal to 1, got 1.5"),
        ("tables: {similarity: high}\n",
         "assay.yaml: tables.similarity: expected a number, got 'high'"),
        ("outputs: {dbt: maybe}\n", "assay.yaml: outputs.dbt: expected true or false, got 'maybe'"),
        ("load: {partition_by: country}\n",
         "assay.yaml: load.partition_by: expected a list, got 'country'"),
        ("policies: strict\n", "assay.yaml: policies: expected a mapping of keys, got 'strict'"),
        ("version: 2\n",
         "assay.yaml: version: unsupported configuration version 2 (this assay reads 1)"),
        ("llm: olama:qwen2.5\n",
         "assay.yaml: llm.spec: unknown LLM provider 'olama' (did you mean 'ollama'?)"),
        ("llm: {spec: gpt4}\n",
         "assay.yaml: llm.spec: expected PROVIDER:MODEL (e.g. 'ollama:qwen2.5:7b', "
         "'openai:gpt-4o-mini@http://localhost:8000/v1'), got 'gpt4'"),
        ("llm: {spec: 'openai:'}\n",
         "assay.yaml: llm.spec: the model is missing after 'openai:' (e.g. 'ollama:qwen2.5:7b', "
         "'openai:gpt-4o-mini@http://localhost:8000/v1')"),
        ("llm: {timeout: 10}\n", "assay.yaml: llm: missing required key 'spec'"),
        ("llm: {spec: 'ollama:x', timeout: 0}\n",
         "assay.yaml: llm.timeout: should be greater than 0, got 0"),
        ("contract: {version: '1.0'}\n",
         "assay.yaml: contract.version: expected a semantic version such as '1.0.0', got '1.0'"),
        ("contract: {status: activ}\n",
         "assay.yaml: contract.status: invalid value 'activ' (did you mean 'active'?)"),
        ("naming: camel\n",
         "assay.yaml: naming: invalid value 'camel' (valid values are: snake, keep)"),
        ("outputs: {dir: ''}\n", "assay.yaml: outputs.dir: the output directory must not be empty"),
    ],
)  # fmt: skip
def test_every_kind_of_mistake_is_one_line_naming_the_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert problems(tmp_path, text) == [expected]


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    text = "target: duckdb:///x.duckdb\npolicies:\n  dedup: path\n   on_error: skip\n"
    assert problems(tmp_path, text) == [
        "assay.yaml:4: invalid YAML: mapping values are not allowed here"
    ]


def test_a_key_given_twice_is_an_error_not_the_last_one_silently(tmp_path: Path) -> None:
    text = "target: duckdb:///a.duckdb\nnaming: keep\ntarget: duckdb:///b.duckdb\n"
    assert problems(tmp_path, text) == ["assay.yaml:3: invalid YAML: duplicate key 'target'"]


def test_the_file_must_be_a_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path, "- data\n- more\n") == [
        "assay.yaml: expected a mapping of sections (sources:, target:, …), found a list"
    ]


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert isinstance(caught.value, UsageError)
    expected = f"{tmp_path / 'nope.yaml'}: no such file — create one with: assay init"
    assert str(caught.value) == expected


def test_every_problem_is_listed_and_the_message_counts_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "naming: camel\npolicies: {dedup: x, tolerance: 2}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert error.code == "config_error"
    assert len(error.problems) == 3
    assert str(error) == (
        f"{path}: naming: invalid value 'camel' (valid values are: snake, keep) "
        "(and 2 more: `assay config validate` lists them all)"
    )


# --- interpolation ------------------------------------------------------------------


def test_environment_variables_are_interpolated_into_values(tmp_path: Path) -> None:
    text = """\
    target: postgresql://loader:${PGPASSWORD}@${PGHOST:-localhost}:5432/dw
    staging: {db: "${STAGING_DB:-.assay/staging.duckdb}"}
    contract: {owner: "${OWNER:-}", description: "costs $${PRICE} and $5"}
    sources: ["${DATA_DIR}/orders"]
    """
    env = {"PGPASSWORD": "p@ss: #word", "DATA_DIR": "/drops", "STAGING_DB": "", "PRICE": "9"}
    config = load_config(write(tmp_path, text), environ=env)
    assert config.target == "postgresql://loader:p@ss: #word@localhost:5432/dw"
    assert config.staging.db == ".assay/staging.duckdb"  # empty takes the default
    assert config.contract.owner == ""
    assert config.contract.description == "costs ${PRICE} and $5"
    assert config.sources[0].path == "/drops/orders"


def test_an_interpolated_value_is_not_parsed_as_yaml(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "contract: {owner: '${WHO}'}\n"), environ={"WHO": "true"})
    assert config.contract.owner == "true"


def test_a_missing_variable_is_an_error_naming_it_and_the_key(tmp_path: Path) -> None:
    text = "target: postgresql://loader:${PGPASSWORD}@db/dw\n"
    assert problems(tmp_path, text, environ={}) == [
        "assay.yaml: target: environment variable 'PGPASSWORD' is not set "
        "(set it, or give a default: ${PGPASSWORD:-value})"
    ]
    text = "sources: [{path: x, read: {storage_options: {secret: '${AWS_SECRET}'}}}]\n"
    assert problems(tmp_path, text, environ={}) == [
        "assay.yaml: sources[0].read.storage_options.secret: environment variable 'AWS_SECRET' "
        "is not set (set it, or give a default: ${AWS_SECRET:-value})"
    ]


def test_a_malformed_reference_is_an_error(tmp_path: Path) -> None:
    assert problems(tmp_path, "target: 'duckdb:///${1X}.duckdb'\n", environ={}) == [
        "assay.yaml: target: invalid reference '${1X}' "
        "(write ${NAME} or ${NAME:-default}; $${ for a literal ${)"
    ]
    assert problems(tmp_path, "target: 'duckdb:///${OPEN'\n", environ={}) == [
        "assay.yaml: target: invalid reference '${OPEN' "
        "(write ${NAME} or ${NAME:-default}; $${ for a literal ${)"
    ]


# --- redaction ----------------------------------------------------------------------

SECRETS = """\
target: postgresql://loader:${PGPASSWORD}@db.internal/dw?sslmode=require&sslpassword=${KEYPASS}
staging: {db: "postgresql://stage:${PGPASSWORD}@db.internal/staging"}
llm: {spec: "openai:gpt-4o-mini@http://localhost:8000/v1", api_key: "${OPENAI_API_KEY}"}
sources:
  - path: s3://bucket/drops
    read: {storage_options: {key: AKIAEXAMPLE, secret: "${AWS_SECRET}", token: "${AWS_TOKEN}"}}
"""
ENV = {
    "PGPASSWORD": "hunter2-pg",
    "KEYPASS": "key-pass-9",
    "OPENAI_API_KEY": "sk-live-123",
    "AWS_SECRET": "aws/secret+value",
    "AWS_TOKEN": "aws-session-token",
}


def test_secrets_are_masked_in_every_rendering(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, SECRETS), environ=ENV)
    assert config.llm is not None and config.llm.api_key == "sk-live-123"  # usable in code
    for text in (to_yaml(config), to_json(config), repr(config), str(config)):
        for secret in ENV.values():
            assert secret not in text
    shown = json.loads(to_json(config))
    assert shown["target"] == (
        "postgresql://loader:***@db.internal/dw?sslmode=require&sslpassword=***"
    )
    assert shown["staging"]["db"] == "postgresql://stage:***@db.internal/staging"
    assert shown["llm"]["api_key"] == "***"
    assert shown["sources"][0]["read"]["storage_options"] == {
        "key": "AKIAEXAMPLE",
        "secret": "***",
        "token": "***",
    }


def test_secrets_never_appear_in_error_messages(tmp_path: Path) -> None:
    text = SECRETS + "contract: {version: '${PGPASSWORD}'}\n" + "naming: '${AWS_TOKEN}'\n"
    lines = problems(tmp_path, text, environ=ENV)
    assert lines == [
        "assay.yaml: naming: invalid value '***' (valid values are: snake, keep)",
        "assay.yaml: contract.version: expected a semantic version such as '1.0.0', got '***'",
    ]
    bad_key = "llm: {spec: 'ollama:x', api_key: [1, 2]}\n"
    assert problems(tmp_path, bad_key) == ["assay.yaml: llm.api_key: expected text, got ***"]


# --- overrides ----------------------------------------------------------------------


def test_assignments_are_read_as_yaml_values() -> None:
    assert parse_assignments(
        [
            "policies.dedup=content",
            "policies.check_before_load=true",
            "tables.similarity=0.5",
            "outputs.ddl=[duckdb, postgres]",
            "sources.0.read.comment=#",
            "contract.version=2024-01-01",
            "contract.owner=",
            "target=postgresql://u:p@h/db?a=b",
        ]
    ) == {
        "policies.dedup": "content",
        "policies.check_before_load": True,
        "tables.similarity": 0.5,
        "outputs.ddl": ["duckdb", "postgres"],
        "sources.0.read.comment": "#",
        "contract.version": "2024-01-01",
        "contract.owner": None,
        "target": "postgresql://u:p@h/db?a=b",
    }
    with pytest.raises(ConfigError) as caught:
        parse_assignments(["policies.dedup"])
    assert str(caught.value) == (
        "command line: --set expects KEY=VALUE (e.g. policies.dedup=content), got 'policies.dedup'"
    )


def test_overrides_replace_file_values_and_create_sections(tmp_path: Path) -> None:
    path = write(tmp_path, "sources: [data]\npolicies: {dedup: none}\nllm: ollama:small\n")
    config = load_config(
        path,
        overrides={
            "policies.dedup": "content",
            "llm.timeout": 30,
            "sources.0.read.delimiter": ";",
            "sources.1": "more",
            "contract.tags": ["a", "b"],
            "target": "duckdb:///other.duckdb",
        },
    )
    assert config.policies.dedup == "content"
    assert config.llm is not None and (config.llm.spec, config.llm.timeout) == ("ollama:small", 30)
    assert [(s.path, s.read.delimiter) for s in config.sources] == [("data", ";"), ("more", None)]
    assert config.contract.tags == ("a", "b")
    assert config.target == "duckdb:///other.duckdb"
    again = with_overrides(config, {"naming": "keep"})
    assert again.naming == "keep"
    assert again.policies.dedup == "content"
    assert again.base_dir == config.base_dir


def test_override_problems_are_blamed_on_the_command_line(tmp_path: Path) -> None:
    text = "policies: {dedup: sometimes}\n"
    assert problems(tmp_path, text, overrides={"naming": "camel", "llm.timeout": 3}) == [
        "command line: llm: missing required key 'spec'",
        "command line: naming: invalid value 'camel' (valid values are: snake, keep)",
        "assay.yaml: policies.dedup: invalid value 'sometimes' "
        "(valid values are: none, path, content, both)",
    ]
    assert problems(tmp_path, text, overrides={"policies.dedup": "contnt"}) == [
        "command line: policies.dedup: invalid value 'contnt' (did you mean 'content'?)"
    ]
    assert problems(tmp_path, "", overrides={"target.uri": "x"}) == [
        "command line: target: is a value, not a section (cannot set 'target.uri')"
    ]
    assert problems(tmp_path, "sources: [a]\n", overrides={"sources.3.path": "x"}) == [
        "command line: sources: no item '3' (the list has 1 item; 1 appends one)"
    ]
    assert problems(tmp_path, "", overrides={"polices.dedup": "path"}) == [
        "command line: unknown key 'polices' (did you mean 'policies'?)"
    ]


def test_override_values_are_interpolated_and_stay_secret(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    config = load_config(
        path,
        overrides={"target": "postgresql://u:${PW}@h/db"},
        environ={"PW": "from-env-secret"},
    )
    assert config.target == "postgresql://u:from-env-secret@h/db"
    assert "from-env-secret" not in to_yaml(config)


# --- hash ---------------------------------------------------------------------------


def test_the_hash_ignores_layout_and_follows_values(tmp_path: Path) -> None:
    a = load_config(write(tmp_path, "sources: [data]\nllm: ollama:x\n", "a.yaml"))
    b = load_config(
        write(
            tmp_path,
            "# the same, written out\nllm:\n  spec: ollama:x\n  max_retries: 2\n"
            "sources:\n  - path: data\n    pattern: null\nnaming: snake\n",
            "b.yaml",
        )
    )
    assert config_hash(a) == config_hash(b)
    assert config_hash(a).startswith("sha256:") and len(config_hash(a)) == 7 + 64
    assert config_hash(with_overrides(a, {"policies.dedup": "content"})) != config_hash(a)
    assert config_hash(with_overrides(a, {"outputs.gx": False})) != config_hash(a)


def test_the_hash_covers_secrets_without_showing_them(tmp_path: Path) -> None:
    path = write(tmp_path, "target: postgresql://u:${PW}@h/db\n")
    one = load_config(path, environ={"PW": "first"})
    two = load_config(path, environ={"PW": "second"})
    assert config_hash(one) != config_hash(two)
    assert to_yaml(one) == to_yaml(two)


def test_the_hash_is_the_same_in_another_process(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    code = (
        "import sys; from assay.config import load_config, config_hash; "
        "print(config_hash(load_config(sys.argv[1])))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert runs == {config_hash(load_config(path))}


# --- structure ----------------------------------------------------------------------


def test_the_vocabulary_matches_the_layers_that_use_it() -> None:
    from typing import get_args

    from assay.config import model
    from assay.sources.model import Format, OnError

    assert set(get_args(model.Format)) == {f.value for f in Format}
    assert set(get_args(model.OnError)) == {e.value for e in OnError}
    from assay.staging import DEFAULT_DB
    from assay.staging.options import Dedup, IngestOptions

    assert set(get_args(model.Dedup)) == {d.value for d in Dedup}
    assert model.DEFAULT_STAGING_DB == DEFAULT_DB
    assert model.StagingConfig().batch_size == IngestOptions().batch_size
    from assay.sources import ReadOptions

    assert set(model.ReadConfig.model_fields) <= set(ReadOptions.__dataclass_fields__)
    options = model.ReadConfig(format="csv", delimiter=";", skip_rows=2).options()
    assert ReadOptions.from_kwargs(**options).delimiter == ";"


def test_configuration_is_layer_one() -> None:
    """assay.config imports nothing above assay.errors, assay.redaction and assay.defaults."""
    code = (
        "import sys, assay.config; print(sorted(m for m in sys.modules if m.startswith('assay.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = {m for m in json.loads(result.stdout.replace("'", '"'))}
    assert {m.split(".")[1] for m in loaded} <= {
        "config",
        "errors",
        "redaction",
        "defaults",
        "_version",
        "_lazy",
    }


def test_build_config_validates_parsed_data() -> None:
    config = build_config({"naming": "keep"}, origin="inline")
    assert config.naming == "keep"
    with pytest.raises(ConfigError) as caught:
        build_config({"naming": "x"}, origin="inline")
    assert caught.value.problems == [
        "inline: naming: invalid value 'x' (valid values are: snake, keep)"
    ]
