"""``assay refine`` and ``assay infer --llm`` as a user runs them, against the scripted
server on loopback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assay.cli.main import app
from tests.conftest import SHOP
from tests.llm.fake_llm import Reply, answer

runner = CliRunner()
CUSTOMERS = str(SHOP / "customers.csv")


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch):
    """Each test in a fresh directory: the response cache (.assay/) and assay.yaml are
    per test, and nothing from the environment chooses a model."""
    monkeypatch.chdir(tmp_path)
    for name in ("ASSAY_LLM", "ASSAY_CONFIG", "OPENAI_API_KEY", "ASSAY_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", ["refine", "infer"])
def test_help_ends_with_examples(command: str) -> None:
    code, out, _ = invoke(command, "--help")
    assert code == 0
    assert "Examples:" in out and f"assay {command} " in out and "--llm" in out


def test_refine_shows_descriptions_and_what_changed(fake_llm) -> None:
    fake_llm.push(answer(
        {"email": {"description": "Customer e-mail address.", "semantic_type": "email"},
         "first_name": {"type": "date"}},
        {"description": "Shop customers."},
    ))  # fmt: skip
    code, out, err = invoke("refine", CUSTOMERS, "--llm", f"ollama:qwen2.5:7b@{fake_llm.url}",
                            "--max-retries", "0")  # fmt: skip
    assert code == 0, err
    assert "Shop customers." in out
    email = next(line for line in out.splitlines() if "│ email" in line)
    assert "Customer e-mail address." in email
    assert "model: semantic, class, desc" in email
    first = next(line for line in out.splitlines() if "│ first_name" in line)
    assert "1 rejected" in first
    assert f"refined with ollama:qwen2.5:7b@{fake_llm.url}; template refine-v1, 1 chunk(s)" in err
    assert "1 model suggestion(s) rejected by checks" in err


def test_refine_writes_the_schema_and_caches_answers(fake_llm, workdir: Path) -> None:
    fake_llm.push(
        answer({"segment": {"description": "Sales channel.", "semantic_type": "category"}})
    )
    spec = f"openai:test-model@{fake_llm.url}/v1"
    code, _, err = invoke("refine", CUSTOMERS, "--llm", spec, "--out", "refined.yaml")
    assert code == 0, err
    assert "wrote refined.yaml" in err
    first = (workdir / "refined.yaml").read_text()
    segment = next(
        f for f in yaml.safe_load(first)["tables"][0]["fields"] if f["name"] == "segment"
    )
    assert segment["description"] == "Sales channel."
    assert segment["semantic_type"] == "category"
    assert any(p["source"] == "llm" for p in segment["provenance"])
    assert list((workdir / ".assay" / "llm-cache").rglob("*.json"))
    asked = len(fake_llm.requests)
    # The same command again: the same answers, from the cache, offline.
    code, _, err = invoke("refine", CUSTOMERS, "--llm", spec, "--offline", "-o", "again.yaml")
    assert code == 0, err
    assert len(fake_llm.requests) == asked
    assert (workdir / "again.yaml").read_text() == first


def test_show_prompt_sends_nothing(fake_llm, tmp_path: Path) -> None:
    doc = tmp_path / "dictionary.md"
    doc.write_text("The segment column is the sales channel of the customer.")
    code, out, _ = invoke("refine", CUSTOMERS, "--llm", f"ollama:m@{fake_llm.url}",
                          "--docs", str(doc), "--show-prompt")  # fmt: skip
    assert code == 0
    assert fake_llm.requests == []
    assert "=== customers: customer_id, email" in out
    assert "--- system ---" in out and "--- output schema ---" in out
    assert "(dictionary.md) The segment column is the sales channel" in out
    assert "Describe each of these 10 column(s): customer_id, email, first_name" in out


def test_infer_with_llm_and_no_refine(fake_llm) -> None:
    fake_llm.push(answer({"email": {"description": "Where we write to."}}))
    spec = f"ollama:qwen2.5:7b@{fake_llm.url}"
    code, out, err = invoke("infer", CUSTOMERS, "--llm", spec, "-F", "yaml")
    assert code == 0, err
    assert "description: Where we write to." in out
    code, out, _ = invoke("infer", CUSTOMERS, "-F", "yaml", "--no-refine",
                          env={"ASSAY_LLM": spec})  # fmt: skip
    assert code == 0 and "description:" not in out and "semantic_type" not in out
    # A model chosen in the environment refines without --llm (answered from the cache).
    asked = len(fake_llm.requests)
    code, out, _ = invoke("infer", CUSTOMERS, "-F", "yaml", env={"ASSAY_LLM": spec})
    assert code == 0 and "description: Where we write to." in out
    assert len(fake_llm.requests) == asked


def test_model_chosen_in_the_config_file(fake_llm, workdir: Path) -> None:
    (workdir / "assay.yaml").write_text(
        f"llm:\n  provider: openai:test-model@{fake_llm.url}/v1\n  api_key: ${{TEAM_KEY}}\n"
    )
    fake_llm.api_key = "team-secret-77"
    code, _, err = invoke("refine", CUSTOMERS, "-F", "json", env={"TEAM_KEY": "team-secret-77"})
    assert code == 0, err
    assert fake_llm.headers[0]["authorization"] == "Bearer team-secret-77"
    code, _, err = invoke("refine", CUSTOMERS, "--no-cache", env={"TEAM_KEY": "wrong-key-1234"})
    assert code == 1
    assert "refused the credentials (HTTP 401)" in err
    assert "wrong-key-1234" not in err and "team-secret" not in err


def test_a_misbehaving_model_never_fails_the_run(fake_llm) -> None:
    fake_llm.push(*[Reply(content="I think this table is about customers!")] * 3)
    code, out, err = invoke("refine", CUSTOMERS, "--llm", f"ollama:qwen2.5:7b@{fake_llm.url}",
                            "--max-retries", "2")  # fmt: skip
    assert code == 0
    text = " ".join(err.split())
    assert (
        "warning: customers (customer_id, email, first_name, last_name …): no usable answer "
        "from the model after 2 attempt(s) (the answer is not valid JSON" in text
    )
    assert "the model repeated its answer); using heuristics" in text  # no third ask
    assert "│ email" in out and "email" in out  # heuristics still describe the table


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--llm", "claude:opus"], 2, "unknown LLM provider 'claude'"),
        (["--llm", "gguf:/no/such/model.gguf"], 1, "/no/such/model.gguf: no such model file"),
        (["--format", "xml"], 2, "unknown output format 'xml'"),
        (["--docs", "missing.md"], 1, "missing.md: no such documentation file"),
    ],
)
def test_usage_and_configuration_errors(args, code, message) -> None:
    result_code, _, err = invoke("refine", CUSTOMERS, *args)
    assert result_code == code
    assert message in " ".join(err.split())


def test_not_a_gguf_file(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04 definitely a zip")
    code, _, err = invoke("refine", CUSTOMERS, "--llm", f"gguf:{fake}")
    assert code == 1
    assert "not a GGUF model (the file does not start with 'GGUF')" in " ".join(err.split())


def test_unreachable_server_is_one_line_and_exit_1() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = invoke("refine", CUSTOMERS, "--llm", f"ollama:m@http://127.0.0.1:{port}",
                          "--max-retries", "0")  # fmt: skip
    assert code == 1
    assert err.count("error:") == 1 and "is the server running at that URL?" in err
    assert os.getcwd()  # the command left the process usable
