"""``assay init`` and ``assay config show|validate`` as a user runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

from assay.cli.main import app
from assay.config import Config, load_config
from assay.config.template import config_template
from tests.conftest import SHOP

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def in_tmp(tmp_path: Path) -> Path:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(cwd)


def keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    from assay.config.introspect import _model_in

    found = []
    for name, info in model.model_fields.items():
        found.append(prefix + name)
        inner = _model_in(info.annotation)
        if inner is not None:
            found += keys(inner, prefix + name + ".")
    return found


def test_init_writes_a_commented_file_that_validates_to_the_defaults(in_tmp: Path) -> None:
    code, out, err = invoke("init")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "wrote assay.yaml"
    text = (in_tmp / "assay.yaml").read_text(encoding="utf-8")
    assert load_config(in_tmp / "assay.yaml") == Config()
    comments = sum(1 for line in text.splitlines() if line.lstrip().startswith("#"))
    assert comments > 40


def test_the_template_mentions_every_key() -> None:
    text = config_template()
    for key in keys(Config):
        assert f"{key.rsplit('.', 1)[-1]}:" in text, key


def test_the_template_lists_the_sources_given() -> None:
    text = config_template(["data/a b.csv", 's3://bucket/"odd"/'])
    config = load_config_text(text)
    assert [s.path for s in config.sources] == ["data/a b.csv", 's3://bucket/"odd"/']


def load_config_text(text: str) -> Config:
    from assay.config import build_config
    from assay.config.load import parse_yaml

    return build_config(parse_yaml(text, "template"))


def test_init_refuses_to_overwrite_without_force(in_tmp: Path) -> None:
    (in_tmp / "assay.yaml").write_text("naming: keep\n", encoding="utf-8")
    code, _out, err = invoke("init")
    assert code == 2
    assert err.strip() == (
        "error: assay.yaml already exists — use --force to overwrite it, or edit it"
    )
    assert (in_tmp / "assay.yaml").read_text(encoding="utf-8") == "naming: keep\n"
    code, _, _ = invoke("init", "--force")
    assert code == 0
    assert load_config(in_tmp / "assay.yaml") == Config()


def test_init_in_a_new_directory_with_sources_relative_to_it(in_tmp: Path) -> None:
    (in_tmp / "data").mkdir()
    code, out, _ = invoke("init", "project", "--source", "data", "--source", "s3://bucket/x/")
    assert code == 0
    config = load_config(in_tmp / "project" / "assay.yaml")
    assert [s.path for s in config.sources] == ["../data", "s3://bucket/x/"]
    assert config.resolve_path("../data") == str(in_tmp / "project" / ".." / "data")
    code, out, err = invoke("config", "validate", "--config", "project/assay.yaml")
    assert (code, out.strip(), err) == (0, "project/assay.yaml: valid", "")


def test_show_prints_the_effective_configuration_with_secrets_masked(in_tmp: Path) -> None:
    (in_tmp / "assay.yaml").write_text(
        "target: postgresql://loader:${PGPASSWORD}@db/dw\nllm: {spec: 'openai:gpt-4o', "
        "api_key: '${OPENAI_API_KEY}'}\nsources: [data]\n",
        encoding="utf-8",
    )
    env = {"PGPASSWORD": "pg-secret-1", "OPENAI_API_KEY": "sk-secret-2"}
    code, out, err = invoke("config", "show", "--set", "policies.dedup=content", env=env)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "# effective configuration: assay.yaml; secrets shown as ***"
    shown = yaml.safe_load(out)
    assert shown["target"] == "postgresql://loader:***@db/dw"
    assert shown["llm"]["api_key"] == "***"
    assert shown["policies"]["dedup"] == "content"
    assert shown["sources"][0]["path"] == "data"
    assert "pg-secret-1" not in out and "sk-secret-2" not in out
    code, out, _ = invoke("config", "show", "--json", env=env)
    assert code == 0
    assert json.loads(out)["target"] == "postgresql://loader:***@db/dw"
    assert json.loads(out)["outputs"]["dir"] == "out"


def test_show_without_a_file_prints_the_defaults(in_tmp: Path) -> None:
    code, out, _ = invoke("config", "show")
    assert code == 0
    assert out.splitlines()[0] == (
        "# effective configuration: defaults (no assay.yaml found); secrets shown as ***"
    )
    assert yaml.safe_load(out) == Config().model_dump(mode="json")


def test_a_bad_file_is_one_line_and_exit_2(in_tmp: Path) -> None:
    (in_tmp / "assay.yaml").write_text(
        "target: postgress://loader:${PGPASSWORD}@db/dw\n", encoding="utf-8"
    )
    code, out, err = invoke("config", "show", env={"PGPASSWORD": "pg-secret-1"})
    assert code == 2
    assert out == ""
    assert err.strip() == (
        "error: assay.yaml: target: unknown scheme 'postgress' (did you mean 'postgresql'?)"
    )


def test_validate_lists_every_problem_including_dialects_and_missing_inputs(in_tmp: Path) -> None:
    (in_tmp / "assay.yaml").write_text(
        f"sources: [{SHOP}, missing/, 'nothing/*.csv']\noutputs: {{ddl: [duckdb, postgress]}}\n",
        encoding="utf-8",
    )
    code, _out, err = invoke("config", "validate")
    assert code == 1
    assert err.splitlines() == [
        "error: assay.yaml: outputs.ddl[1]: unknown SQL dialect 'postgress' — did you mean "
        "'postgres'? valid dialects are: duckdb, postgres, sqlite, mysql, sqlserver, oracle, "
        "bigquery, snowflake, databricks, spark, redshift, trino, clickhouse",
        "error: assay.yaml: sources[1].path: no such file or directory: 'missing/'",
        "error: assay.yaml: sources[2].path: the pattern 'nothing/*.csv' matches no files",
        "3 problems: not a valid configuration",
    ]
    (in_tmp / "assay.yaml").write_text("naming: camel\npolicies: {dedup: x}\n", encoding="utf-8")
    code, _, err = invoke("config", "validate", "--set", "target=foo://x")
    assert code == 1
    assert err.splitlines() == [
        "error: command line: target: unknown scheme 'foo' "
        "(valid schemes are: duckdb, postgresql, parquet, iceberg, delta)",
        "error: assay.yaml: naming: invalid value 'camel' (valid values are: snake, keep)",
        "error: assay.yaml: policies.dedup: invalid value 'x' "
        "(valid values are: none, path, content, both)",
        "3 problems: not a valid configuration",
    ]


def test_validate_accepts_a_good_file(in_tmp: Path) -> None:
    (in_tmp / "assay.yaml").write_text(f"sources: ['{SHOP}/*.csv']\n", encoding="utf-8")
    code, out, err = invoke("config", "validate")
    assert (code, out.strip(), err) == (0, "assay.yaml: valid", "")


@pytest.mark.parametrize("command", [["init"], ["config", "show"], ["config", "validate"]])
def test_config_commands_have_help_with_examples(command: list[str]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0
    assert "Examples:" in out
    assert f"assay {' '.join(command)}" in out
