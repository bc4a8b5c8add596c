"""One error hierarchy for the whole tool.

Every error assay raises on purpose derives from :class:`AssayError`, carries a stable
``code`` (for logs, rejects tables and tests) and renders as one actionable line:
what went wrong, where (file, line, field), and what to do about it.  The CLI turns
these into exit code 1 without a traceback; anything else is a bug.
"""

from __future__ import annotations


class AssayError(Exception):
    """Root of every error assay raises deliberately."""

    code = "assay_error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text = f"{text} — {self.hint}"
        return text


class UsageError(AssayError):
    """The caller asked for something that cannot work (bad option value, conflict)."""

    code = "usage_error"


class InputError(AssayError):
    """A problem with an input: missing, unreadable, corrupt, or in an unsupported format.

    ``path`` names the file (redacted of credentials), ``line`` and ``field`` locate the
    problem inside it when known.
    """

    code = "input_error"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.line = line
        self.field = field
        if code:
            self.code = code

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            if self.field:
                where += f" (field {self.field!r})"
            where += ": "
        return where + super().__str__()


class MissingDependencyError(AssayError):
    """An optional feature needs a package that is not installed."""

    code = "missing_dependency"

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"this feature needs the package {package!r}, which is not installed",
            hint=f"install it with: pip install 'assay[{extra}]'",
        )
        self.package = package
        self.extra = extra


class SchemaError(AssayError):
    """A schema or contract document is invalid or inconsistent."""

    code = "schema_error"


class TargetError(AssayError):
    """A load target refused or failed an operation."""

    code = "target_error"


class LLMError(AssayError):
    """A language-model provider failed or answered with something unusable."""

    code = "llm_error"


class StagingError(AssayError):
    """The staging store cannot be opened, is locked, or refused an operation."""

    code = "staging_error"

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message, hint=hint)
        if code:
            self.code = code


class ConfigError(UsageError):
    """The configuration (``assay.yaml`` or a command-line override) is invalid.

    ``problems`` lists every problem found, each one line naming the file and key path
    (``assay.yaml: policies.dedup: …``); the message is the first of them and how many
    more there are.
    """

    code = "config_error"

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        first = problems[0] if problems else "invalid configuration"
        more = len(problems) - 1
        message = first
        if more > 0:
            message += f" (and {more} more: `assay config validate` lists them all)"
        super().__init__(message, hint=hint)
        self.problems = list(problems)
