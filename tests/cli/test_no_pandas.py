"""``assay infer`` refuses pyarrow's pandas import (start-up), and its result is unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assay.cli._no_pandas import refuse_pandas_for
from assay.inference.engine import infer

PROBE = """
import sys
from assay.cli._no_pandas import refuse_pandas_for
refused = refuse_pandas_for(sys.argv)
import pyarrow as pa
pa.array(["x", None]); pa.table({"a": [1, 2]})
print(refused, "pandas" in sys.modules)
"""


def _probe(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_infer_runs_without_importing_pandas() -> None:
    assert _probe("infer", "data.csv") == "True False"
    assert _probe("-v", "infer", "data.csv") == "True False"


def test_other_commands_are_left_alone() -> None:
    assert _probe("check", "x") == "False True"
    assert _probe() == "False True"
    assert refuse_pandas_for(["assay", "--help"]) is False


def test_the_console_command_infers_what_the_library_infers(tmp_path: Path) -> None:
    data = tmp_path / "orders.csv"
    data.write_text("id,placed,amount\n1,2024-01-02,3.50\n2,2024-01-03,4.25\n")
    done = subprocess.run(
        [sys.executable, "-m", "assay", "infer", str(data), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    table = json.loads(done.stdout)["tables"][0]
    expected = infer(str(data)).tables[0]
    assert [(f["name"], f["type"]["kind"]) for f in table["fields"]] == [
        (f.name, str(f.type.kind)) for f in expected.fields
    ]
