"""The one redaction helper: URIs, secret-named keys, known secret values."""

from __future__ import annotations

import pytest

from assay import sources
from assay.redaction import MASK, is_secret_key, redact_tree, redact_uri, scrub, secret_values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://loader:hunter2@db:5432/dw", "postgresql://loader:***@db:5432/dw"),
        ("postgresql://loader:p@ss@db/dw", "postgresql://loader:***@db/dw"),
        ("postgresql://loader@db/dw", "postgresql://loader@db/dw"),
        ("s3://bucket/path/file.csv", "s3://bucket/path/file.csv"),
        ("http://host:8080/path", "http://host:8080/path"),
        ("https://u:tok@example.com/a?x=1", "https://u:***@example.com/a?x=1"),
        (
            "postgresql://db/dw?user=a&password=b&sslmode=require",
            "postgresql://db/dw?user=a&password=***&sslmode=require",
        ),
        ("https://h/x?api_key=abc&token=def&page=2", "https://h/x?api_key=***&token=***&page=2"),
        (
            "cannot connect to postgresql://u:pw1@a/db, then mysql://v:pw2@b/db",
            "cannot connect to postgresql://u:***@a/db, then mysql://v:***@b/db",
        ),
    ],
)
def test_uris_lose_their_passwords(text: str, expected: str) -> None:
    assert redact_uri(text) == expected


def test_the_sources_layer_uses_the_same_helper() -> None:
    assert sources.redact is redact_uri


@pytest.mark.parametrize(
    "name",
    ["password", "PGPASSWORD", "db_password", "sslpassword", "passwd", "pwd", "secret",
     "client_secret", "aws_secret_access_key", "token", "auth_token", "api_key", "apiKey",
     "API-KEY", "access_key", "private_key", "credentials", "Authorization", "passphrase",
     "account_key", "connection_string", "sas_token"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_key(name)


@pytest.mark.parametrize(
    "name", ["path", "key", "user", "username", "host", "pattern", "port", "merge_key"]
)
def test_ordinary_names(name: str) -> None:
    assert not is_secret_key(name)


def test_trees_are_masked_by_key_and_by_uri() -> None:
    tree = {
        "target": "postgresql://u:pw@h/db",
        "llm": {"api_key": "sk-1", "spec": "ollama:x"},
        "list": [{"token": "t-1"}, "https://a:b@c/"],
        "empty": {"password": ""},
        "unset": {"secret": None},
    }
    assert redact_tree(tree) == {
        "target": f"postgresql://u:{MASK}@h/db",
        "llm": {"api_key": MASK, "spec": "ollama:x"},
        "list": [{"token": MASK}, f"https://a:{MASK}@c/"],
        "empty": {"password": ""},
        "unset": {"secret": None},
    }
    assert secret_values(tree) == {"pw", "sk-1", "t-1", "b"}


def test_scrub_hides_known_values_anywhere_longest_first() -> None:
    text = "owner is hunter2-admin; password hunter2; port 1"
    assert scrub(text, {"hunter2", "hunter2-admin", "1"}) == "owner is ***; password ***; port 1"


def test_loaded_secrets_are_hidden_from_log_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io
    import logging

    from assay.cli.app import configure_logging
    from assay.config import load_config
    from assay.redaction import RedactingFilter

    path = tmp_path / "assay.yaml"
    path.write_text("target: postgresql://u:${PW}@h/db\n", encoding="utf-8")
    load_config(path, environ={"PW": "log-secret-42"})
    configure_logging(0, False, "json")
    handler = logging.getLogger("assay").handlers[0]
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    stream = io.StringIO()
    probe = logging.StreamHandler(stream)
    probe.addFilter(RedactingFilter())
    log = logging.getLogger("assay.test.redaction")
    log.addHandler(probe)
    try:
        log.warning("could not connect with %s to %s", "log-secret-42", "postgresql://x:y1@h/db")
    finally:
        log.removeHandler(probe)
    assert stream.getvalue() == "could not connect with *** to postgresql://x:***@h/db\n"
