"""Each provider against a real HTTP server on loopback: requests as the real APIs
expect them, answers as the real APIs send them, failures as real servers fail."""

from __future__ import annotations

import logging
import time

import orjson
import pytest

from assay.llm import LLMRequest, Message, ProviderConfigError, ProviderError, make_client
from assay.llm.openai_compat import OpenAIClient
from assay.llm.providers import parse_spec
from assay.llm.suggestions import OutputSpec, output_schema, parse_answer
from tests.llm.fake_llm import Reply, answer

SPEC = OutputSpec(columns=("customer_id", "email"), formats=("email",))


def request() -> LLMRequest:
    return LLMRequest(
        messages=(Message("system", "rules"), Message("user", "Describe each of these 2 "
                                                              "column(s): customer_id, email.")),
        schema=output_schema(SPEC),
        schema_name="column_documentation",
    )  # fmt: skip


def client(fake, spec: str, **options):
    options.setdefault("timeout", 5.0)
    options.setdefault("max_retries", 0)
    return make_client(parse_spec(spec.replace("URL", fake.url)), **options)


@pytest.mark.parametrize("stream", ["true", "false"])
def test_ollama_chat_with_json_schema_format(fake_llm, stream: str) -> None:
    fake_llm.push(answer({"email": {"semantic_type": "email", "classification": "pii"}}))
    llm = client(fake_llm, f"ollama:qwen2.5:7b@URL?stream={stream}")
    response = llm.complete(request())
    sent = fake_llm.requests[0]
    assert fake_llm.paths == ["/api/chat"]
    assert sent["model"] == "qwen2.5:7b"
    assert sent["stream"] is (stream == "true")
    assert sent["format"] == output_schema(SPEC)
    assert sent["options"]["temperature"] == 0 and sent["options"]["seed"] == 0
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    parsed = parse_answer(response.text, SPEC)
    assert parsed.fields["email"].semantic_type == "email"
    assert response.provider == "ollama" and response.details["done_reason"] == "stop"


def test_ollama_unknown_model_is_a_configuration_error(fake_llm) -> None:
    llm = client(fake_llm, "ollama:no-such-model@URL")
    with pytest.raises(ProviderConfigError, match=r"no model 'no-such-model'.*ollama pull"):
        llm.complete(request())


def test_ollama_error_line_mid_stream(fake_llm) -> None:
    fake_llm.push(Reply(status=500, body=b'{"error":"model runner crashed"}'))
    llm = client(fake_llm, "ollama:qwen2.5:7b@URL")
    with pytest.raises(ProviderError, match=r"HTTP 500.*model runner crashed"):
        llm.complete(request())


def test_openai_structured_output_and_bearer_key(fake_llm, monkeypatch, caplog) -> None:
    fake_llm.api_key = "sk-test-secret-1234"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-1234")
    llm = client(fake_llm, "openai:gpt-4o-mini@URL/v1")
    with caplog.at_level(logging.DEBUG, logger="assay"):
        response = llm.complete(request())
    sent = fake_llm.requests[0]
    assert fake_llm.paths == ["/v1/chat/completions"]
    assert fake_llm.headers[0]["authorization"] == "Bearer sk-test-secret-1234"
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "column_documentation",
            "strict": True,
            "schema": output_schema(SPEC),
        },
    }
    assert sent["temperature"] == 0 and sent["seed"] == 0
    assert parse_answer(response.text, SPEC).fields.keys() == {"customer_id", "email"}
    assert response.details["response_format"] == "json_schema"
    assert "sk-test-secret" not in caplog.text


def test_openai_wrong_key_is_reported_without_the_key(fake_llm, monkeypatch) -> None:
    fake_llm.api_key = "right-key-0000"
    monkeypatch.setenv("ASSAY_LLM_API_KEY", "wrong-key-9999")
    llm = client(fake_llm, "openai:gpt-4o-mini@URL/v1")
    with pytest.raises(ProviderConfigError) as info:
        llm.complete(request())
    assert "refused the credentials (HTTP 401)" in str(info.value)
    assert "wrong-key-9999" not in str(info.value)


def test_openai_falls_back_when_json_schema_is_rejected(fake_llm) -> None:
    fake_llm.json_schema_supported = False
    llm = client(fake_llm, "openai:gpt-4o-mini@URL/v1")
    first = llm.complete(request())
    formats = [r.get("response_format", {}).get("type") for r in fake_llm.requests]
    # strict schema, then the portable schema (no length limits), then JSON mode
    assert formats == ["json_schema", "json_schema", "json_object"]
    portable = fake_llm.requests[1]["response_format"]["json_schema"]["schema"]
    assert "maxLength" not in orjson.dumps(portable).decode()
    assert first.details["response_format"] == "json_object"
    # The answer is still validated against the expected schema.
    assert parse_answer(first.text, SPEC).fields.keys() == {"customer_id", "email"}
    # The client remembers: the next chunk goes straight to JSON mode.
    llm.complete(request())
    assert fake_llm.requests[-1]["response_format"] == {"type": "json_object"}
    assert len(fake_llm.requests) == 4


def test_openai_without_any_json_mode(fake_llm) -> None:
    fake_llm.json_schema_supported = False
    fake_llm.json_object_supported = False
    llm = client(fake_llm, "openai:gpt-4o-mini@URL/v1")
    response = llm.complete(request())
    assert "response_format" not in fake_llm.requests[-1]
    assert response.details["response_format"] == "none"
    assert isinstance(llm, OpenAIClient) and llm.mode == "none"


def test_openai_unknown_model(fake_llm) -> None:
    llm = client(fake_llm, "openai:gpt-9@URL/v1")
    with pytest.raises(ProviderConfigError, match="not found: The model does not exist"):
        llm.complete(request())


def test_429_honours_retry_after(fake_llm) -> None:
    fake_llm.push(Reply(status=429, headers={"Retry-After": "1"}, body=b'{"error":"slow down"}'))
    llm = client(fake_llm, "ollama:qwen2.5:7b@URL", max_retries=2)
    started = time.monotonic()
    llm.complete(request())
    assert time.monotonic() - started >= 0.95
    assert len(fake_llm.requests) == 2


def test_5xx_are_retried_with_backoff(fake_llm) -> None:
    fake_llm.push(Reply(status=500), Reply(status=503))
    llm = client(fake_llm, "openai:test-model@URL/v1", max_retries=3)
    response = llm.complete(request())
    assert len(fake_llm.requests) == 3
    assert parse_answer(response.text, SPEC)


def test_5xx_beyond_the_retries_is_a_provider_error(fake_llm) -> None:
    fake_llm.push(Reply(status=502), Reply(status=502))
    llm = client(fake_llm, "ollama:qwen2.5:7b@URL?stream=false", max_retries=1)
    with pytest.raises(ProviderError, match=r"HTTP 502.*gave up after 2 attempts"):
        llm.complete(request())


@pytest.mark.parametrize("spec", ["ollama:qwen2.5:7b@URL?stream=false", "openai:test-model@URL/v1"])
def test_slow_answer_times_out(fake_llm, spec: str) -> None:
    fake_llm.push(Reply(delay=1.5), Reply(delay=1.5))
    llm = client(fake_llm, spec, timeout=0.3, max_retries=1)
    with pytest.raises(ProviderError, match=r"did not answer within 0\.3s"):
        llm.complete(request())
    assert len(fake_llm.requests) == 2


def test_no_server_is_a_configuration_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once closed
    llm = make_client(parse_spec(f"ollama:qwen2.5:7b@http://127.0.0.1:{port}"), max_retries=1)
    with pytest.raises(
        ProviderConfigError, match=r"cannot connect to Ollama.*is the server running"
    ):
        llm.complete(request())
