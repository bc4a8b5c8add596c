"""Choosing a provider: the ``--llm`` spec, environment and config file, lazy loaders.

Spec syntax (one option selects everything)::

    none                                   no model: heuristics only (the default)
    ollama:qwen2.5:7b[@http://host:11434]  the native Ollama API
    openai:gpt-4o-mini[@http://localhost:8000/v1]   any OpenAI-compatible server
    gguf:/models/model.gguf                an offline model in-process (llama-cpp-python)

Options may follow a ``?`` as ``key=value`` pairs joined by ``&``: ``num_ctx``,
``threads`` (gguf), ``stream=false`` (ollama), ``api_key_env=NAME`` (openai: the
environment variable holding the key).  Keys themselves never appear in a spec or a
config file: they come from the environment (``ASSAY_LLM_API_KEY`` or
``OPENAI_API_KEY``), or from ``${VAR}`` interpolation in ``assay.yaml``.

Where no ``--llm`` is given, ``ASSAY_LLM`` and then the ``llm.provider`` entry of the
config file (``ASSAY_CONFIG`` or ``./assay.yaml``) decide.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from assay.errors import UsageError
from assay.llm.client import LLMClient, ProviderConfigError
from assay.llm.http import HttpOptions

PROVIDERS = ("none", "ollama", "openai", "gguf")
ALIASES = {"llamacpp": "gguf", "llama.cpp": "gguf", "openai-compatible": "openai"}
OPTIONS = {
    "none": set(),
    "ollama": {"num_ctx", "stream"},
    "openai": {"api_key_env"},
    "gguf": {"num_ctx", "threads"},
}
EXAMPLES = "e.g. ollama:qwen2.5:7b, openai:gpt-4o-mini@http://localhost:8000/v1, gguf:model.gguf"
HTTP_TIMEOUT = 120.0
_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


@dataclass(frozen=True)
class ProviderSpec:
    provider: str
    model: str = ""
    url: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        text = self.provider + (f":{self.model}" if self.model else "")
        return text + (f"@{self.url}" if self.url else "")


def parse_spec(text: str) -> ProviderSpec:
    """Parse ``provider[:model][@url][?key=value&...]``; :class:`UsageError` if malformed."""
    text = text.strip()
    if text in ("", "none"):
        return ProviderSpec("none")
    head, _, rest = text.partition(":")
    provider = ALIASES.get(head.lower(), head.lower())
    if provider not in PROVIDERS:
        raise UsageError(
            f"unknown LLM provider {head!r} in {text!r}",
            hint=f"valid providers are: {', '.join(PROVIDERS)} ({EXAMPLES})",
        )
    options: dict[str, str] = {}
    if "?" in rest:
        rest, _, query = rest.rpartition("?")
        options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - OPTIONS[provider])
    if unknown:
        raise UsageError(
            f"unknown option(s) {', '.join(unknown)} for the {provider} provider",
            hint=f"valid options are: {', '.join(sorted(OPTIONS[provider])) or 'none'}",
        )
    url = None
    if provider != "gguf":
        match = re.search(r"@(https?://.*)$", rest)
        if match:
            url = match.group(1)
            rest = rest[: match.start()]
            parts = urlsplit(url)
            if parts.username or parts.password or "key" in parts.query.lower():
                raise UsageError(
                    "credentials do not belong in the --llm URL",
                    hint="put the API key in ASSAY_LLM_API_KEY or OPENAI_API_KEY",
                )
    if provider in ("ollama", "openai", "gguf") and not rest:
        raise UsageError(f"the {provider} provider needs a model", hint=EXAMPLES)
    return ProviderSpec(provider, rest, url, options)


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """The ``llm`` section of the run configuration (``path``, else ``ASSAY_CONFIG``, else
    ``assay.yaml`` in the current directory), as the providers read it: ``provider`` (the
    spec) and ``api_key`` as written (an ``${ENV}`` reference, never resolved here).

    The section follows :class:`assay.config.LLMConfig`: a spec string, or a mapping with
    ``spec`` (``provider`` is accepted as its older name)."""
    from assay.config import find_config
    from assay.config.load import read_yaml

    named = path or os.environ.get("ASSAY_CONFIG")
    candidate = Path(named) if named else find_config()
    if candidate is None or not candidate.is_file():
        if named:
            raise UsageError(f"{candidate}: config file not found")
        return {}
    data = read_yaml(candidate)
    section = data.get("llm") if isinstance(data, dict) else None
    if section is None:
        return {}
    if isinstance(section, str):
        return {"provider": section}
    if not isinstance(section, dict):
        raise UsageError(f"{candidate}: llm: expected a spec string or a mapping")
    out = dict(section)
    if "spec" in out:
        out["provider"] = out.pop("spec")
    return out


def resolve_spec(value: str | None, config: dict[str, Any] | None = None) -> ProviderSpec:
    """The spec from the option, else ``ASSAY_LLM``, else the config file, else none."""
    if value:
        return parse_spec(value)
    if os.environ.get("ASSAY_LLM"):
        return parse_spec(os.environ["ASSAY_LLM"])
    config = load_config() if config is None else config
    return parse_spec(str(config.get("provider") or "none"))


def api_key(spec: ProviderSpec, config: dict[str, Any] | None = None) -> str | None:
    """The API key from the environment; never from a spec or a literal in a file."""
    name = spec.options.get("api_key_env")
    if name:
        if not os.environ.get(name):
            raise ProviderConfigError(f"the environment variable {name} (api_key_env) is not set")
        return os.environ[name]
    configured = (config or {}).get("api_key")
    if configured:
        match = _ENV_REF.match(str(configured))
        if not match:
            raise UsageError(
                "llm.api_key in the config file must be an ${ENV_VAR} reference, not a key",
                hint="e.g. api_key: ${OPENAI_API_KEY}",
            )
        value = os.environ.get(match.group(1))
        if not value:
            raise ProviderConfigError(f"the environment variable {match.group(1)} is not set")
        return value
    return os.environ.get("ASSAY_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or None


def make_client(
    spec: ProviderSpec,
    *,
    timeout: float | None = None,
    max_retries: int = 3,
    concurrency: int = 2,
    config: dict[str, Any] | None = None,
) -> LLMClient | None:
    """A client for ``spec`` (None for ``none``); imports the provider module lazily.

    ``timeout``: seconds per answer; None gives servers 120 s and an in-process model
    no limit (a small model on a few cores takes minutes for a wide chunk)."""
    options = HttpOptions(timeout=timeout or HTTP_TIMEOUT, max_retries=max_retries)
    if spec.provider == "none":
        return None
    if spec.provider == "ollama":
        from assay.llm.ollama import OllamaClient

        return OllamaClient(
            spec.model,
            spec.url,
            options=options,
            stream=spec.options.get("stream", "true").lower() not in ("false", "0", "no"),
            num_ctx=_int(spec, "num_ctx"),
            connections=concurrency,
        )
    if spec.provider == "openai":
        from assay.llm.openai_compat import OpenAIClient

        return OpenAIClient(
            spec.model,
            spec.url,
            api_key=api_key(spec, config),
            options=options,
            connections=concurrency,
        )
    from assay.llm.llamacpp import LlamaCppClient

    return LlamaCppClient(
        spec.model,
        n_ctx=_int(spec, "num_ctx") or 8192,
        threads=_int(spec, "threads"),
        timeout=timeout,
    )


def _int(spec: ProviderSpec, name: str) -> int | None:
    value = spec.options.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"option {name} must be a whole number, got {value!r}") from None
