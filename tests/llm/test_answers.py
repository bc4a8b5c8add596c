"""Output schemas, answer parsing, provider specs, chunking, the cache, retry delays."""

from __future__ import annotations

import email.utils
import time

import jsonschema
import orjson
import pytest

from assay.errors import UsageError
from assay.llm import CachedClient, LLMRequest, LLMResponse, Message, ProviderConfigError
from assay.llm.chunking import chunk, groups
from assay.llm.http import HttpOptions, redact, retry_delay
from assay.llm.providers import api_key, parse_spec, resolve_spec
from assay.llm.suggestions import AnswerError, OutputSpec, output_schema, parse_answer
from assay.llm.vocabulary import NAMES

SPEC = OutputSpec(columns=("id", "email", "status"), formats=("email", "uuid"),
                  references=("orders.order_id",))  # fmt: skip


def valid() -> dict:
    field = {
        "description": "x", "semantic_type": "identifier", "classification": "none",
        "type": None, "format": None, "allowed_values": None, "pattern": None,
        "minimum": None, "maximum": None, "references": None, "confidence": 0.5,
        "reasoning": "r",
    }  # fmt: skip
    return {
        "table": {"description": "t", "grain": "one row", "primary_key": ["id"]},
        "fields": {name: dict(field) for name in SPEC.columns},
    }


def test_output_schema_is_tight_and_valid_json_schema() -> None:
    schema = output_schema(SPEC)
    jsonschema.Draft202012Validator.check_schema(schema)
    fields = schema["properties"]["fields"]
    assert fields["required"] == ["id", "email", "status"]
    assert fields["additionalProperties"] is False
    item = fields["properties"]["email"]
    assert item["properties"]["semantic_type"]["enum"] == list(NAMES)
    assert item["properties"]["description"]["maxLength"] == 160
    key = schema["properties"]["table"]["properties"]["primary_key"]
    assert key["items"]["enum"] == ["id", "email", "status"] and key["maxItems"] == 3
    # The validator agrees with parse_answer on a valid answer, and rejects a renamed one.
    jsonschema.validate(valid(), schema)
    renamed = valid()
    renamed["fields"]["mail"] = renamed["fields"].pop("email")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(renamed, schema)


def test_brief_detail_asks_for_less() -> None:
    brief = OutputSpec(columns=("id",), detail="brief")
    item = output_schema(brief)["properties"]["fields"]["properties"]["id"]
    assert list(item["properties"]) == [
        "description",
        "semantic_type",
        "classification",
        "confidence",
    ]


def test_parse_valid_answer() -> None:
    answer = parse_answer(orjson.dumps(valid()).decode(), SPEC)
    assert list(answer.fields) == ["id", "email", "status"]
    assert answer.table.primary_key == ("id",)
    fenced = "```json\n" + orjson.dumps(valid()).decode() + "\n```"
    assert parse_answer(fenced, SPEC).fields["id"].semantic_type == "identifier"


def problems(data) -> list[str]:
    text = data if isinstance(data, str) else orjson.dumps(data).decode()
    with pytest.raises(AnswerError) as info:
        parse_answer(text, SPEC)
    return info.value.problems


def test_raw_control_characters_in_strings_are_read() -> None:
    data = valid()
    data["fields"]["id"]["description"] = "first line\nsecond line"
    text = orjson.dumps(data).decode().replace("\\n", "\n")  # a raw newline, as llama.cpp emits
    assert "\n" in text
    assert parse_answer(text, SPEC).fields["id"].description == "first line\nsecond line"


def test_malformed_json() -> None:
    assert problems('{"table": {"description": ')[0].startswith("the answer is not valid JSON")


def test_renamed_added_and_dropped_fields() -> None:
    data = valid()
    data["fields"]["e_mail"] = data["fields"].pop("email")
    assert problems(data) == [
        "'fields' has 'e_mail', which is not a column (did you mean 'email'?)",
        "column 'email' is missing from 'fields'",
    ]
    data = valid()
    data["fields"]["extra"] = dict(data["fields"]["id"])
    assert problems(data) == ["'fields' has 'extra', which is not a column"]
    data = valid()
    del data["fields"]["status"]
    assert problems(data) == ["column 'status' is missing from 'fields'"]


def test_values_outside_the_vocabularies() -> None:
    data = valid()
    data["fields"]["id"]["semantic_type"] = "primary key"
    data["fields"]["email"]["type"] = "varchar"
    data["fields"]["status"]["format"] = "json"
    data["fields"]["status"]["confidence"] = 7
    data["table"]["primary_key"] = ["identifier"]
    found = problems(data)
    assert any(
        p.startswith("fields.id.semantic_type is 'primary key'; valid values are") for p in found
    )
    assert any(p.startswith("fields.email.type is 'varchar'") for p in found)
    assert any(p.startswith("fields.status.format is 'json'") for p in found)
    assert "fields.status.confidence must be a number from 0 to 1" in found
    assert "table.primary_key names 'identifier', which is not a column" in found


def test_lengths_and_missing_keys() -> None:
    data = valid()
    data["fields"]["id"]["description"] = "x" * 161
    del data["fields"]["email"]["reasoning"]
    data["fields"]["status"]["surprise"] = 1
    found = problems(data)
    assert "fields.id.description is longer than 160 characters" in found
    assert "fields.email.reasoning is missing" in found
    assert "fields.status has an unexpected key 'surprise'" in found


@pytest.mark.parametrize(
    ("text", "provider", "model", "url", "options"),
    [
        ("none", "none", "", None, {}),
        ("ollama:qwen2.5:7b", "ollama", "qwen2.5:7b", None, {}),
        ("ollama:qwen2.5:7b@http://gpu:11434", "ollama", "qwen2.5:7b", "http://gpu:11434", {}),
        ("openai:gpt-4o-mini@http://localhost:8000/v1", "openai", "gpt-4o-mini",
         "http://localhost:8000/v1", {}),
        ("gguf:/models/m.gguf?num_ctx=4096&threads=2", "gguf", "/models/m.gguf", None,
         {"num_ctx": "4096", "threads": "2"}),
        ("llamacpp:m.gguf", "gguf", "m.gguf", None, {}),
    ],
)  # fmt: skip
def test_spec_syntax(text, provider, model, url, options) -> None:
    spec = parse_spec(text)
    assert (spec.provider, spec.model, spec.url, spec.options) == (provider, model, url, options)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("claude:x", "unknown LLM provider 'claude'"),
        ("ollama", "the ollama provider needs a model"),
        ("openai:gpt@https://user:pw@host/v1", "credentials do not belong in the --llm URL"),
        ("ollama:m?threads=2", "unknown option(s) threads for the ollama provider"),
    ],
)
def test_bad_specs(text, message) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_spec(text)


def test_spec_from_environment_and_config(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("ASSAY_LLM", raising=False)
    assert resolve_spec(None, {"provider": "ollama:llama3"}).model == "llama3"
    monkeypatch.setenv("ASSAY_LLM", "openai:gpt-4o-mini")
    assert resolve_spec(None, {"provider": "ollama:llama3"}).provider == "openai"
    assert resolve_spec("none", {}).provider == "none"


def test_api_keys_only_from_the_environment(monkeypatch) -> None:
    spec = parse_spec("openai:gpt-4o-mini?api_key_env=MY_KEY")
    monkeypatch.delenv("MY_KEY", raising=False)
    with pytest.raises(ProviderConfigError, match="MY_KEY"):
        api_key(spec)
    monkeypatch.setenv("MY_KEY", "k-123456")
    assert api_key(spec) == "k-123456"
    plain = parse_spec("openai:gpt-4o-mini")
    monkeypatch.setenv("TEAM_KEY", "k-team-42")
    assert api_key(plain, {"api_key": "${TEAM_KEY}"}) == "k-team-42"
    with pytest.raises(UsageError, match="must be an \\$\\{ENV_VAR\\} reference"):
        api_key(plain, {"api_key": "sk-literal-key"})


def test_redaction() -> None:
    assert (
        redact("auth failed for sk-abc123 at host", ["sk-abc123"]) == "auth failed for *** at host"
    )


def test_retry_delays() -> None:
    options = HttpOptions(backoff=0.5, max_backoff=4.0, max_retry_after=10.0)
    for attempt, base in ((0, 0.5), (1, 1.0), (2, 2.0), (5, 4.0)):
        for _ in range(20):
            assert base / 2 <= retry_delay(attempt, options) <= base
    assert retry_delay(0, options, "3") == 3.0
    assert retry_delay(0, options, "120") == 10.0  # capped
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    assert 3.5 <= retry_delay(0, options, when) <= 5.5


def test_chunks_keep_related_columns_together() -> None:
    paths = ["id", "ship_street", "name", "ship_city", "bill_street", "ship_zip", "bill_city",
             "shipping.geo.lat", "note", "shipping.city"]  # fmt: skip
    assert [[paths[i] for i in g] for g in groups(paths)] == [
        ["id"], ["ship_street", "ship_city", "ship_zip"], ["name"],
        ["bill_street", "bill_city"], ["shipping.geo.lat", "shipping.city"], ["note"],
    ]  # fmt: skip
    chunks = chunk(paths, str, lambda p: 10, budget=40, max_items=4)
    assert all(sum(10 for _ in c) <= 40 and len(c) <= 4 for c in chunks)
    assert sorted(p for c in chunks for p in c) == sorted(paths)
    for c in chunks:  # a group of three never straddles two chunks
        assert not (set(c) & {"ship_street", "ship_city", "ship_zip"}) or {
            "ship_street", "ship_city", "ship_zip"} <= set(c)  # fmt: skip


def test_a_group_bigger_than_a_chunk_is_split() -> None:
    paths = [f"addr_{i}" for i in range(10)]
    chunks = chunk(paths, str, lambda p: 10, budget=30, max_items=10)
    assert [len(c) for c in chunks] == [3, 3, 3, 1]


class Counting:
    provider = "fake"
    model = "m1"

    def __init__(self) -> None:
        self.calls = 0

    def complete(self, request: LLMRequest) -> LLMResponse:
        self.calls += 1
        return LLMResponse(f"answer {self.calls}", self.provider, self.model, 0.25)


def test_cache_answers_repeat_questions(tmp_path) -> None:
    inner = Counting()
    cached = CachedClient(inner, tmp_path)
    ask = LLMRequest(messages=(Message("user", "hello"),), schema={"type": "object"})
    other = LLMRequest(messages=(Message("user", "hello!"),), schema={"type": "object"})
    assert cached.complete(ask).text == "answer 1"
    again = cached.complete(ask)
    assert (again.text, again.cached, inner.calls) == ("answer 1", True, 1)
    assert cached.complete(other).text == "answer 2"
    entry = orjson.loads(cached.path(ask).read_bytes())
    assert (entry["provider"], entry["model"], entry["prompt_hash"]) == (
        "fake", "m1", ask.prompt_hash()
    )  # fmt: skip
    # Another model never sees these answers.
    inner.model = "m2"
    assert CachedClient(inner, tmp_path).complete(ask).text == "answer 3"
    # Offline: hits work, misses are an error, nothing is called.
    offline = CachedClient(Counting(), tmp_path, offline=True)
    assert offline.complete(ask).text == "answer 1"
    with pytest.raises(ProviderConfigError, match="no cached answer"):
        offline.complete(LLMRequest(messages=(Message("user", "new"),), schema={}))
