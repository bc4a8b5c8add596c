"""Value checks shared by the configuration sections, with messages a user can act on.

Pydantic's own messages (``Input should be 'none', 'path', 'content' or 'both'``) name
neither what was given nor the likely fix; these raise ``PydanticCustomError`` with
assay's wording instead — the value as given and a "did you mean" suggestion — and
:mod:`assay.config.errors` prefixes the file and key path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import Any, get_args

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

# Target URI schemes the loaders accept; aliases map to the canonical name.
TARGET_SCHEMES = ("duckdb", "postgresql", "parquet", "iceberg", "delta")
SCHEME_ALIASES = {"postgres": "postgresql"}
STAGING_SCHEMES = ("postgresql", "duckdb")
LLM_PROVIDERS = ("ollama", "openai", "gguf")
LLM_ALIASES = {"llamacpp": "gguf", "llama.cpp": "gguf"}
_SCHEME = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://")


def suggest(given: str, valid: Iterable[str], aliases: dict[str, str] | None = None) -> str | None:
    """The closest valid name (an alias's canonical name), or None if nothing is close."""
    aliases = aliases or {}
    names = [*valid, *aliases]
    close = difflib.get_close_matches(given.lower(), names, n=1, cutoff=0.6)
    return aliases.get(close[0], close[0]) if close else None


def choices_hint(given: str, valid: Iterable[str], aliases: dict[str, str] | None = None) -> str:
    """``did you mean 'x'?`` when one is close, else the list of valid values."""
    valid = list(valid)
    close = suggest(given, valid, aliases)
    if close is not None:
        return f"did you mean {close!r}?"
    return "valid values are: " + ", ".join(valid)


def fail(kind: str, message: str) -> PydanticCustomError:
    # Braces would be read as pydantic's message placeholders.
    return PydanticCustomError(kind, message.replace("{", "{{").replace("}", "}}"))


def choice(literal: Any, *, optional: bool = False) -> BeforeValidator:
    """A validator accepting exactly the values of a ``Literal`` type (any case), with a
    suggestion for a near miss; ``optional`` also accepts null."""
    valid = tuple(get_args(literal))

    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, str) and value in valid:
            return value
        if isinstance(value, str) and value.lower() in valid:
            return value.lower()
        shown = repr(value) if isinstance(value, str) else _yaml_repr(value)
        hint = choices_hint(str(value), valid) if isinstance(value, str) else None
        hint = hint or "valid values are: " + ", ".join(valid)
        raise fail("invalid_choice", f"invalid value {shown} ({hint})")

    return BeforeValidator(check)


def _yaml_repr(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def scheme_of(uri: str) -> str | None:
    match = _SCHEME.match(uri)
    return match["scheme"].lower() if match else None


def check_target(value: Any) -> Any:
    """A target URI with a known scheme; a bare path gets the URI it probably meant."""
    if not isinstance(value, str) or not value.strip():
        raise fail("target", "expected a target URI such as 'duckdb:///assay.duckdb'")
    scheme = scheme_of(value)
    if scheme is None:
        if value.endswith((".duckdb", ".db")):
            hint = f"did you mean 'duckdb:///{value}'?"
        else:
            hint = "e.g. 'duckdb:///assay.duckdb', 'postgresql://user@host/db', 'parquet:///dir'"
        raise fail("target", f"{value!r} is not a URI ({hint})")
    if scheme in TARGET_SCHEMES or scheme in SCHEME_ALIASES:
        return value
    return _unknown_scheme(scheme, TARGET_SCHEMES, SCHEME_ALIASES)


def check_staging(value: Any) -> Any:
    """A DuckDB file path (``duckdb://`` accepted), ``:memory:``, or a ``postgresql://`` URI."""
    if not isinstance(value, str) or not value.strip():
        raise fail("staging", "expected a DuckDB file path or a postgresql:// URI")
    scheme = scheme_of(value)
    if scheme is None or scheme in STAGING_SCHEMES or scheme in SCHEME_ALIASES:
        return value
    return _unknown_scheme(
        scheme, STAGING_SCHEMES, SCHEME_ALIASES, "staging is a DuckDB file path or postgresql://…"
    )


def _unknown_scheme(
    scheme: str, valid: tuple[str, ...], aliases: dict[str, str], otherwise: str | None = None
) -> Any:
    close = suggest(scheme, valid, aliases)
    if close is not None:
        raise fail("scheme", f"unknown scheme {scheme!r} (did you mean {close!r}?)")
    otherwise = otherwise or "valid schemes are: " + ", ".join(valid)
    raise fail("scheme", f"unknown scheme {scheme!r} ({otherwise})")


def check_llm_spec(value: Any) -> Any:
    """``PROVIDER:MODEL[@BASE_URL]``; the provider must be known, the rest is the provider's."""
    example = "e.g. 'ollama:qwen2.5:7b', 'openai:gpt-4o-mini@http://localhost:8000/v1'"
    if not isinstance(value, str) or ":" not in value:
        raise fail("llm_spec", f"expected PROVIDER:MODEL ({example}), got {value!r}")
    provider, model = value.split(":", 1)
    if provider.lower() not in LLM_PROVIDERS and provider.lower() not in LLM_ALIASES:
        hint = choices_hint(provider, LLM_PROVIDERS, LLM_ALIASES)
        raise fail("llm_provider", f"unknown LLM provider {provider!r} ({hint})")
    if not model.strip():
        raise fail("llm_spec", f"the model is missing after {provider + ':'!r} ({example})")
    return value


def check_semver(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and re.fullmatch(r"\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?", value):
        return value
    raise fail("semver", f"expected a semantic version such as '1.0.0', got {value!r}")


def non_empty(what: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise fail("empty", f"{what} must not be empty")
        return value

    return check
