"""The Typer application, global options, and the one place errors become exit codes.

Exit codes: 0 success, 1 failure (a located one-line message; the traceback only
with ``-v``), 2 usage error (bad option or argument, from Click/Typer or
:class:`UsageError`).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import orjson
import typer

from assay._version import __version__
from assay.errors import AssayError, UsageError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="assay",
    help="From messy files to typed, documented, checked tables.\n\n"
    "Example: assay sniff examples/shop",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class Settings:
    verbose: int = 0
    quiet: bool = False
    log_format: str = "text"


settings = Settings()


class _LazyConsole:
    """A ``rich.console.Console`` made on first use: rich costs ~20 ms of start-up, and
    ``assay infer -o schema.json`` on a clean file prints nothing through it."""

    def __init__(self, **kwargs: Any) -> None:
        object.__setattr__(self, "_lazy_kwargs", kwargs)
        object.__setattr__(self, "_lazy_console", None)

    def _made(self) -> Any:
        made = object.__getattribute__(self, "_lazy_console")
        if made is None:
            from rich.console import Console

            made = Console(**object.__getattribute__(self, "_lazy_kwargs"))
            object.__setattr__(self, "_lazy_console", made)
        return made

    def __getattr__(self, name: str) -> Any:
        return getattr(self._made(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._made(), name, value)


def print_text(text: str, end: str = "\n") -> None:
    """Machine-readable output (JSON, YAML, SQL, a diff) exactly as made.  Through rich,
    a value such as ':ok:' in a schema's examples would print as an emoji."""
    sys.stdout.write(text + end)
    sys.stdout.flush()


# No emoji codes: data values such as ":ok:" are shown as they are.
console: Any = _LazyConsole(highlight=False, soft_wrap=False, emoji=False)
err_console: Any = _LazyConsole(stderr=True, highlight=False, soft_wrap=True, emoji=False)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return orjson.dumps(payload).decode()


class _RichOnFirstRecord(logging.Handler):
    """Rich's log handler, made when the first record is emitted (most runs log none at
    the default level, and rich costs start-up)."""

    def __init__(self) -> None:
        super().__init__()
        self._rich: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._rich is None:
            from rich.logging import RichHandler

            self._rich = RichHandler(console=err_console._made(), show_path=False, show_time=False)
            self._rich.setLevel(self.level)
        self._rich.handle(record)


def configure_logging(verbose: int, quiet: bool, log_format: str) -> None:
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose >= 2:
        level = logging.DEBUG
    elif verbose == 1:
        level = logging.INFO
    handler: logging.Handler
    if log_format == "json":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_JsonFormatter())
    else:
        handler = _RichOnFirstRecord()
    from assay.redaction import RedactingFilter

    handler.addFilter(RedactingFilter())  # secrets from the configuration never in a log line
    root = logging.getLogger("assay")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _version(value: bool) -> None:
    if value:
        console.print(f"assay {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="More detail (-vv for debug); tracebacks on errors."
        ),
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and results.")] = False,
    log_format: Annotated[
        str,
        typer.Option("--log-format", help="Log line format: text or json.", metavar="text|json"),
    ] = "text",
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """From messy files to typed, documented, checked tables."""
    if log_format not in ("text", "json"):
        raise typer.BadParameter("must be 'text' or 'json'", param_hint="--log-format")
    settings.verbose = verbose
    settings.quiet = quiet
    settings.log_format = log_format
    configure_logging(verbose, quiet, log_format)


def report_error(exc: BaseException) -> None:
    """Print an error as one line (with the traceback when verbose), secrets redacted."""
    from assay.redaction import redact_text

    if settings.verbose:
        err_console.print_exception(show_locals=False)
    message = redact_text(str(exc))
    if settings.log_format == "json":
        payload = {
            "level": "error",
            "code": getattr(exc, "code", "internal_error"),
            "message": message,
        }
        print(orjson.dumps(payload).decode(), file=sys.stderr)
        return
    if isinstance(exc, AssayError):
        err_console.print(f"[bold red]error:[/] {_escape(message)}")
    else:
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {_escape(message)} "
            "— this is a bug in assay; run again with -v for the traceback and report it"
        )


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def handle_errors(fn: F) -> F:
    """Turn assay errors into a one-line message and the right exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except UsageError as exc:
            report_error(exc)
            raise typer.Exit(2) from None
        except AssayError as exc:
            report_error(exc)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:
            report_error(exc)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]
