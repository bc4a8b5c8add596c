"""Keep secrets out of everything assay prints: messages, logs, ``config show``, reports.

One helper for the whole tool (layer 1: it imports nothing from assay), used by the
sources layer for the URIs it names in errors and by :mod:`assay.config` for the
effective configuration.  Three kinds of secret are recognised:

- a password embedded in a URI (``postgresql://user:secret@host/db``) and secret-named
  query parameters (``?password=…``, ``?token=…``);
- the value of a key whose name says it is a secret (``password``, ``api_key``,
  ``secret``, ``token``, ``aws_secret_access_key``, …);
- any literal secret value already known (``scrub``), for text that mentions one in a
  place neither rule above can see, such as an error message quoting a value.

Loading a configuration registers its secrets (:func:`register_secrets`); the CLI's
log handler (:class:`RedactingFilter`) and its error printer (:func:`redact_text`)
then hide them wherever they turn up, even in a message from a library.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

# scheme://user:password@ — the user stays visible (it says which account), the password not.
_URI_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@:\s]*)(?::[^/\s]*)?@"
)
# Key names that hold secrets.  Matched anywhere in the name, case-insensitively, with
# separators ignored: ``api_key``, ``apiKey``, ``API-KEY``, ``aws_secret_access_key``,
# ``sslpassword``, ``client_secret``, ``auth_token``, ``credentials``.
_SECRET_WORDS = re.compile(
    r"password|passwd|passphrase|^pass$|pwd|secret|token|apikey|accesskey|accountkey|privatekey|"
    r"credential|"
    r"authorization|^auth$|sessionkey|^sas$|connectionstring",
    re.IGNORECASE,
)
_QUERY_PARAM = re.compile(r"(?P<sep>[?&;])(?P<name>[^=&;#\s]+)=(?P<value>[^&;#\s]*)")


def is_secret_key(name: str) -> bool:
    """Whether a configuration key of this name holds a secret."""
    return bool(_SECRET_WORDS.search(re.sub(r"[^a-zA-Z0-9]", "", name)))


def redact_uri(text: str) -> str:
    """Hide passwords in URIs (``scheme://user:secret@host`` → ``user:***``) and the
    values of secret-named query parameters (``?password=x`` → ``?password=***``).

    Works on any text, so a message that quotes a URI can be passed as a whole.
    """
    text = _URI_CREDENTIALS.sub(
        lambda m: f"{m['scheme']}{m['user']}:{MASK}@" if ":" in m[0][len(m["scheme"]) :] else m[0],
        text,
    )
    if "=" not in text:
        return text
    return _QUERY_PARAM.sub(
        lambda m: f"{m['sep']}{m['name']}={MASK}" if is_secret_key(m["name"]) else m[0], text
    )


def redact_tree(value: Any, *, key: str | None = None) -> Any:
    """A copy of a JSON-like tree with secret-named keys masked and URIs redacted."""
    if key is not None and is_secret_key(key) and value not in (None, ""):
        return MASK
    if isinstance(value, Mapping):
        return {k: redact_tree(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_tree(v) for v in value]
    if isinstance(value, str):
        return redact_uri(value)
    return value


def secret_values(value: Any, *, key: str | None = None) -> set[str]:
    """Every secret string in a JSON-like tree: secret-named values and URI passwords."""
    found: set[str] = set()
    if key is not None and is_secret_key(key) and isinstance(value, str | int) and value != "":
        found.add(str(value))
    if isinstance(value, Mapping):
        for k, v in value.items():
            found |= secret_values(v, key=str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            found |= secret_values(v)
    elif isinstance(value, str):
        for match in _URI_CREDENTIALS.finditer(value):
            userinfo = match[0][len(match["scheme"]) : -1]
            if ":" in userinfo:
                found.add(userinfo.split(":", 1)[1])
        for match in _QUERY_PARAM.finditer(value):
            if is_secret_key(match["name"]) and match["value"]:
                found.add(match["value"])
    return {s for s in found if s and s != MASK}


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with URI passwords and every known secret value replaced by ``***``.

    Longer secrets are replaced first so that one secret containing another is hidden
    whole; very short values (under 3 characters) are left alone, as masking every
    ``1`` in a message would make it unreadable while hiding nothing.
    """
    text = redact_uri(text)
    for secret in sorted(set(secrets), key=lambda s: (-len(s), s)):
        if len(secret) >= 3:
            text = text.replace(secret, MASK)
    return text


_REGISTERED: set[str] = set()


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values for this process, so logs and errors can hide them."""
    _REGISTERED.update(v for v in values if isinstance(v, str) and len(v) >= 3)


def redact_text(text: str) -> str:
    """``text`` with URI passwords and every registered secret replaced by ``***``."""
    return scrub(text, _REGISTERED)


class RedactingFilter(logging.Filter):
    """A log filter that redacts each record's message (install it on handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
