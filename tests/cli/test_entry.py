"""The console entry point imports only the invoked command's modules (start-up), and
its map of commands to modules matches what the modules register."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from assay.cli import main
from assay.cli.main import COMMAND_MODULES, MODULES, modules_for

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"


def _callback_modules(group: typer.Typer) -> set[str]:
    """Modules holding the callbacks of a group's commands, subgroups included."""
    found = {c.callback.__module__ for c in group.registered_commands if c.callback}
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        found |= _callback_modules(sub.typer_instance)
    return found


def test_every_registered_command_is_mapped_to_the_modules_that_register_it() -> None:
    app = main.app  # every module registered
    names: dict[str, set[str]] = {}
    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__.replace("_", "-")
        names[name] = {command.callback.__module__}
    for group in app.registered_groups:
        assert group.name is not None and group.typer_instance is not None
        names[group.name] = _callback_modules(group.typer_instance)
    assert set(names) == set(COMMAND_MODULES)
    for name, modules in names.items():
        assert {m.rsplit(".", 1)[1] for m in modules} == set(COMMAND_MODULES[name]), name
    assert {m for mods in COMMAND_MODULES.values() for m in mods} == set(MODULES)


def test_the_command_name_is_found_after_global_options() -> None:
    assert modules_for(["assay", "infer", "x.csv"]) == ("infer_commands",)
    assert modules_for(["assay", "-v", "-q", "infer", "x.csv"]) == ("infer_commands",)
    assert modules_for(["assay", "--log-format", "json", "stage", "stats"]) == (
        "stage_commands",
        "stage_inspect",
        "stage_views",
    )
    # Help, the version, no command and an unknown one list everything.
    for argv in (["assay"], ["assay", "--help"], ["assay", "--version"], ["assay", "nope"]):
        assert modules_for(argv) == MODULES


PROBE = """
import sys
from assay.cli.main import run
sys.argv = ["assay", *sys.argv[1:]]
try:
    run()
except SystemExit as exc:
    assert not exc.code, exc.code
loaded = sorted(m for m in sys.modules if m.startswith("assay.cli.") and m.endswith(
    ("_commands", "stage_inspect", "stage_views")))
print(",".join(loaded), file=sys.stderr)
"""


def test_a_command_runs_with_only_its_own_modules_loaded() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "infer", str(SHOP / "customers.csv"), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"name": "customers"' in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "assay.cli.infer_commands"


def test_refinement_is_asked_for_by_option_environment_or_configuration(
    tmp_path: Path, monkeypatch
) -> None:
    from assay.cli.infer_commands import CONFIG_NAMES, _refine_requested
    from assay.config.load import CONFIG_NAMES as LOADED_NAMES

    assert CONFIG_NAMES == LOADED_NAMES
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASSAY_LLM", raising=False)
    monkeypatch.delenv("ASSAY_CONFIG", raising=False)
    assert _refine_requested(None) is False  # no file, no variable
    assert _refine_requested("gguf:model.gguf") is True
    (tmp_path / "assay.yml").write_text("llm: ollama:qwen2.5:7b\n")
    assert _refine_requested(None) is True
    (tmp_path / "assay.yml").write_text("llm: none\n")
    assert _refine_requested(None) is False
    monkeypatch.setenv("ASSAY_LLM", "ollama:qwen2.5:7b")
    assert _refine_requested(None) is True


def test_machine_output_is_printed_as_made_not_as_rich_markup(tmp_path: Path) -> None:
    """Rich turns ':ok:' into an emoji and '[b]' into bold: data must reach stdout as is."""
    data = tmp_path / "codes.csv"
    data.write_text("code,note\n1,:ok:\n2,[bold]x[/bold]\n3,:smile:\n")
    done = subprocess.run(
        [sys.executable, "-m", "assay", "infer", str(data), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ":ok:" in done.stdout and ":smile:" in done.stdout
    assert "[bold]x[/bold]" in done.stdout
    assert "\U0001f197" not in done.stdout  # the 'OK' button emoji
    import json

    notes = json.loads(done.stdout)["tables"][0]["fields"][1]
    assert notes["examples"] == [":ok:", "[bold]x[/bold]", ":smile:"]
    table = subprocess.run(
        [sys.executable, "-m", "assay", "infer", str(data)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert ":ok:" in table.stdout and ":smile:" in table.stdout  # the table view too


def _after_run(report: str, env: dict[str, str] | None = None) -> str:
    """The value of the expression ``report`` in a process once ``assay --version`` has
    run through the console entry point (``run``), as that process printed it."""
    probe = (
        "import gc, os, sys; sys.argv = ['assay', '--version']; from assay.cli.main import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        f"print(repr({report}), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    return done.stderr.strip().splitlines()[-1]


def _without_env(name: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != name}


def test_the_command_line_skips_pydantic_plugins_unless_asked() -> None:
    env = _without_env("PYDANTIC_DISABLE_PLUGINS")
    assert _after_run("os.environ.get('PYDANTIC_DISABLE_PLUGINS')", env) == "'__all__'"
    env["PYDANTIC_DISABLE_PLUGINS"] = ""
    assert _after_run("os.environ.get('PYDANTIC_DISABLE_PLUGINS')", env) == "''"


def test_the_command_line_runs_numpy_on_one_blas_thread_unless_asked() -> None:
    env = _without_env("OPENBLAS_NUM_THREADS")
    assert _after_run("os.environ.get('OPENBLAS_NUM_THREADS')", env) == "'1'"
    env["OPENBLAS_NUM_THREADS"] = "4"
    assert _after_run("os.environ.get('OPENBLAS_NUM_THREADS')", env) == "'4'"


_STATUS = Path("/proc/self/status")
_THP = (
    "next((x.split(':')[1].strip() for x in open('/proc/self/status') "
    "if x.startswith('THP_enabled:')), None)"
)


def _thp_enabled() -> str | None:
    """This process's THP_enabled, as ``_after_run`` reports it (None off Linux)."""
    if not _STATUS.exists():
        return None
    line = next((x for x in _STATUS.read_text().splitlines() if x.startswith("THP_enabled:")), None)
    return repr(line.split(":")[1].strip()) if line else None


@pytest.mark.skipif(_thp_enabled() is None, reason="the kernel reports no THP_enabled (not Linux)")
def test_the_command_line_turns_transparent_huge_pages_off_unless_asked() -> None:
    env = _without_env("ASSAY_HUGE_PAGES")
    assert _after_run(_THP, env) == "'0'"
    # Kept when asked: the process then has what any other process here has.
    env["ASSAY_HUGE_PAGES"] = "1"
    assert _after_run(_THP, env) == _thp_enabled()


def test_the_command_line_freezes_the_collector_before_the_interpreter_shuts_down() -> None:
    """Shutdown then skips walking every object again; what the command wrote is done."""
    plain = subprocess.run(
        [sys.executable, "-c", "import gc, assay.cli.main; print(gc.get_freeze_count())"],
        capture_output=True,
        text=True,
    )
    assert plain.stdout.strip() == "0"  # importing the CLI freezes nothing
    assert int(_after_run("gc.get_freeze_count()")) > 1000
