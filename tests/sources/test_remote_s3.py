"""Reading from S3 (a local moto server): same rows as local files, located errors.

The server runs in a thread bound to 127.0.0.1 on a free port, with IAM
authentication switched on after the fixtures are uploaded, so that wrong
credentials are really refused.  assay gets its credentials and endpoint from the
environment (``AWS_*`` variables, as botocore resolves them) or from
``storage_options``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pytest
import requests
import s3fs
from moto.server import ThreadedMotoServer

import assay.sources as sources
from assay.errors import InputError
from tests.conftest import SHOP

pytestmark = pytest.mark.s3

BUCKET = "assay-test"
REGION = "us-east-1"
FILES = ["customers.csv", "orders.jsonl", "order_items.csv", "payments.csv", "reviews.json"]
OBJECTS: dict[str, bytes] = {
    **{f"shop/{name}": (SHOP / name).read_bytes() for name in FILES},
    "shop/README.md": b"# not data: skipped when listing a prefix\n",
    "shop/archive/2024/customers.csv": (SHOP / "customers.csv").read_bytes(),
    "compressed/customers.csv.gz": gzip.compress((SHOP / "customers.csv").read_bytes(), mtime=0),
    "compressed/orders_export.jsonl": gzip.compress((SHOP / "orders.jsonl").read_bytes(), mtime=0),
}


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    key: str
    secret: str


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A moto S3 server on 127.0.0.1 holding the example files, with IAM auth enforced."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        assert host == "127.0.0.1"
        endpoint = f"http://{host}:{port}"
        setup = {
            "endpoint_url": endpoint,
            "region_name": REGION,
            "aws_access_key_id": "setup",
            "aws_secret_access_key": "setup",
        }
        iam = boto3.client("iam", **setup)
        iam.create_user(UserName="assay-reader")
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
        iam.put_user_policy(
            UserName="assay-reader", PolicyName="read", PolicyDocument=json.dumps(policy)
        )
        access = iam.create_access_key(UserName="assay-reader")["AccessKey"]
        s3 = boto3.client("s3", **setup)
        s3.create_bucket(Bucket=BUCKET)
        for key, body in OBJECTS.items():
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        # From now on every request must be signed with a known IAM access key.
        requests.post(f"{endpoint}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()
        try:
            yield S3Server(endpoint, access["AccessKeyId"], access["SecretAccessKey"])
        finally:
            requests.post(f"{endpoint}/moto-api/reset-auth", data=b"inf", timeout=10)
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def s3_env(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[S3Server]:
    """Credentials and endpoint in the environment only; no profile or config file."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    # fsspec caches filesystems (and their listings) across calls; each test starts clean
    # so that credentials and endpoints really come from what the test set.
    s3fs.S3FileSystem.clear_instance_cache()
    yield s3_server
    s3fs.S3FileSystem.clear_instance_cache()


# ---------------------------------------------------------------------- helpers
@dataclass
class Read:
    stream: sources.Stream
    table: pa.Table


def _read(inputs: str | list[str], **options: Any) -> tuple[sources.Source, list[Read]]:
    source = sources.open_source(inputs, **options)
    reads = []
    for stream in source.streams():
        batches = [b.data for b in stream.batches()]
        assert batches, stream.name
        reads.append(Read(stream, pa.Table.from_batches(batches)))
    return source, reads


def _quarantine(source: sources.Source) -> list[tuple[int | None, int | None, str, bytes]]:
    return [(q.line, q.record, q.code, q.raw) for q in source.quarantined]


@pytest.fixture(scope="module")
def local() -> dict[str, tuple[pa.Table, list[Any], sources.Detection]]:
    out = {}
    for name in FILES:
        source, reads = _read(str(SHOP / name))
        assert source.errors == []
        (read,) = reads
        out[name] = (read.table, _quarantine(source), read.stream.detection)
    return out


# ---------------------------------------------------------------------- reading
@pytest.mark.parametrize("name", FILES)
def test_s3_object_reads_like_the_local_file(name: str, local: dict[str, Any]) -> None:
    uri = f"s3://{BUCKET}/shop/{name}"

    source, reads = _read(uri)

    assert source.errors == []
    assert len(reads) == 1
    table, quarantine, detection = local[name]
    got = reads[0].stream.detection
    assert got.uri == uri
    assert got.compression is None
    assert got.format == detection.format
    assert got.encoding == detection.encoding
    assert got.dialect == detection.dialect
    assert got.columns == detection.columns
    assert got.size_bytes == len(OBJECTS[f"shop/{name}"])
    assert reads[0].table.equals(table)
    assert _quarantine(source) == quarantine
    assert {q.uri for q in source.quarantined} <= {uri}


def test_s3_prefix_lists_every_data_file_recursively_in_sorted_order(
    local: dict[str, Any],
) -> None:
    source, reads = _read(f"s3://{BUCKET}/shop/")

    assert source.errors == []
    assert [r.stream.detection.uri for r in reads] == [
        f"s3://{BUCKET}/shop/archive/2024/customers.csv",
        f"s3://{BUCKET}/shop/customers.csv",
        f"s3://{BUCKET}/shop/order_items.csv",
        f"s3://{BUCKET}/shop/orders.jsonl",
        f"s3://{BUCKET}/shop/payments.csv",
        f"s3://{BUCKET}/shop/reviews.json",
    ]
    names = ["customers.csv", "customers.csv", "order_items.csv"]
    names += ["orders.jsonl", "payments.csv", "reviews.json"]
    for read, name in zip(reads, names, strict=True):
        assert read.table.equals(local[name][0])


def test_s3_prefix_without_trailing_slash_and_pattern(local: dict[str, Any]) -> None:
    source, reads = _read(f"s3://{BUCKET}/shop", pattern="*.jsonl")

    assert source.errors == []
    assert [r.stream.detection.uri for r in reads] == [f"s3://{BUCKET}/shop/orders.jsonl"]
    assert reads[0].table.equals(local["orders.jsonl"][0])


def test_s3_glob_matches_only_that_level_in_sorted_order(local: dict[str, Any]) -> None:
    source, reads = _read(f"s3://{BUCKET}/shop/*.csv")

    assert source.errors == []
    assert [r.stream.detection.uri for r in reads] == [
        f"s3://{BUCKET}/shop/customers.csv",
        f"s3://{BUCKET}/shop/order_items.csv",
        f"s3://{BUCKET}/shop/payments.csv",
    ]
    for read, name in zip(reads, ["customers.csv", "order_items.csv", "payments.csv"], strict=True):
        assert read.table.equals(local[name][0])


@pytest.mark.parametrize(
    ("key", "name", "table"),
    [
        ("compressed/customers.csv.gz", "customers.csv", "customers"),
        ("compressed/orders_export.jsonl", "orders.jsonl", "orders_export"),
    ],
    ids=["gz-extension", "gzip-without-extension"],
)
def test_s3_gzipped_object_is_detected_and_read(
    key: str, name: str, table: str, local: dict[str, Any]
) -> None:
    uri = f"s3://{BUCKET}/{key}"

    source, reads = _read(uri)

    assert source.errors == []
    assert len(reads) == 1
    assert reads[0].stream.name == table
    detection = reads[0].stream.detection
    assert detection.uri == uri
    assert detection.compression == "gzip"
    assert detection.format == local[name][2].format
    assert reads[0].table.equals(local[name][0])
    assert _quarantine(source) == local[name][1]


@pytest.mark.parametrize("style", ["endpoint_url", "client_kwargs"])
def test_endpoint_from_storage_options(
    style: str, s3_env: S3Server, monkeypatch: pytest.MonkeyPatch, local: dict[str, Any]
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")  # only storage_options name the server
    options: dict[str, Any] = (
        {"endpoint_url": s3_env.endpoint}
        if style == "endpoint_url"
        else {"client_kwargs": {"endpoint_url": s3_env.endpoint}}
    )

    source, reads = _read(f"s3://{BUCKET}/shop/customers.csv", storage_options=options)

    assert source.errors == []
    assert [r.stream.detection.uri for r in reads] == [f"s3://{BUCKET}/shop/customers.csv"]
    assert reads[0].table.equals(local["customers.csv"][0])


def test_credentials_from_storage_options(
    s3_env: S3Server, monkeypatch: pytest.MonkeyPatch, local: dict[str, Any]
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    source, reads = _read(
        f"s3://{BUCKET}/shop/orders.jsonl",
        storage_options={"key": s3_env.key, "secret": s3_env.secret},
    )

    assert source.errors == []
    assert reads[0].table.equals(local["orders.jsonl"][0])


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "uri",
    [
        f"s3://{BUCKET}/shop/missing.csv",
        f"s3://{BUCKET}/nowhere/",
        f"s3://{BUCKET}/shop/*.parquet",
        "s3://no-such-bucket-assay/data.csv",
    ],
    ids=["key", "prefix", "glob", "bucket"],
)
def test_missing_object_is_a_not_found_error_naming_the_uri(uri: str) -> None:
    source, reads = _read(uri)

    assert reads == []
    assert len(source.errors) == 1
    error = source.errors[0]
    assert isinstance(error, InputError)
    assert error.code == "not_found"
    assert error.path == uri
    assert str(error).startswith(f"{uri}: ")


def test_missing_object_among_others_does_not_stop_them(local: dict[str, Any]) -> None:
    missing = f"s3://{BUCKET}/shop/missing.csv"
    uris = [f"s3://{BUCKET}/shop/customers.csv", missing, f"s3://{BUCKET}/shop/orders.jsonl"]

    source, reads = _read(uris)

    assert [(e.code, e.path) for e in source.errors] == [("not_found", missing)]
    assert [r.stream.detection.uri for r in reads] == [uris[0], uris[2]]
    assert reads[0].table.equals(local["customers.csv"][0])
    assert reads[1].table.equals(local["orders.jsonl"][0])


@pytest.mark.parametrize(
    "uri",
    [f"s3://{BUCKET}/shop/customers.csv", f"s3://{BUCKET}/shop/", f"s3://{BUCKET}/shop/*.csv"],
    ids=["key", "prefix", "glob"],
)
@pytest.mark.parametrize("via", ["environment", "storage_options"])
def test_wrong_credentials_are_a_clear_input_error(
    uri: str, via: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    options: dict[str, Any] = {}
    if via == "environment":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG0")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    else:
        options["storage_options"] = {"key": "AKIAWRONGWRONGWRONG0", "secret": "not-the-secret"}

    source, reads = _read(uri, **options)  # nothing raised: the error is collected

    assert reads == []
    assert len(source.errors) == 1
    error = source.errors[0]
    assert type(error) is InputError
    assert error.code == "permission_denied"
    assert error.path == uri
    assert str(error).startswith(f"{uri}: permission denied")
    assert "not-the-secret" not in str(error)
