"""Pydantic's validation errors rewritten as assay's one-line, located messages.

``assay.yaml: policies.dedup: invalid value 'contents' (did you mean 'content'?)`` —
the file (or ``command line`` for an override), the key path, what is wrong and, when
it can be guessed, the fix.  Values are shown as given except secrets: a secret-named
key's value is never shown, and every known secret is scrubbed from the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assay.config import model
from assay.config.checks import choices_hint
from assay.config.introspect import model_at
from assay.config.model import Config
from assay.errors import ConfigError
from assay.redaction import MASK, is_secret_key, scrub

if TYPE_CHECKING:
    from pydantic import ValidationError

_SECTION_NAMES = frozenset(
    name for name, v in vars(model).items() if isinstance(v, type) and issubclass(v, BaseModel)
)
_EXPECTED = {
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "string_type": "expected text",
    "tuple_type": "expected a list",
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping of keys",
    "model_attributes_type": "expected a mapping of keys",
}


def dotted(path: Iterable[str | int]) -> str:
    """``('sources', 0, 'path')`` → ``sources[0].path``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def located(origin: str, path: tuple[str | int, ...], message: str) -> str:
    """``origin: key.path: message`` (the key path left out when empty)."""
    where = dotted(path)
    return f"{origin}: {where}: {message}" if where else f"{origin}: {message}"


def from_validation_error(
    error: ValidationError,
    origin: str,
    *,
    secrets: set[str],
    overridden: Iterable[str] = (),
    file_errors: set[tuple[Any, ...]] | None = None,
) -> ConfigError:
    """One ConfigError listing every problem, each attributed to the file or the command line.

    A problem came from the command line when it lies under an overridden key, or when
    it is not among ``file_errors`` (:func:`error_keys` of validating the file alone):
    an override can also break a key it did not name (``llm.timeout`` without a spec).
    """
    from assay.config.overrides import COMMAND_LINE

    keys = [tuple(int(p) if p.isdigit() else p for p in k.split(".")) for k in overridden]
    problems: list[str] = []
    for item in error.errors(include_url=False):
        loc = tuple(p for p in item["loc"] if not _is_wrapper(p))
        path, message = _describe(Config, loc, item)
        by_override = any(loc[: len(k)] == k for k in keys) or (
            file_errors is not None and (item["loc"], item["type"]) not in file_errors
        )
        line = located(COMMAND_LINE if by_override else origin, path, message)
        problems.append(scrub(line, secrets))
    return ConfigError(problems)


def error_keys(error: ValidationError) -> set[tuple[Any, ...]]:
    return {(item["loc"], item["type"]) for item in error.errors(include_url=False)}


def _is_wrapper(part: str | int) -> bool:
    # Pydantic adds the validator or union member to some locations; config keys are
    # lower case, so a class name here is pydantic's (an unknown key is never stripped:
    # extra keys are reported by the model that holds them, after the wrappers).
    return isinstance(part, str) and (part.startswith("function-") or part in _SECTION_NAMES)


def _describe(
    root: type[BaseModel], loc: tuple[str | int, ...], item: Any
) -> tuple[tuple[str | int, ...], str]:
    kind = item["type"]
    value = item.get("input")
    key = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        parent = model_at(loc[:-1], root)
        valid = list(parent.model_fields) if parent is not None else []
        name = str(loc[-1])
        return loc[:-1], f"unknown key {name!r} ({choices_hint(name, valid)})".replace(
            "valid values are", "valid keys are"
        )
    if kind == "missing":
        return loc[:-1], f"missing required key {str(loc[-1])!r}"
    if loc == ("version",) and kind == "literal_error":
        return loc, f"unsupported configuration version {_show(value, key)} (this assay reads 1)"
    if kind in _EXPECTED:
        return loc, f"{_EXPECTED[kind]}, got {_show(value, key)}"
    message = str(item["msg"])
    if item.get("ctx", {}).get("error") is not None or kind in ("value_error", "assertion_error"):
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    elif message.startswith("Input should"):
        message = "should" + message[len("Input should") :] + f", got {_show(value, key)}"
    return loc, message


def _show(value: Any, key: str) -> str:
    if is_secret_key(key):
        return MASK
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…'"
