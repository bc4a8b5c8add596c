"""The command line: exit codes, one-line errors, help with examples, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay import __version__
from assay.cli.main import app
from tests.conftest import SHOP

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert (code, out.strip()) == (0, f"assay {__version__}")


@pytest.mark.parametrize("command", ["sniff", "preview"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = invoke(command, "--help")
    assert code == 0
    assert "Examples:" in out
    assert f"assay {command} " in out


def test_sniff_json_describes_every_example_file() -> None:
    code, out, _ = invoke("sniff", str(SHOP), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["errors"] == []
    by_table = {item["table"]: item for item in payload["inputs"]}
    assert sorted(by_table) == ["customers", "order_items", "orders", "payments", "reviews"]
    payments = by_table["payments"]
    assert payments["encoding"] == "cp1252"
    assert payments["dialect"]["delimiter"] == ";"
    assert payments["dialect"]["skip_rows"] == 1
    assert by_table["orders"]["format"] == "jsonl"


def test_preview_shows_rows_and_reports_quarantine() -> None:
    code, out, err = invoke("preview", str(SHOP / "order_items.csv"), "--rows", "2")
    assert code == 0
    assert "SKU-00014" in out
    assert "Yogamatte" in out
    assert "1 record(s) quarantined" in err
    assert "line 1110: expected 7 fields, found 8" in err


def test_a_failing_input_gives_exit_1_and_a_summary(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, out, err = invoke("sniff", str(SHOP / "customers.csv"), str(empty))
    assert code == 1
    assert "customers" in out
    assert f"error: {empty}: the file is empty" in err
    assert "1 of 2 input(s) failed" in err
    assert "Traceback" not in err


def test_usage_errors_exit_2() -> None:
    code, _, err = invoke("sniff", str(SHOP), "--on-error", "ignore")
    assert code == 2
    code, _, err = invoke("preview", str(SHOP), "--on-error", "ignore")
    assert code == 2
    assert "valid values are: quarantine, skip, fail" in err
    code, _, _ = invoke("sniff")
    assert code == 2
    code, _, _ = invoke("--log-format", "xml", "sniff", str(SHOP))
    assert code == 2


def test_on_error_fail_is_a_located_one_line_error() -> None:
    code, _, err = invoke(
        "preview", str(SHOP / "payments.csv"), "--on-error", "fail", "--rows", "600"
    )
    assert code == 1
    assert f"{SHOP / 'payments.csv'}:194: expected 7 fields, found 6" in err
    assert "Traceback" not in err


def test_json_log_format_for_errors(tmp_path: Path) -> None:
    code, _, err = invoke("--log-format", "json", "sniff", str(tmp_path / "missing.csv"))
    assert code == 1
    assert "no such file or directory" in err


def test_console_script_runs_as_a_real_process() -> None:
    exe = Path(sys.executable).with_name("assay")
    result = subprocess.run(
        [str(exe), "sniff", str(SHOP / "payments.csv"), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["inputs"][0]["encoding"] == "cp1252"
    result = subprocess.run(
        [sys.executable, "-m", "assay", "--version"], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == f"assay {__version__}"


def test_verbose_json_logs_are_one_json_object_per_line() -> None:
    code, _, err = invoke("--log-format", "json", "-v", "sniff", str(SHOP / "payments.csv"))
    assert code == 0
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert any(
        r["level"] == "info" and "cp1252" in r["message"] and "1 preamble line" in r["message"]
        for r in records
    )


def test_sniff_on_a_narrow_terminal_prints_one_block_per_input() -> None:
    exe = Path(sys.executable).with_name("assay")
    result = subprocess.run(
        [str(exe), "sniff", str(SHOP)],
        capture_output=True,
        text=True,
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[lines.index("payments  payments.csv") + 1]
        .strip()
        .startswith("csv · cp1252 · delimiter ; · quote none · header · skip 1 · CRLF · ~518 rows")
    )
    assert max(len(line) for line in lines) <= 80


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    """Arrow, DuckDB and sqlglot load when a command needs them, not for --help/--version."""
    code = (
        "import sys; from assay.cli.main import app; "
        "print(sorted(m for m in ('pyarrow', 'duckdb', 'sqlglot', 'numpy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_infer_table_names_what_breaks_a_key(tmp_path: Path) -> None:
    """A key that is not quite unique says so in the table title, with examples; a
    clean key is shown bare."""
    code, out, _ = invoke("infer", str(SHOP / "customers.csv"))
    assert code == 0 and "key: customer_id (1 violation: 1069)" in out
    clean = tmp_path / "clean.csv"
    clean.write_text("id,name\n" + "".join(f"{i},n{i % 7}\n" for i in range(1, 200)))
    code, out, _ = invoke("infer", str(clean))
    assert code == 0 and "key: id" in out and "violation" not in out
