"""``${VAR}`` and ``${VAR:-default}`` in configuration values, from the environment.

Substitution happens on the parsed YAML values, not on the file's text: a value taken
from the environment can hold ``:``, ``#`` or a newline without changing the file's
structure, and it is never parsed as YAML itself (a password ``true`` stays a string).
``$${`` writes a literal ``${``; as in the shell, ``${VAR:-default}`` takes the
default when the variable is unset or empty.  A variable that is not set, with no default, is an
error naming it and the key that uses it — never an empty string in its place.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

_REFERENCE = re.compile(
    r"\$\$\{|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}|\$\{(?P<bad>[^}]*)\}?"
)


class InterpolationError(ValueError):
    """A reference that cannot be resolved; ``path`` is the key path that holds it."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def interpolate(value: Any, environ: Mapping[str, str] | None = None) -> Any:
    """A copy of a parsed YAML tree with every ``${…}`` reference in a string replaced."""
    env = os.environ if environ is None else environ
    return _walk(value, env, ())


def _walk(value: Any, env: Mapping[str, str], path: tuple[str | int, ...]) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, env, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, env, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, str) and "$" in value:
        return _substitute(value, env, path)
    return value


def _substitute(text: str, env: Mapping[str, str], path: tuple[str | int, ...]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match[0] == "$${":
            return "${"
        if match["bad"] is not None or match["name"] is None:
            raise InterpolationError(
                path,
                f"invalid reference {match[0]!r} (write ${{NAME}} or ${{NAME:-default}}; "
                "$${ for a literal ${)",
            )
        name, default = match["name"], match["default"]
        if env.get(name) or (name in env and default is None):
            return env[name]
        if default is not None:  # as in the shell: unset or empty takes the default
            return default
        raise InterpolationError(
            path,
            f"environment variable {name!r} is not set "
            f"(set it, or give a default: ${{{name}:-value}})",
        )

    return _REFERENCE.sub(replace, text)
