#!/usr/bin/env python3
"""Verify the ``examples/shop`` dataset against its answer key ``dirty.yaml``.

Why: the dataset is ground truth for assay's tests and demos, so it has to be
exactly what the key says.  This script independently re-parses every file and
checks that

* ``generate_shop.py`` reproduces the committed files byte for byte (twice);
* the per-file facts (encoding, delimiter, line endings, preamble, header,
  record count) are true;
* every defect found by simple validators is listed in the key at the right
  physical line and record, and every listed defect is found (so there are no
  accidental, unlisted defects);
* keys are unique and foreign keys hold for clean records, and the money adds up.

Run ``python examples/shop/check.py``; the exit status is 1 on any problem.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SHOP = HERE.parent / "shop"
GENERATED = (
    "customers.csv", "orders.jsonl", "order_items.csv", "payments.csv", "reviews.json",
    "dirty.yaml", "README.md",
)  # fmt: skip
MAX_TOTAL_BYTES = 600_000

# (file, line, record, kind, field, value): how a defect is identified.
Finding = tuple[str, int, int, str, str | None, str | None]
# Validates one field value; returns a defect kind or None.
Validator = Callable[[str], str | None]

COUNTRIES = {"DE", "AT", "CH", "FR", "ES", "IT", "NL", "GB", "US", "SE"}
CURRENCIES = {"EUR", "USD", "GBP", "CHF", "SEK"}
STATUSES = {"placed", "paid", "shipped", "delivered", "cancelled", "returned"}


# --------------------------------------------------------------------------- #
# Field validators: each returns None when fine, else the defect kind.
# --------------------------------------------------------------------------- #


def matches(pattern: str, kind: str = "bad_value") -> Validator:
    """Validator for a regular expression; failures are reported as ``kind``."""
    rx = re.compile(pattern)
    return lambda v: None if rx.fullmatch(v) else kind


def iso_date(v: str) -> str | None:
    """Strict ISO date: shape first, then calendar validity."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return "bad_value"
    try:
        date.fromisoformat(v)
    except ValueError:
        return "bad_date"
    return None


def iso_timestamp(v: str) -> str | None:
    """ISO 8601 with seconds and an explicit offset or Z."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", v):
        return "bad_value"
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return "bad_date"
    return None


def de_datetime(v: str) -> str | None:
    """German ``DD.MM.YYYY HH:MM``."""
    if not re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", v):
        return "bad_value"
    try:
        datetime.strptime(v, "%d.%m.%Y %H:%M")
    except ValueError:
        return "bad_date"
    return None


INT = matches(r"[1-9]\d*", "bad_number")
DOT_MONEY = matches(r"\d+\.\d{2}", "bad_number")
OPT_DOT_MONEY = matches(r"(\d+\.\d{2})?", "bad_number")
DE_MONEY = matches(r"-?\d{1,3}(\.\d{3})*,\d{2}", "bad_number")

CSV_VALIDATORS: dict[str, dict[str, Validator]] = {
    "customers.csv": {
        "customer_id": INT,
        "email": matches(r"[a-z0-9._+]+@[a-z0-9.-]+\.[a-z]{2,}"),
        "first_name": matches(r"\S.*"),
        "last_name": matches(r"\S.*"),
        "phone": matches(r"(\+[1-9]\d{7,14})?"),
        "country": lambda v: None if v in COUNTRIES else "bad_value",
        "signup_date": iso_date,
        "is_vip": matches(r"true|false"),
        "postal_code": matches(r"[0-9A-Z][0-9A-Z ]{2,7}"),
        "segment": matches(r"retail|online|wholesale|partner"),
    },
    "order_items.csv": {
        "order_id": INT,
        "line_no": INT,
        "sku": matches(r"SKU-\d{5}"),
        "product_name": matches(r"\S.*"),
        "quantity": INT,
        "unit_price": DOT_MONEY,
        "discount_pct": OPT_DOT_MONEY,
    },
    "payments.csv": {
        "payment_id": INT,
        "order_id": INT,
        "paid_at": de_datetime,
        "amount": DE_MONEY,
        "currency": lambda v: None if v in CURRENCIES else "bad_value",
        "method": matches(r"Überweisung|Kreditkarte|Lastschrift|PayPal"),
        "reference": matches(r"\S.*"),
    },
}
CSV_KEYS = {
    "customers.csv": ("customer_id",),
    "order_items.csv": ("order_id", "line_no"),
    "payments.csv": ("payment_id",),
}


# --------------------------------------------------------------------------- #
# Parsing helpers
# --------------------------------------------------------------------------- #


class Problems(list[str]):
    """Collects human-readable problems instead of stopping at the first one."""

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.append(message)


def physical_lines(data: bytes, terminator: str, name: str, problems: Problems) -> list[bytes]:
    """Split on the declared terminator after checking it is used consistently."""
    term = b"\r\n" if terminator == "CRLF" else b"\n"
    if terminator == "CRLF":
        problems.check(data.count(b"\n") == data.count(b"\r\n"), f"{name}: bare LF found")
    else:
        problems.check(b"\r" not in data, f"{name}: CR found in an LF file")
    problems.check(data.endswith(term), f"{name}: last line lacks its terminator")
    return data.split(term)[:-1]


def strings(obj: object) -> Iterator[tuple[str, str]]:
    """All (dotted path, string value) pairs inside a JSON value."""
    stack: list[tuple[str, object]] = [("", obj)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k}".lstrip("."), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))


# --------------------------------------------------------------------------- #
# Per-format checks.  Each returns the defects it finds plus the clean records.
# --------------------------------------------------------------------------- #


def check_csv(
    name: str, facts: dict[str, Any], problems: Problems
) -> tuple[list[Finding], list[dict[str, str]], set[int]]:
    """Find defects in a delimited file; return findings, clean rows, dirty line numbers."""
    data = (SHOP / name).read_bytes()
    lines = physical_lines(data, str(facts["line_terminator"]), name, problems)
    encoding, delimiter = str(facts["encoding"]), str(facts["delimiter"])
    columns = list(facts["columns"])
    preamble = int(facts["preamble_lines"])
    problems.check(data[:3] != b"\xef\xbb\xbf", f"{name}: unexpected BOM")
    for k in range(preamble):
        problems.check(delimiter.encode() not in lines[k], f"{name}: delimiter in preamble")
    header = next(csv.reader([lines[preamble].decode(encoding)], delimiter=delimiter))
    problems.check(header == columns, f"{name}: header {header} != {columns}")

    findings: list[Finding] = []
    clean: list[dict[str, str]] = []
    dirty_lines: set[int] = set()
    seen_keys: set[tuple[str, ...]] = set()
    previous: bytes | None = None
    validators = CSV_VALIDATORS[name]
    first_data = preamble + 2  # 1-based line of the first data record
    for offset, raw in enumerate(lines[preamble + 1 :]):
        line, record = first_data + offset, offset + 1
        found: list[Finding] = []
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
            fields = next(csv.reader([text], delimiter=delimiter))
            bad = [c for c, v in zip(columns, fields, strict=False) if not v.isascii()]
            value = fields[columns.index(bad[0])] if bad else None
            found.append((name, line, record, "undecodable_byte", bad[0] if bad else None, value))
        parsed = list(csv.reader([text], delimiter=delimiter))
        problems.check(len(parsed) == 1, f"{name}:{line}: record spans several lines")
        fields = parsed[0]
        if raw == previous:
            found.append((name, line, record, "duplicate", None, None))
        elif len(fields) != len(columns):
            found.append((name, line, record, "ragged_row", None, None))
        else:
            row = dict(zip(columns, fields, strict=True))
            for col, check in validators.items():
                kind = check(row[col])
                if kind is not None:
                    found.append((name, line, record, kind, col, row[col]))
            key = tuple(row[c] for c in CSV_KEYS[name])
            problems.check(key not in seen_keys, f"{name}:{line}: unlisted duplicate key {key}")
            seen_keys.add(key)
            if not found:
                clean.append(row)
        previous = raw
        findings.extend(found)
        if found:
            dirty_lines.add(line)
    problems.check(len(lines) - preamble - 1 == facts["records"], f"{name}: record count")
    return findings, clean, dirty_lines


def check_jsonl(
    name: str, facts: dict[str, Any], problems: Problems
) -> tuple[list[Finding], list[dict[str, Any]]]:
    """Find defects in a JSON Lines file; return findings and clean records."""
    data = (SHOP / name).read_bytes()
    lines = physical_lines(data, str(facts["line_terminator"]), name, problems)
    problems.check(len(lines) == facts["records"], f"{name}: record count")
    columns = set(facts["columns"])
    findings: list[Finding] = []
    clean: list[dict[str, Any]] = []
    seen: set[object] = set()
    previous: bytes | None = None
    for n, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8")
        found: list[Finding] = []
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            findings.append((name, n, n, "invalid_json", None, text))
            previous = raw
            continue
        if raw == previous:
            found.append((name, n, n, "duplicate", None, None))
        else:
            problems.check(set(obj) <= columns, f"{name}:{n}: unexpected keys")
            kind = iso_timestamp(obj["ordered_at"])
            if kind:
                found.append((name, n, n, kind, "ordered_at", obj["ordered_at"]))
            problems.check(obj["status"] in STATUSES, f"{name}:{n}: status")
            problems.check(obj["currency"] in CURRENCIES, f"{name}:{n}: currency")
            problems.check(
                re.search(r'"total": \d+\.\d{2},', text) is not None,
                f"{name}:{n}: total not written with 2 decimals",
            )
            problems.check(isinstance(obj["shipping"]["postal_code"], str), f"{name}:{n}: postal")
            problems.check(obj["order_id"] not in seen, f"{name}:{n}: unlisted duplicate key")
            seen.add(obj["order_id"])
            if not found:
                clean.append(obj)
        findings.extend(found)
        previous = raw
    return findings, clean


def check_json(
    name: str, facts: dict[str, Any], problems: Problems
) -> tuple[list[Finding], list[dict[str, Any]]]:
    """Find defects in the pretty-printed JSON array; return findings and clean records."""
    data = (SHOP / name).read_bytes()
    lines = physical_lines(data, str(facts["line_terminator"]), name, problems)
    records = json.loads(data.decode("utf-8"))
    starts = [n for n, ln in enumerate(lines, start=1) if ln == b"  {"]
    problems.check(len(starts) == len(records) == facts["records"], f"{name}: record count")
    findings: list[Finding] = []
    clean: list[dict[str, Any]] = []
    seen: set[object] = set()
    for n, (line, obj) in enumerate(zip(starts, records, strict=True), start=1):
        found: list[Finding] = []
        problems.check(list(obj) == facts["columns"], f"{name}:{line}: keys")
        if n > 1 and obj == records[n - 2]:
            found.append((name, line, n, "duplicate", None, None))
        else:
            for path, value in strings(obj):
                if value.strip().upper() in {"N/A", "NA", "NULL", "NONE", "-", ""}:
                    found.append((name, line, n, "null_token", path, value))
            kind = iso_timestamp(obj["created_at"])
            if kind:
                found.append((name, line, n, kind, "created_at", obj["created_at"]))
            if obj["rating"] != "N/A":
                problems.check(obj["rating"] in range(1, 6), f"{name}:{line}: rating")
            problems.check(obj["review_id"] not in seen, f"{name}:{line}: unlisted duplicate key")
            seen.add(obj["review_id"])
            if not found:
                clean.append(obj)
        findings.extend(found)
    return findings, clean


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #


def check_reproducible(problems: Problems) -> None:
    """Two fresh runs must match each other and the committed files."""
    digests: list[dict[str, str]] = []
    for _ in range(2):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, str(HERE / "generate_shop.py"), "--out", tmp],
                check=True,
                capture_output=True,
            )
            digests.append(
                {n: hashlib.sha256((Path(tmp) / n).read_bytes()).hexdigest() for n in GENERATED}
            )
    problems.check(digests[0] == digests[1], "generate_shop.py is not deterministic")
    for n in GENERATED:
        committed = hashlib.sha256((SHOP / n).read_bytes()).hexdigest()
        problems.check(committed == digests[0][n], f"{n} is stale: re-run generate_shop.py")


def money(v: Decimal) -> Decimal:
    return v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def main() -> int:
    problems = Problems()
    check_reproducible(problems)
    key = yaml.safe_load((SHOP / "dirty.yaml").read_text("utf-8"))
    files: dict[str, dict[str, Any]] = key["files"]
    size = sum((SHOP / n).stat().st_size for n in GENERATED)
    problems.check(size < MAX_TOTAL_BYTES, f"dataset too large: {size} bytes")

    f_c, customers, _ = check_csv("customers.csv", files["customers.csv"], problems)
    f_o, orders = check_jsonl("orders.jsonl", files["orders.jsonl"], problems)
    f_i, items, item_dirty_lines = check_csv("order_items.csv", files["order_items.csv"], problems)
    f_p, payments, pay_dirty_lines = check_csv("payments.csv", files["payments.csv"], problems)
    f_r, reviews = check_json("reviews.json", files["reviews.json"], problems)
    found = f_c + f_o + f_i + f_p + f_r

    expected = {
        (d["file"], d["line"], d["record"], d["kind"], d["field"], d["value"]) for d in key["dirty"]
    }
    for f in sorted(set(found) - expected, key=str):
        problems.append(f"defect not in dirty.yaml: {f}")
    for f in sorted(expected - set(found), key=str):
        problems.append(f"dirty.yaml item not found in the data: {f}")
    problems.check(len(key["dirty"]) == len(expected), "dirty.yaml lists an item twice")
    for d in key["dirty"]:
        if "byte_offset" in d:
            byte = (SHOP / d["file"]).read_bytes()[d["byte_offset"]]
            problems.check(f"0x{byte:02X}" == d["byte"], f"byte_offset of {d} points at {byte}")

    # Foreign keys, checked on clean records only.
    customer_ids = {int(c["customer_id"]) for c in customers}
    order_by_id = {int(o["order_id"]): o for o in orders}
    for o in orders:
        problems.check(o["customer_id"] in customer_ids, f"orders: orphan customer in {o}")
    for row in items + payments:
        problems.check(int(row["order_id"]) in order_by_id, f"orphan order_id in {row}")
    for r in reviews:
        order = order_by_id.get(r["order_id"])
        problems.check(order is not None, f"reviews: orphan order_id {r['order_id']}")
        problems.check(r["customer_id"] in customer_ids, f"reviews: orphan customer {r}")
        if order is not None:
            problems.check(order["customer_id"] == r["customer_id"], f"reviews: buyer {r}")

    # Money: order total = sum of item lines; payments (no refunds) = total.
    item_file = (SHOP / "order_items.csv").read_bytes().split(b"\r\n")
    skip_items = {int(item_file[n - 1].split(b",")[0]) for n in item_dirty_lines}
    pay_file = (SHOP / "payments.csv").read_bytes().split(b"\r\n")
    skip_pay = {int(pay_file[n - 1].split(b";")[1]) for n in pay_dirty_lines}
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for it in items:
        pct = Decimal(it["discount_pct"] or "0")
        line_total = int(it["quantity"]) * Decimal(it["unit_price"]) * (100 - pct) / 100
        sums[int(it["order_id"])] += money(line_total)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for p in payments:
        amount = Decimal(p["amount"].replace(".", "").replace(",", "."))
        if amount > 0:
            paid[int(p["order_id"])] += amount
    for oid, o in order_by_id.items():
        total = Decimal(str(o["total"]))
        if oid not in skip_items:
            problems.check(sums[oid] == total, f"order {oid}: items {sums[oid]} != {total}")
        if oid in paid and oid not in skip_pay:
            problems.check(paid[oid] == total, f"order {oid}: paid {paid[oid]} != {total}")

    for p in problems:
        print("PROBLEM:", p)
    counts = ", ".join(f"{n}={files[n]['records']}" for n in files)
    print(
        f"{'FAILED' if problems else 'OK'}: {len(key['dirty'])} dirty items, records {counts}, "
        f"{size} bytes"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
