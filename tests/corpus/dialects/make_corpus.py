"""Generate the delimited-text dialect corpus used to test assay's sniffer.

Run ``python tests/corpus/dialects/make_corpus.py`` to (re)write every file under
``files/`` and the answer key ``expected.yaml`` next to this script.  The script uses
only the standard library and is fully deterministic: every case draws its data from a
``random.Random`` seeded with the file name, so re-running it reproduces the committed
bytes exactly (``verify_corpus.py`` checks that).

The answer key is the ``@case(...)`` arguments below: each case states, by hand, the
dialect a careful data engineer would agree on (encoding, delimiter, quoting, header,
preamble, comments, line terminator, shape) and a builder function that renders a file
matching it.  Builders read the row count and column names from the stated expectation
so there is a single source of truth; ``verify_corpus.py`` then re-parses each file with
Python's ``csv`` module under the stated dialect and checks the shape independently.

Fields of an ``expected.yaml`` entry (all always present):

* ``encoding`` - Python codec name (``utf-8`` also for pure ASCII, ``utf-8-sig`` for a
  UTF-8 BOM, ``utf-16-le``/``utf-16-be`` for UTF-16 with BOM, ``cp1252``, ``iso8859-1``...).
* ``encoding_alternatives`` - other codecs that decode the bytes to identical text
  (only listed for files containing non-ASCII bytes).
* ``bom`` - the file starts with a byte-order mark.
* ``delimiter``, ``quotechar`` (``null``: no quoting used), ``escapechar`` (``"\\\\"`` for
  backslash-escaped quotes, ``null`` for doubled quotes or no quoting).
* ``header``, ``skip_rows`` (physical lines before the header / first record, blank
  lines included), ``skip_rows_alternatives`` (other acceptable skip counts, e.g. a tool
  may skip leading ``#`` comment lines as preamble instead of treating them as comments).
* ``comment``, ``line_terminator`` (``LF``/``CRLF``/``CR``), ``trailing_delimiter``,
  ``final_newline``.
* ``columns`` (real columns), ``rows`` (data records), ``ragged_rows`` (records whose
  field count differs from ``columns``), ``column_names`` (``null`` without header).
* ``tags`` - case categories, ``notes`` - why the file is tricky.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FILES_DIR = HERE / "files"
EXPECTED_PATH = HERE / "expected.yaml"

TERMINATORS: dict[str, str] = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}

Expected = dict[str, Any]
Builder = Callable[[random.Random, Expected], str]

# Key order of every expected.yaml entry.
EXPECTED_KEYS: tuple[str, ...] = (
    "encoding",
    "encoding_alternatives",
    "bom",
    "delimiter",
    "quotechar",
    "escapechar",
    "header",
    "skip_rows",
    "skip_rows_alternatives",
    "comment",
    "line_terminator",
    "trailing_delimiter",
    "final_newline",
    "columns",
    "rows",
    "ragged_rows",
    "column_names",
    "tags",
    "notes",
)


# --------------------------------------------------------------------------- data pools

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Emma", "Felix", "Grace", "Henry", "Isabel", "Jonas",
    "Kate", "Liam", "Maria", "Noah", "Olivia", "Paul", "Rachel", "Samuel", "Tara", "Victor",
    "Wendy", "Xavier", "Yara", "Zach",
)  # fmt: skip
LAST_NAMES = (
    "Schmidt", "Miller", "Garcia", "Johnson", "Rossi", "Dubois", "Kowalski", "Nguyen",
    "Patel", "Andersen", "Silva", "Novak", "Fischer", "Brown", "Taylor", "Murphy", "Costa",
    "Jansen", "Weber", "Lopez",
)  # fmt: skip
CITIES = (
    "Berlin", "Hamburg", "Munich", "Paris", "Lyon", "Madrid", "Lisbon", "Vienna", "Zurich",
    "Amsterdam", "Oslo", "Dublin", "Chicago", "Austin", "Toronto", "Denver", "Seattle",
    "Boston", "Prague", "Warsaw",
)  # fmt: skip
CITY_COUNTRY = (
    ("Berlin", "Germany"), ("Hamburg", "Germany"), ("Paris", "France"), ("Lyon", "France"),
    ("Madrid", "Spain"), ("Lisbon", "Portugal"), ("Vienna", "Austria"), ("Oslo", "Norway"),
    ("Dublin", "Ireland"), ("Chicago", "United States"), ("Toronto", "Canada"),
    ("Prague", "Czechia"), ("Warsaw", "Poland"), ("Amsterdam", "Netherlands"),
)  # fmt: skip
CITIES_WITH_COMMA = (
    "Washington, D.C.", "Portland, OR", "Portland, ME", "Springfield, IL", "Paris, TX",
    "London, Ontario", "Frankfurt, Oder", "Cambridge, MA", "Athens, GA", "Vancouver, WA",
)  # fmt: skip
STREETS = (
    "Main St", "Oak Avenue", "Elm Road", "Harbour Lane", "Station Road", "Mill Street",
    "Park Avenue", "Church Lane", "King Street", "Lake Drive",
)  # fmt: skip
COMPANIES = (
    "Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Hooli", "Vandelay Industries",
    "Stark Logistics", "Wayne Foods", "Tyrell GmbH", "Soylent BV",
)  # fmt: skip
COMPANIES_WITH_COMMA = (
    "Smith, Jones & Co", "Baker, Lewis and Partners", "Nord, Sud GmbH", "Hill, Stone Ltd",
)  # fmt: skip
PRODUCTS = (
    "Desk lamp", "Office chair", "USB-C cable", "Standing desk", "Monitor arm", "Notebook A5",
    "Wireless mouse", "Mechanical keyboard", "Webcam HD", "Headset", "Whiteboard",
    "Paper shredder", "Label printer", "Desk organiser", "Laptop stand",
)  # fmt: skip
DEPARTMENTS = (
    "Finance", "Sales", "Engineering", "Marketing", "Legal", "Support", "Operations",
    "Human Resources", "Procurement", "Research",
)  # fmt: skip
COMMENTS_WITH_COMMAS = (
    "Delivered late, customer informed",
    "Paid in full",
    "Invoice resent, address corrected, awaiting payment",
    "Called twice, left voicemail",
    "Discount applied",
    "Partial refund, item damaged in transit",
    "New customer",
    "Wants quarterly billing, not monthly",
    "Reorder expected in March, April or May",
    "No issues",
    "Gift wrap, express shipping, note attached",
    "Returned unopened",
)
FEEDBACK_WITH_COMMAS = (
    "Fast, friendly, would order again",
    "Item arrived broken, replacement sent quickly",
    "Great value",
    "Good product, slow delivery",
    "Packaging was excessive, otherwise fine",
    "Perfect",
    "Support answered within minutes, very helpful, thanks",
    "Colour differs from the photo",
    "Okay, nothing special",
    "Would recommend to friends, family and colleagues",
    "Too expensive for what it is",
)
GERMAN_NAMES = (
    "Müller", "Schäfer", "Köhler", "Groß", "Weiß", "Becker", "Hoffmann", "Schulz", "Krüger",
    "Wagner", "Böhm", "Jäger",
)  # fmt: skip
GERMAN_CITIES = (
    "Berlin", "Köln", "München", "Düsseldorf", "Nürnberg", "Frankfurt am Main", "Stuttgart",
    "Leipzig", "Dresden", "Bremen", "Lübeck", "Würzburg",
)  # fmt: skip
FRENCH_NAMES = (
    "Émilie Lefèvre", "François Dubois", "Hélène Marchand", "Zoë Laurent", "Jérôme Girard",
    "Cécile Rousseau", "Noël Fontaine", "Agnès Mercier", "Raphaël Chevalier", "Inès Garnier",
    "José Martínez", "Begoña Ibáñez", "João Gonçalves", "Søren Jørgensen", "Ångström Lund",
)  # fmt: skip
FRENCH_CITIES = (
    "Besançon", "Orléans", "Nîmes", "Saint-Étienne", "Créteil", "Málaga", "Córdoba", "Évry",
    "Fréjus", "Montréal", "Québec", "Göteborg",
)  # fmt: skip
RUSSIAN_NAMES = (
    "Иванов Иван", "Петрова Мария", "Смирнов Алексей", "Кузнецова Ольга", "Попов Дмитрий",
    "Соколова Анна", "Лебедев Сергей", "Козлова Елена", "Новиков Андрей", "Морозова Наталья",
)  # fmt: skip
RUSSIAN_CITIES = (
    "Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Казань", "Нижний Новгород",
    "Самара", "Омск",
)  # fmt: skip
SENTENCES = (
    "The customer reported that the invoice total does not match the quote.",
    "Shipment was delayed by weather, so we agreed to refund the shipping costs.",
    "Printer on the third floor jams on every duplex job.",
    "Tried restarting the service, clearing the cache and reinstalling, no luck.",
    "Contract renewal is pending approval from the legal team.",
    "Warehouse confirmed the pallet left on Tuesday, tracking number to follow.",
    "User cannot log in after the password reset.",
    "Quarterly review is scheduled for next week, agenda attached.",
    "The missing customs form was sent to the carrier this morning.",
    "Laptop battery drains within two hours, even when idle.",
    "Please add the new cost centre to the March budget.",
    "Vendor asked whether we can move the delivery to Friday.",
    "Screen flickers when connected to the docking station, cable already replaced.",
    "Approved by finance, pending signature from the department head.",
    "Customer wants a call back before noon.",
    "VPN drops every few minutes on the hotel network.",
)
SHORT_NOTES = (
    "Ring the bell twice.", "Leave at reception.", "Call before delivery.",
    "Side entrance.", "Closed on Mondays.", "Ask for the facilities manager.",
)  # fmt: skip

QUOTES_WITH_DOUBLE_QUOTES = (
    'The "Pro" model is worth it',
    'Says "waterproof", it is not',
    "Solid build, no complaints",
    'Box was labelled "fragile" but arrived crushed',
    "Battery lasts two days",
    'My kids call it the "magic lamp"',
    'Manual says "tighten firmly", screws stripped',
    "Exactly as described",
)


# ------------------------------------------------------------------------ value helpers


def full_name(rng: random.Random) -> str:
    """Return a random "First Last" name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def rand_date(rng: random.Random, start: date = date(2023, 1, 1), days: int = 540) -> date:
    """Return a random date within ``days`` days after ``start``."""
    return start + timedelta(days=rng.randrange(days))


def iso(d: date) -> str:
    """Format a date as ISO 8601 (2024-03-15)."""
    return d.isoformat()


def de_date(d: date) -> str:
    """Format a date the German way (15.03.2024)."""
    return d.strftime("%d.%m.%Y")


def us_date(d: date) -> str:
    """Format a date the US way (03/15/2024)."""
    return d.strftime("%m/%d/%Y")


def money(rng: random.Random, lo: float = 5.0, hi: float = 5000.0) -> float:
    """Return a random amount rounded to cents."""
    return round(rng.uniform(lo, hi), 2)


def dot_amount(x: float) -> str:
    """Format an amount with a decimal point and no grouping (1234.56)."""
    return f"{x:.2f}"


def us_grouped(x: float) -> str:
    """Format an amount with comma grouping and decimal point (1,234.56)."""
    return f"{x:,.2f}"


def eu_amount(x: float) -> str:
    """Format an amount with dot grouping and decimal comma (1.234,56)."""
    return f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def email_for(name: str, n: int) -> str:
    """Derive a plausible e-mail address from a name."""
    first, _, last = name.lower().partition(" ")
    domain = ("example.com", "mail.example.org", "corp.example.net")[n % 3]
    return f"{first}.{last}{n if n % 4 == 0 else ''}@{domain}"


def sentence(rng: random.Random) -> str:
    """Return a realistic free-text sentence (many contain commas)."""
    return rng.choice(SENTENCES)


def paragraph(rng: random.Random, min_chars: int) -> str:
    """Return sentences joined by spaces until the text is at least ``min_chars`` long."""
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < min_chars:
        parts.append(sentence(rng))
    return " ".join(parts)


# ---------------------------------------------------------------------- writing helpers


def fmt_field(
    value: str,
    delimiter: str,
    quotechar: str | None,
    force: bool = False,
    escapechar: str | None = None,
) -> str:
    """Render one field; quote it when forced or when it needs quoting."""
    if quotechar is None:
        if delimiter in value or "\n" in value or "\r" in value:
            raise ValueError(f"unquoted field needs quoting: {value!r}")
        return value
    needs = force or any(c in value for c in (delimiter, quotechar, "\n", "\r"))
    if not needs:
        return value
    if escapechar:
        inner = value.replace(escapechar, escapechar * 2).replace(quotechar, escapechar + quotechar)
    else:
        inner = value.replace(quotechar, quotechar * 2)
    return f"{quotechar}{inner}{quotechar}"


def fmt_row(
    values: Sequence[object],
    delimiter: str = ",",
    quotechar: str | None = None,
    force: bool | Sequence[bool] = False,
    escapechar: str | None = None,
    trailing: bool = False,
) -> str:
    """Render one record; ``force`` quotes all fields (or those flagged per column)."""
    flags = [force] * len(values) if isinstance(force, bool) else list(force)
    out = delimiter.join(
        fmt_field(str(v), delimiter, quotechar, f, escapechar)
        for v, f in zip(values, flags, strict=True)
    )
    return out + delimiter if trailing else out


def render(lines: Sequence[str], exp: Expected) -> str:
    """Join physical lines/records with the expected terminator (and final newline)."""
    term = TERMINATORS[exp["line_terminator"]]
    text = term.join(lines)
    return text + term if exp["final_newline"] else text


def table(
    exp: Expected,
    rows: Sequence[Sequence[object]],
    preamble: Sequence[str] = (),
    force: bool | Sequence[bool] = False,
    header_force: bool | None = None,
) -> str:
    """Render preamble + header (when expected) + rows using the expected dialect."""
    kw: dict[str, Any] = {
        "delimiter": exp["delimiter"],
        "quotechar": exp["quotechar"],
        "escapechar": exp["escapechar"],
        "trailing": exp["trailing_delimiter"],
    }
    lines = list(preamble)
    if exp["header"]:
        hforce: bool | Sequence[bool] = force if header_force is None else header_force
        lines.append(fmt_row(exp["column_names"], force=hforce, **kw))
    lines.extend(fmt_row(r, force=force, **kw) for r in rows)
    return render(lines, exp)


def encode(text: str, exp: Expected) -> bytes:
    """Encode decoded text to file bytes per the expected encoding and BOM flag."""
    enc = exp["encoding"]
    if enc == "utf-8-sig":
        return text.encode("utf-8-sig")
    if enc in ("utf-16-le", "utf-16-be") and exp["bom"]:
        return ("\ufeff" + text).encode(enc)
    return text.encode(enc)


# ------------------------------------------------------------------------ case registry


@dataclass(frozen=True)
class Case:
    """One corpus file: its name, hand-stated expectation and the builder that renders it."""

    name: str
    expected: Expected
    build: Builder

    def text(self) -> str:
        """Return the decoded file content (BOM excluded)."""
        return self.build(random.Random(self.name), self.expected)

    def data(self) -> bytes:
        """Return the file's bytes."""
        return encode(self.text(), self.expected)


CASES: list[Case] = []


def expect(
    *,
    columns: int,
    rows: int,
    notes: str,
    tags: Sequence[str],
    column_names: Sequence[str] | None = None,
    encoding: str = "utf-8",
    encoding_alternatives: Sequence[str] = (),
    bom: bool = False,
    delimiter: str = ",",
    quotechar: str | None = None,
    escapechar: str | None = None,
    header: bool = True,
    skip_rows: int = 0,
    skip_rows_alternatives: Sequence[int] = (),
    comment: str | None = None,
    line_terminator: str = "LF",
    trailing_delimiter: bool = False,
    final_newline: bool = True,
    ragged_rows: int = 0,
) -> Expected:
    """Build one expected entry with every key present, in canonical order."""
    if header != (column_names is not None):
        raise ValueError("column_names must be given exactly when header is true")
    if column_names is not None and len(column_names) != columns:
        raise ValueError("len(column_names) != columns")
    entry: Expected = {
        "encoding": encoding,
        "encoding_alternatives": list(encoding_alternatives),
        "bom": bom or encoding == "utf-8-sig",
        "delimiter": delimiter,
        "quotechar": quotechar,
        "escapechar": escapechar,
        "header": header,
        "skip_rows": skip_rows,
        "skip_rows_alternatives": list(skip_rows_alternatives),
        "comment": comment,
        "line_terminator": line_terminator,
        "trailing_delimiter": trailing_delimiter,
        "final_newline": final_newline,
        "columns": columns,
        "rows": rows,
        "ragged_rows": ragged_rows,
        "column_names": list(column_names) if column_names is not None else None,
        "tags": list(tags),
        "notes": notes,
    }
    assert tuple(entry) == EXPECTED_KEYS
    return entry


def case(name: str, **kwargs: Any) -> Callable[[Builder], Builder]:
    """Register a builder under ``name`` with the expectation given by ``kwargs``."""

    def register(fn: Builder) -> Builder:
        if any(c.name == name for c in CASES):
            raise ValueError(f"duplicate case {name}")
        CASES.append(Case(name, expect(**kwargs), fn))
        return fn

    return register


# =============================================================================== cases
# ---------------------------------------------------------------- plain / line endings


@case(
    "plain_comma.csv",
    columns=6,
    rows=25,
    column_names=["id", "first_name", "last_name", "city", "amount", "order_date"],
    tags=["comma", "baseline"],
    notes="Baseline: comma, header, LF, no quoting needed anywhere.",
)
def _plain_comma(rng: random.Random, exp: Expected) -> str:
    rows = [
        [1000 + i, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(CITIES),
         dot_amount(money(rng)), iso(rand_date(rng))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "comma_crlf_minimal_quoting.csv",
    columns=5,
    rows=30,
    column_names=["customer", "company", "city", "country", "balance"],
    quotechar='"',
    line_terminator="CRLF",
    tags=["comma", "crlf", "quoted_delimiter"],
    notes="Windows CRLF; only fields containing a comma are quoted (csv QUOTE_MINIMAL).",
)
def _comma_crlf(rng: random.Random, exp: Expected) -> str:
    rows = []
    for i in range(exp["rows"]):
        company = rng.choice(COMPANIES_WITH_COMMA if i % 3 == 0 else COMPANIES)
        city = rng.choice(CITIES_WITH_COMMA) if i % 4 == 1 else rng.choice(CITIES)
        country = "United States" if "," in city else rng.choice(CITY_COUNTRY)[1]
        rows.append([full_name(rng), company, city, country, dot_amount(money(rng, -500))])
    return table(exp, rows)


@case(
    "comma_cr_only_old_mac.csv",
    columns=4,
    rows=15,
    column_names=["sku", "product", "qty", "unit_price"],
    line_terminator="CR",
    tags=["comma", "cr"],
    notes="Classic Mac OS line endings: records end with a bare CR, no LF anywhere.",
)
def _cr_only(rng: random.Random, exp: Expected) -> str:
    rows = [
        [f"SKU-{4000 + 7 * i}", rng.choice(PRODUCTS), rng.randint(1, 40),
         dot_amount(money(rng, 2, 400))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "comma_iso_timestamps.csv",
    columns=5,
    rows=30,
    column_names=["event_id", "user", "event", "occurred_at", "duration_ms"],
    tags=["comma", "colon_in_values"],
    notes="Every row has ISO timestamps with two ':' each; the delimiter is still ','.",
)
def _iso_timestamps(rng: random.Random, exp: Expected) -> str:
    events = ("login", "logout", "view_page", "add_to_cart", "checkout", "search")
    rows = []
    for i in range(exp["rows"]):
        d = rand_date(rng)
        ts = f"{iso(d)}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        rows.append([9000 + i, f"user{rng.randint(1, 80):03d}", rng.choice(events), ts,
                     rng.randint(5, 90000)])  # fmt: skip
    return table(exp, rows)


@case(
    "no_final_newline.csv",
    columns=4,
    rows=15,
    column_names=["invoice", "customer", "due_date", "total"],
    final_newline=False,
    tags=["comma", "no_final_newline"],
    notes="The last record is not terminated by a newline.",
)
def _no_final_newline(rng: random.Random, exp: Expected) -> str:
    rows = [
        [f"INV-2024-{i + 1:04d}", full_name(rng), iso(rand_date(rng)), dot_amount(money(rng))]
        for i in range(exp["rows"])
    ]
    return table(exp, rows)


# ------------------------------------------------------------- semicolon / decimal comma


@case(
    "semicolon_decimal_comma.csv",
    columns=4,
    rows=40,
    column_names=["Kunde", "Stadt", "Betrag", "Datum"],
    delimiter=";",
    tags=["semicolon", "decimal_comma"],
    notes="German export: ';' delimiter, amounts like 1.234,56 (comma is the decimal mark).",
)
def _semicolon_decimal(rng: random.Random, exp: Expected) -> str:
    rows = [
        [rng.choice(GERMAN_NAMES), rng.choice(GERMAN_CITIES), eu_amount(money(rng, 1, 25000)),
         de_date(rand_date(rng))]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "semicolon_decimal_comma_cp1252_preamble.csv",
    columns=4,
    rows=30,
    column_names=["Filiale", "Verkäufer", "Umsatz", "Datum"],
    delimiter=";",
    encoding="cp1252",
    skip_rows=2,
    line_terminator="CRLF",
    tags=["semicolon", "decimal_comma", "cp1252", "preamble", "crlf"],
    notes="cp1252 with '€' (byte 0x80) in every amount, 2-line report preamble, CRLF.",
)
def _semicolon_cp1252_preamble(rng: random.Random, exp: Expected) -> str:
    preamble = ["Umsatzbericht Januar 2024", "Erstellt am 31.01.2024 von Filialsystem"]
    rows = [
        [f"Filiale {rng.choice(GERMAN_CITIES)}", rng.choice(GERMAN_NAMES),
         f"{eu_amount(money(rng, 100, 90000))} €", de_date(rand_date(rng, date(2024, 1, 1), 31))]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows, preamble=preamble)


@case(
    "semicolon_two_columns_decimal.csv",
    columns=2,
    rows=12,
    column_names=["Monat", "Umsatz"],
    delimiter=";",
    tags=["semicolon", "decimal_comma", "two_columns"],
    notes="Two columns; the decimal comma makes ',' look like a plausible delimiter in rows "
    "with cents, but the header and whole-number rows have none.",
)
def _semicolon_two_columns(rng: random.Random, exp: Expected) -> str:
    months = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember")  # fmt: skip
    rows = []
    for i in range(exp["rows"]):
        x = money(rng, 800, 9999)
        rows.append([months[i], str(int(x)) if i % 3 == 1 else f"{x:.2f}".replace(".", ",")])
    return table(exp, rows)


@case(
    "semicolon_many_commas_in_text.csv",
    columns=4,
    rows=30,
    column_names=["ticket", "customer", "rating", "feedback"],
    delimiter=";",
    tags=["semicolon", "commas_in_values"],
    notes="';'-delimited with unquoted free text holding 0-4 commas per row: ',' is "
    "frequent but inconsistent.",
)
def _semicolon_many_commas(rng: random.Random, exp: Expected) -> str:
    rows = [
        [f"T-{5100 + i}", full_name(rng), rng.randint(1, 5), rng.choice(FEEDBACK_WITH_COMMAS)]
        for i in range(exp["rows"])
    ]
    return table(exp, rows)


@case(
    "semicolon_quoted_fields_with_semicolons.csv",
    columns=4,
    rows=20,
    column_names=["id", "title", "tags", "price"],
    delimiter=";",
    quotechar='"',
    tags=["semicolon", "quoted_delimiter", "decimal_comma"],
    notes="';' file whose tag lists contain ';' inside quotes.",
)
def _semicolon_quoted(rng: random.Random, exp: Expected) -> str:
    tag_pool = ("office", "ergonomic", "sale", "new", "bestseller", "eco", "bundle")
    rows = []
    for i in range(exp["rows"]):
        tags = "; ".join(rng.sample(tag_pool, rng.randint(1, 3)))
        rows.append([200 + i, rng.choice(PRODUCTS), tags, eu_amount(money(rng, 5, 900))])
    return table(exp, rows)


@case(
    "export_20240115",
    columns=5,
    rows=20,
    column_names=["Artikelnummer", "Bezeichnung", "Lager", "Bestand", "Preis"],
    delimiter=";",
    line_terminator="CRLF",
    tags=["semicolon", "no_extension", "crlf", "decimal_comma"],
    notes="No file extension at all; ';' with decimal comma, CRLF.",
)
def _no_extension(rng: random.Random, exp: Expected) -> str:
    items = ("Schraube M4", "Mutter M6", "Unterlegscheibe", "Dübel 8mm", "Kabelbinder",
             "Holzleim", "Schleifpapier K120")  # fmt: skip
    rows = [
        [f"A{70000 + 13 * i}", rng.choice(items), rng.choice(("Nord", "Süd", "Ost", "West")),
         rng.randint(0, 5000), eu_amount(money(rng, 0.05, 40))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


# ------------------------------------------------------------------ tab / pipe / colon


@case(
    "tsv_commas_in_text.tsv",
    columns=4,
    rows=30,
    column_names=["customer", "city", "comment", "amount"],
    delimiter="\t",
    tags=["tab", "commas_in_values"],
    notes="Tab-separated; the comment column has unquoted commas (0-2 per row).",
)
def _tsv_commas(rng: random.Random, exp: Expected) -> str:
    rows = [
        [full_name(rng), rng.choice(CITIES), rng.choice(COMMENTS_WITH_COMMAS),
         dot_amount(money(rng))]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "tsv_quoted_fields.tsv",
    columns=4,
    rows=15,
    column_names=["id", "title", "description", "status"],
    delimiter="\t",
    quotechar='"',
    tags=["tab", "quoted_delimiter", "embedded_newline"],
    notes="Spreadsheet TSV export: quoted fields containing tabs, newlines and quotes.",
)
def _tsv_quoted(rng: random.Random, exp: Expected) -> str:
    rows = []
    for i in range(exp["rows"]):
        desc = rng.choice(COMMENTS_WITH_COMMAS)
        if i % 3 == 0:
            desc += "\tsee attachment"
        if i % 4 == 1:
            desc += '\nFollow-up: "urgent"'
        rows.append([i + 1, rng.choice(PRODUCTS), desc, rng.choice(("open", "closed", "hold"))])
    return table(exp, rows)


@case(
    "header_all_text.tsv",
    columns=5,
    rows=25,
    column_names=["Name", "City", "Country", "Department", "Manager"],
    delimiter="\t",
    tags=["tab", "header_all_text"],
    notes="Every column is text, so type differences cannot reveal the header; the first "
    "row holds generic column labels, the rest are people and places.",
)
def _tsv_all_text(rng: random.Random, exp: Expected) -> str:
    rows = []
    for _ in range(exp["rows"]):
        city, country = rng.choice(CITY_COUNTRY)
        rows.append([full_name(rng), city, country, rng.choice(DEPARTMENTS), full_name(rng)])
    return table(exp, rows)


@case(
    "legacy_export_tab.xls",
    columns=5,
    rows=20,
    column_names=["Order", "Date", "Customer", "Items", "Total"],
    delimiter="\t",
    line_terminator="CRLF",
    tags=["tab", "misleading_extension", "crlf"],
    notes="Plain tab-separated text with a misleading .xls extension (legacy web export).",
)
def _tab_as_xls(rng: random.Random, exp: Expected) -> str:
    rows = [
        [f"SO{31000 + i}", us_date(rand_date(rng)), full_name(rng), rng.randint(1, 12),
         dot_amount(money(rng))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "pipe_delimited.txt",
    columns=5,
    rows=20,
    column_names=["order_id", "customer", "product", "quantity", "total"],
    delimiter="|",
    tags=["pipe"],
    notes="Pipe-delimited with a .txt extension.",
)
def _pipe(rng: random.Random, exp: Expected) -> str:
    rows = [
        [70000 + i, full_name(rng), rng.choice(PRODUCTS), rng.randint(1, 9),
         dot_amount(money(rng, 5, 800))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "pipe_no_header.txt",
    columns=5,
    rows=18,
    header=False,
    delimiter="|",
    tags=["pipe", "no_header"],
    notes="Pipe-delimited data without a header; the first row has the same types as the rest.",
)
def _pipe_no_header(rng: random.Random, exp: Expected) -> str:
    rows = [
        [330 + i, full_name(rng), iso(rand_date(rng)), rng.choice(DEPARTMENTS),
         dot_amount(money(rng, 1000, 9000))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "colon_separated_passwd.dat",
    columns=7,
    rows=20,
    header=False,
    delimiter=":",
    tags=["colon", "no_header", "misleading_extension"],
    notes="/etc/passwd-style colon-separated records, no header, .dat extension.",
)
def _passwd(rng: random.Random, exp: Expected) -> str:
    rows: list[list[object]] = [
        ["root", "x", 0, 0, "root", "/root", "/bin/bash"],
        ["daemon", "x", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"],
        ["bin", "x", 2, 2, "bin", "/bin", "/usr/sbin/nologin"],
        ["sys", "x", 3, 3, "sys", "/dev", "/usr/sbin/nologin"],
    ]
    used: set[str] = set()
    while len(rows) < exp["rows"]:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        login = (first[0] + last).lower()
        if login in used:
            continue
        used.add(login)
        uid = 1000 + len(used)
        shell = rng.choice(("/bin/bash", "/bin/zsh", "/bin/bash", "/usr/bin/fish"))
        rows.append([login, "x", uid, uid, f"{first} {last}", f"/home/{login}", shell])
    return table(exp, rows)


@case(
    "colon_with_header.txt",
    columns=4,
    rows=15,
    column_names=["name", "department", "extension", "office"],
    delimiter=":",
    tags=["colon"],
    notes="Colon-separated phone list with a header.",
)
def _colon_header(rng: random.Random, exp: Expected) -> str:
    rows = [
        [full_name(rng), rng.choice(DEPARTMENTS), rng.randint(2000, 2999),
         f"{rng.choice(CITIES)} {rng.randint(1, 5)}.{rng.randint(10, 40)}"]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


# --------------------------------------------------------------------------- quoting


@case(
    "quoted_embedded_delimiters.csv",
    columns=4,
    rows=25,
    column_names=["name", "address", "phone", "balance"],
    quotechar='"',
    tags=["comma", "quoted_delimiter"],
    notes="Every row has 'Last, First' names and 'street, city' addresses quoted.",
)
def _quoted_delims(rng: random.Random, exp: Expected) -> str:
    rows = []
    for _ in range(exp["rows"]):
        name = f"{rng.choice(LAST_NAMES)}, {rng.choice(FIRST_NAMES)}"
        addr = f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"
        phone = f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        rows.append([name, addr, phone, dot_amount(money(rng, 0, 3000))])
    return table(exp, rows)


@case(
    "embedded_newlines_lf.csv",
    columns=5,
    rows=20,
    column_names=["ticket_id", "opened", "reporter", "description", "priority"],
    quotechar='"',
    tags=["comma", "embedded_newline", "quoted_delimiter"],
    notes="Quoted multi-line descriptions (LF inside fields, LF terminators); physical "
    "line count exceeds record count.",
)
def _embedded_lf(rng: random.Random, exp: Expected) -> str:
    rows = []
    for i in range(exp["rows"]):
        desc = sentence(rng)
        if i % 2 == 0:
            desc += "\n" + sentence(rng)
        if i % 5 == 0:
            desc += "\n\nSteps:\n1. open app\n2. click save"
        rows.append([f"HD-{810 + i}", iso(rand_date(rng)), full_name(rng), desc,
                     rng.choice(("low", "medium", "high"))])  # fmt: skip
    return table(exp, rows)


@case(
    "embedded_newlines_crlf.csv",
    columns=4,
    rows=15,
    column_names=["id", "customer", "address", "note"],
    quotechar='"',
    line_terminator="CRLF",
    tags=["comma", "embedded_newline", "crlf"],
    notes="CRLF file whose quoted address/note fields contain CRLF line breaks too.",
)
def _embedded_crlf(rng: random.Random, exp: Expected) -> str:
    rows = []
    for i in range(exp["rows"]):
        addr = f"{rng.randint(1, 99)} {rng.choice(STREETS)}\r\n{rng.choice(CITIES)}"
        note = rng.choice(SHORT_NOTES)
        if i % 3 == 0:
            note += "\r\n" + rng.choice(SHORT_NOTES)
        rows.append([i + 1, full_name(rng), addr, note])
    return table(exp, rows)


@case(
    "excel_crlf_embedded_lf.csv",
    columns=4,
    rows=15,
    column_names=["Task", "Owner", "Details", "Due"],
    quotechar='"',
    line_terminator="CRLF",
    tags=["comma", "embedded_newline", "crlf"],
    notes="Excel style: records end with CRLF but in-cell line breaks (Alt+Enter) are bare LF.",
)
def _excel_embedded_lf(rng: random.Random, exp: Expected) -> str:
    tasks = ("Budget review", "Hire analyst", "Migrate CRM", "Office move", "Audit prep",
             "Vendor contract", "Quarterly report")  # fmt: skip
    rows = []
    for i in range(exp["rows"]):
        details = sentence(rng)
        if i % 2 == 1:
            details += "\n- " + rng.choice(SHORT_NOTES) + "\n- " + rng.choice(SHORT_NOTES)
        rows.append([rng.choice(tasks), full_name(rng), details, us_date(rand_date(rng))])
    return table(exp, rows)


@case(
    "doubled_quotes.csv",
    columns=4,
    rows=20,
    column_names=["review_id", "product", "stars", "review"],
    quotechar='"',
    tags=["comma", "doubled_quotes"],
    notes='Quotes inside quoted fields are doubled (""), RFC 4180 style.',
)
def _doubled_quotes(rng: random.Random, exp: Expected) -> str:
    rows = [
        [f"R{400 + i}", rng.choice(PRODUCTS), rng.randint(1, 5),
         QUOTES_WITH_DOUBLE_QUOTES[i % len(QUOTES_WITH_DOUBLE_QUOTES)]]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "backslash_escaped_quotes.csv",
    columns=4,
    rows=20,
    column_names=["id", "speaker", "quote", "year"],
    quotechar='"',
    escapechar="\\",
    tags=["comma", "escapechar"],
    notes='Quotes inside quoted fields are backslash-escaped (\\"), as written by MySQL/PHP.',
)
def _backslash(rng: random.Random, exp: Expected) -> str:
    sayings = (
        'She said "ship it", then left',
        "Numbers look fine",
        'The memo, titled "Q3 plan", was leaked',
        'He called it "temporary", ten years ago',
        "No comment",
        'Reply was "maybe"',
    )
    rows = [
        [i + 1, full_name(rng), sayings[i % len(sayings)], rng.randint(1990, 2024)]
        for i in range(exp["rows"])
    ]
    return table(exp, rows, force=[False, False, True, False], header_force=False)


@case(
    "single_quote_quotechar.csv",
    columns=5,
    rows=20,
    column_names=["id", "name", "location", "created", "total"],
    quotechar="'",
    tags=["comma", "single_quote"],
    notes="SQL-dump style: text fields wrapped in single quotes, some containing commas.",
)
def _single_quote(rng: random.Random, exp: Expected) -> str:
    rows = []
    for i in range(exp["rows"]):
        city, country = rng.choice(CITY_COUNTRY)
        rows.append([i + 1, full_name(rng), f"{city}, {country}", iso(rand_date(rng)),
                     dot_amount(money(rng))])  # fmt: skip
    return table(exp, rows, force=[False, True, True, True, False], header_force=False)


@case(
    "all_fields_quoted.csv",
    columns=5,
    rows=25,
    column_names=["id", "name", "city", "amount", "date"],
    quotechar='"',
    tags=["comma", "quote_all", "quoted_header"],
    notes="Every field, numbers and header included, is double-quoted.",
)
def _all_quoted(rng: random.Random, exp: Expected) -> str:
    rows = [
        [i + 1, full_name(rng), rng.choice(CITIES), dot_amount(money(rng)), iso(rand_date(rng))]
        for i in range(exp["rows"])
    ]
    return table(exp, rows, force=True)


@case(
    "quoted_header.csv",
    columns=4,
    rows=20,
    column_names=["order_id", "product", "qty", "price"],
    quotechar='"',
    tags=["comma", "quoted_header"],
    notes="Only the header fields are quoted; the data rows are plain.",
)
def _quoted_header(rng: random.Random, exp: Expected) -> str:
    rows = [
        [1001 + i, rng.choice(PRODUCTS), rng.randint(1, 20), dot_amount(money(rng, 2, 500))]
        for i in range(exp["rows"])
    ]
    return table(exp, rows, header_force=True)


@case(
    "comma_quoted_thousands.csv",
    columns=4,
    rows=25,
    column_names=["account", "region", "revenue", "cost"],
    quotechar='"',
    tags=["comma", "quoted_delimiter", "grouped_numbers"],
    notes="US-formatted amounts with thousands separators ('1,234.56') are quoted.",
)
def _quoted_thousands(rng: random.Random, exp: Expected) -> str:
    regions = ("North", "South", "East", "West", "Central")
    rows = [
        [f"ACC-{300 + i}", rng.choice(regions), us_grouped(money(rng, 1000, 950000)),
         us_grouped(money(rng, 1000, 500000))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "short_first_rows_then_quoted.csv",
    columns=4,
    rows=180,
    column_names=["id", "name", "city", "note"],
    quotechar='"',
    tags=["comma", "quoted_delimiter", "late_evidence"],
    notes="The first 150 records are short and unquoted; quoting (with ',' inside quotes) "
    "only appears in the last 30 records. A small sample misses the quote char.",
)
def _late_quotes(rng: random.Random, exp: Expected) -> str:
    rows = []
    for i in range(exp["rows"]):
        if i < 150:
            rows.append([i + 1, rng.choice(FIRST_NAMES), rng.choice(CITIES), "ok"])
        else:
            rows.append([i + 1, full_name(rng), rng.choice(CITIES_WITH_COMMA),
                         rng.choice(COMMENTS_WITH_COMMAS) + ", see ticket"])  # fmt: skip
    return table(exp, rows)


# -------------------------------------------------------------------------- header


@case(
    "no_header_numeric.csv",
    columns=5,
    rows=60,
    header=False,
    tags=["comma", "no_header", "numeric"],
    notes="Sensor readings, all numeric, no header row.",
)
def _no_header_numeric(rng: random.Random, exp: Expected) -> str:
    t0 = 1706745600
    rows = [
        [t0 + 60 * i, rng.randint(1, 8), f"{rng.uniform(18, 26):.1f}",
         f"{rng.uniform(30, 70):.1f}", f"{rng.uniform(990, 1030):.1f}"]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "no_header_text.csv",
    columns=5,
    rows=20,
    header=False,
    tags=["comma", "no_header"],
    notes="Text-heavy rows without header; the first row has a date and an amount like "
    "every other row, so it clearly is data.",
)
def _no_header_text(rng: random.Random, exp: Expected) -> str:
    rows = [
        [rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(CITIES),
         iso(rand_date(rng)), dot_amount(money(rng))]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "header_all_text.csv",
    columns=5,
    rows=30,
    column_names=["first_name", "last_name", "city", "country", "department"],
    tags=["comma", "header_all_text"],
    notes="Header present but every column is text: only the snake_case labels betray it.",
)
def _header_all_text(rng: random.Random, exp: Expected) -> str:
    rows = []
    for _ in range(exp["rows"]):
        city, country = rng.choice(CITY_COUNTRY)
        rows.append([rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), city, country,
                     rng.choice(DEPARTMENTS)])  # fmt: skip
    return table(exp, rows)


@case(
    "yearly_columns_header.csv",
    columns=6,
    rows=10,
    column_names=["region", "2019", "2020", "2021", "2022", "2023"],
    tags=["comma", "numeric_header"],
    notes="Header labels are mostly years (numbers), yet the first row is a header: "
    "'region' plus integers vs. text plus decimal amounts below.",
)
def _yearly_header(rng: random.Random, exp: Expected) -> str:
    regions = ("North America", "South America", "Western Europe", "Eastern Europe",
               "Middle East", "Africa", "South Asia", "East Asia", "Oceania",
               "Nordics")  # fmt: skip
    rows = [
        [regions[i], *(f"{rng.uniform(100, 9000):.1f}" for _ in range(5))]
        for i in range(exp["rows"])
    ]
    return table(exp, rows)


@case(
    "wide_header_60_columns.csv",
    columns=60,
    rows=12,
    column_names=["store_id", "store_name", *(f"wk_{w:02d}" for w in range(1, 59))],
    tags=["comma", "wide"],
    notes="60 columns: store id, name and 58 weekly sales figures.",
)
def _wide(rng: random.Random, exp: Expected) -> str:
    rows = [
        [f"S{100 + i}", f"{rng.choice(CITIES)} {rng.choice(('Central', 'Mall', 'Airport'))}",
         *(rng.randint(0, 25000) for _ in range(58))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "one_column_emails.txt",
    columns=1,
    rows=30,
    column_names=["email"],
    tags=["one_column"],
    notes="Single column (no delimiter occurs). The expected delimiter ',' is nominal: any "
    "delimiter absent from the file parses it identically.",
)
def _one_column(rng: random.Random, exp: Expected) -> str:
    rows = [[email_for(full_name(rng), i)] for i in range(exp["rows"])]
    return table(exp, rows)


@case(
    "very_long_field.csv",
    columns=3,
    rows=8,
    column_names=["id", "title", "body"],
    quotechar='"',
    tags=["comma", "long_lines", "quoted_delimiter"],
    notes="Each body is a quoted 5,000+ character text with many commas; lines are huge.",
)
def _long_field(rng: random.Random, exp: Expected) -> str:
    rows = []
    for i in range(exp["rows"]):
        rows.append([i + 1, f"Incident report {i + 1}", paragraph(rng, 5000 + 100 * i)])
    return table(exp, rows)


@case(
    "empty_fields_everywhere.csv",
    columns=8,
    rows=25,
    column_names=["id", "name", "phone", "fax", "email", "website", "notes", "status"],
    tags=["comma", "empty_fields"],
    notes="Sparse contact list: most fields are empty (a,,,b), so rows are mostly commas.",
)
def _sparse(rng: random.Random, exp: Expected) -> str:
    rows = []
    for i in range(exp["rows"]):
        name = full_name(rng)
        row = [
            str(i + 1),
            name if rng.random() < 0.5 else "",
            f"+49 30 {rng.randint(100000, 999999)}" if rng.random() < 0.3 else "",
            "",
            email_for(name, i) if rng.random() < 0.3 else "",
            "",
            "call back" if rng.random() < 0.15 else "",
            rng.choice(("active", "inactive", "lead")),
        ]
        rows.append(row)
    return table(exp, rows)


# ------------------------------------------------------------------ preamble / comments


@case(
    "preamble_1_line_title.csv",
    columns=4,
    rows=20,
    column_names=["region", "sales_rep", "units", "revenue"],
    skip_rows=1,
    tags=["comma", "preamble"],
    notes="One report-title line before the header.",
)
def _preamble1(rng: random.Random, exp: Expected) -> str:
    rows = [
        [rng.choice(("North", "South", "East", "West")), full_name(rng), rng.randint(1, 300),
         dot_amount(money(rng, 100, 60000))]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows, preamble=["Quarterly sales report - Q3 2023"])


@case(
    "preamble_2_lines_exported_by.csv",
    columns=5,
    rows=25,
    column_names=["Opportunity", "Account", "Stage", "Amount", "Close Date"],
    skip_rows=2,
    tags=["comma", "preamble", "blank_line"],
    notes="'Exported by X on date' line plus a blank line before the header.",
)
def _preamble2(rng: random.Random, exp: Expected) -> str:
    stages = ("Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won")
    rows = [
        [f"OPP-{600 + i}", rng.choice(COMPANIES), rng.choice(stages),
         dot_amount(money(rng, 1000, 250000)), us_date(rand_date(rng))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows, preamble=["Exported by Salesforce on 2024-02-01 09:14", ""])


@case(
    "preamble_3_lines_blank.csv",
    columns=5,
    rows=30,
    column_names=["item_code", "description", "warehouse", "on_hand", "reorder_level"],
    skip_rows=3,
    tags=["comma", "preamble", "blank_line"],
    notes="Title, 'Generated by ...' and a blank line before the header.",
)
def _preamble3(rng: random.Random, exp: Expected) -> str:
    rows = [
        [f"IC{5000 + 3 * i}", rng.choice(PRODUCTS), rng.choice(("HAM-1", "HAM-2", "BER-1")),
         rng.randint(0, 900), rng.randint(10, 100)]
        for i in range(exp["rows"])
    ]  # fmt: skip
    preamble = ["ACME Corp Inventory Report", "Generated by InventoryPro 4.2 on 2024-01-15", ""]
    return table(exp, rows, preamble=preamble)


@case(
    "bank_statement_preamble_quoted_trailing.csv",
    columns=6,
    rows=20,
    column_names=[
        "Buchungstag",
        "Wertstellung",
        "Buchungstext",
        "Auftraggeber / Begünstigter",
        "Verwendungszweck",
        "Betrag (EUR)",
    ],
    encoding="iso8859-1",
    encoding_alternatives=["cp1252", "iso8859-15"],
    delimiter=";",
    quotechar='"',
    skip_rows=6,
    trailing_delimiter=True,
    line_terminator="CRLF",
    tags=["semicolon", "preamble", "quote_all", "trailing_delimiter", "latin1", "crlf"],
    notes="German online-banking export: 6 preamble lines (account, period, balance, "
    "blank lines) that themselves look like 2-field ';' records; everything quoted; "
    "every line ends with ';'; ISO-8859-1.",
)
def _bank_statement(rng: random.Random, exp: Expected) -> str:
    preamble = [
        '"Kontonummer:";"DE12 1203 0000 1234 5678 90 / Girokonto";',
        "",
        '"Von:";"01.01.2024";',
        '"Bis:";"31.01.2024";',
        '"Kontostand vom 31.01.2024:";"2.417,83 EUR";',
        "",
    ]
    kinds = ("Lastschrift", "Gutschrift", "Kartenzahlung", "Dauerauftrag", "Überweisung")
    rows = []
    for _ in range(exp["rows"]):
        d = rand_date(rng, date(2024, 1, 1), 31)
        kind = rng.choice(kinds)
        amount = money(rng, 3, 2500) * (1 if kind == "Gutschrift" else -1)
        rows.append([de_date(d), de_date(d + timedelta(days=rng.randint(0, 2))), kind,
                     rng.choice(GERMAN_NAMES) + " GmbH", f"Rechnung {rng.randint(1000, 9999)}",
                     eu_amount(amount)])  # fmt: skip
    return table(exp, rows, preamble=preamble, force=True)


@case(
    "leading_blank_lines.csv",
    columns=4,
    rows=15,
    column_names=["employee", "department", "start_date", "salary"],
    skip_rows=2,
    tags=["comma", "preamble", "blank_line"],
    notes="Two empty lines at the very top, then a normal header.",
)
def _leading_blank(rng: random.Random, exp: Expected) -> str:
    rows = [
        [full_name(rng), rng.choice(DEPARTMENTS), iso(rand_date(rng, date(2015, 1, 1), 3000)),
         rng.randint(42, 140) * 1000]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows, preamble=["", ""])


@case(
    "comments_top_and_inside.csv",
    columns=4,
    rows=25,
    column_names=["account_id", "name", "plan", "mrr"],
    comment="#",
    skip_rows_alternatives=[3],
    tags=["comma", "comments"],
    notes="Three '#' comment lines at the top (one lists the columns with commas) and two "
    "more between data rows.",
)
def _comments(rng: random.Random, exp: Expected) -> str:
    lines = [
        "# Source: CRM export (accounts)",
        "# Generated: 2024-03-01",
        "# Columns: account_id, name, plan, mrr",
        fmt_row(exp["column_names"]),
    ]
    plans = ("free", "starter", "pro", "enterprise")
    for i in range(exp["rows"]):
        if i == 10:
            lines.append("# --- churned accounts below ---")
        if i == 18:
            lines.append("# --- trial accounts below ---")
        lines.append(fmt_row([f"A{1200 + i}", rng.choice(COMPANIES), rng.choice(plans),
                              dot_amount(money(rng, 0, 4000))]))  # fmt: skip
    return render(lines, exp)


@case(
    "comments_hash_tsv.tsv",
    columns=4,
    rows=24,
    column_names=["sample_id", "condition", "replicate", "concentration"],
    delimiter="\t",
    comment="#",
    skip_rows_alternatives=[4],
    tags=["tab", "comments"],
    notes="Lab sample sheet: four '#' metadata lines before a tab-separated header.",
)
def _comments_tsv(rng: random.Random, exp: Expected) -> str:
    lines = [
        "# Sample sheet for run 2024-05-17",
        "# Instrument: NovaSeq 6000",
        "# Operator: Dr. A. Kowalski",
        "# Units: concentration in ng/ul",
        fmt_row(exp["column_names"], "\t"),
    ]
    conditions = ("control", "treated_low", "treated_high")
    for i in range(exp["rows"]):
        lines.append(fmt_row([f"S{i + 1:03d}", conditions[i % 3], i // 3 % 4 + 1,
                              f"{rng.uniform(5, 120):.2f}"], "\t"))  # fmt: skip
    return render(lines, exp)


# ------------------------------------------------------------ trailing delimiter / ragged


@case(
    "trailing_delimiter_comma.csv",
    columns=4,
    rows=20,
    column_names=["date", "store", "transactions", "revenue"],
    trailing_delimiter=True,
    tags=["comma", "trailing_delimiter"],
    notes="Every line, header included, ends with an extra ','.",
)
def _trailing_comma(rng: random.Random, exp: Expected) -> str:
    rows = [
        [iso(rand_date(rng)), rng.choice(CITIES), rng.randint(50, 900), dot_amount(money(rng))]
        for _ in range(exp["rows"])
    ]
    return table(exp, rows)


@case(
    "trailing_delimiter_semicolon.txt",
    columns=4,
    rows=20,
    column_names=["Kostenstelle", "Bezeichnung", "Plan", "Ist"],
    delimiter=";",
    trailing_delimiter=True,
    tags=["semicolon", "trailing_delimiter", "decimal_comma"],
    notes="';' with decimal comma; every line ends with ';'.",
)
def _trailing_semicolon(rng: random.Random, exp: Expected) -> str:
    rows = [
        [4100 + 10 * i, rng.choice(DEPARTMENTS), eu_amount(money(rng, 1e4, 5e5)),
         eu_amount(money(rng, 1e4, 5e5))]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "trailing_delimiter_pipe_no_header.dat",
    columns=4,
    rows=16,
    header=False,
    delimiter="|",
    trailing_delimiter=True,
    tags=["pipe", "trailing_delimiter", "no_header"],
    notes="Pipe-delimited, no header, every line ends with '|'.",
)
def _trailing_pipe(rng: random.Random, exp: Expected) -> str:
    rows = [
        [f"{880000 + i}", iso(rand_date(rng)), rng.choice(PRODUCTS), dot_amount(money(rng))]
        for i in range(exp["rows"])
    ]
    return table(exp, rows)


@case(
    "ragged_rows_comma.csv",
    columns=6,
    rows=40,
    column_names=["id", "name", "email", "city", "phone", "signup_date"],
    ragged_rows=3,
    tags=["comma", "ragged"],
    notes="Two records lack trailing fields and one has an extra stray field; the "
    "majority dialect still applies.",
)
def _ragged_comma(rng: random.Random, exp: Expected) -> str:
    rows: list[list[object]] = []
    for i in range(exp["rows"]):
        name = full_name(rng)
        row: list[object] = [i + 1, name, email_for(name, i), rng.choice(CITIES),
                             f"555-{rng.randint(1000, 9999)}", iso(rand_date(rng))]  # fmt: skip
        if i == 7:
            row = row[:4]
        elif i == 23:
            row = row[:5]
        elif i == 31:
            row.append("duplicate?")
        rows.append(row)
    return table(exp, rows)


@case(
    "ragged_rows_semicolon.csv",
    columns=5,
    rows=30,
    column_names=["Nr", "Name", "Ort", "Datum", "Betrag"],
    delimiter=";",
    ragged_rows=2,
    tags=["semicolon", "ragged", "decimal_comma"],
    notes="The very first data record is short and one later record is long.",
)
def _ragged_semicolon(rng: random.Random, exp: Expected) -> str:
    rows: list[list[object]] = []
    for i in range(exp["rows"]):
        row: list[object] = [i + 1, rng.choice(GERMAN_NAMES), rng.choice(GERMAN_CITIES),
                             de_date(rand_date(rng)), eu_amount(money(rng))]  # fmt: skip
        if i == 0:
            row = row[:3]
        elif i == 16:
            row.append("storniert")
        rows.append(row)
    return table(exp, rows)


# -------------------------------------------------------------------------- encodings


@case(
    "utf8_bom.csv",
    columns=4,
    rows=20,
    column_names=["name", "city", "joined", "score"],
    encoding="utf-8-sig",
    tags=["comma", "bom", "utf8"],
    notes="UTF-8 with BOM and accented names.",
)
def _utf8_bom(rng: random.Random, exp: Expected) -> str:
    rows = [
        [rng.choice(FRENCH_NAMES), rng.choice(FRENCH_CITIES), iso(rand_date(rng)),
         rng.randint(0, 100)]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "utf8_bom_semicolon_excel.csv",
    columns=5,
    rows=25,
    column_names=["Name", "Straße", "Ort", "Betrag", "Fällig am"],
    encoding="utf-8-sig",
    delimiter=";",
    line_terminator="CRLF",
    tags=["semicolon", "bom", "utf8", "decimal_comma", "crlf"],
    notes="Excel 'CSV UTF-8' on a German locale: BOM, ';', CRLF, decimal comma.",
)
def _utf8_bom_excel(rng: random.Random, exp: Expected) -> str:
    rows = [
        [f"{rng.choice(FIRST_NAMES)} {rng.choice(GERMAN_NAMES)}",
         f"{rng.choice(('Hauptstraße', 'Gartenweg', 'Bahnhofstraße'))} {rng.randint(1, 120)}",
         rng.choice(GERMAN_CITIES), eu_amount(money(rng)), de_date(rand_date(rng))]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "utf16le_bom_excel_unicode.txt",
    columns=5,
    rows=20,
    column_names=["Name", "City", "Country", "Product", "Amount"],
    encoding="utf-16-le",
    bom=True,
    delimiter="\t",
    line_terminator="CRLF",
    tags=["tab", "utf16", "bom", "crlf"],
    notes="Excel 'Unicode Text' export: UTF-16 LE with BOM, tab-separated, CRLF; includes "
    "non-Latin scripts.",
)
def _utf16le(rng: random.Random, exp: Expected) -> str:
    places = (("東京", "日本"), ("Zürich", "Schweiz"), ("São Paulo", "Brasil"),
              ("Kraków", "Polska"), ("Αθήνα", "Ελλάδα"), ("Berlin", "Deutschland"))  # fmt: skip
    rows = []
    for _ in range(exp["rows"]):
        city, country = rng.choice(places)
        rows.append([rng.choice(FRENCH_NAMES), city, country, rng.choice(PRODUCTS),
                     dot_amount(money(rng))])  # fmt: skip
    return table(exp, rows)


@case(
    "utf16be_bom.csv",
    columns=4,
    rows=15,
    column_names=["id", "name", "city", "balance"],
    encoding="utf-16-be",
    bom=True,
    tags=["comma", "utf16", "bom"],
    notes="UTF-16 big-endian with BOM, comma-separated.",
)
def _utf16be(rng: random.Random, exp: Expected) -> str:
    rows = [
        [i + 1, rng.choice(FRENCH_NAMES), rng.choice(FRENCH_CITIES), dot_amount(money(rng))]
        for i in range(exp["rows"])
    ]
    return table(exp, rows)


@case(
    "latin1_accented.csv",
    columns=4,
    rows=20,
    column_names=["nom", "ville", "date_inscription", "montant"],
    encoding="iso8859-1",
    encoding_alternatives=["cp1252", "iso8859-15"],
    tags=["comma", "latin1"],
    notes="ISO-8859-1 accented letters (é, ç, ñ, ø, å) in names and cities; no byte in "
    "0x80-0x9F, so cp1252 and iso8859-15 decode it identically.",
)
def _latin1(rng: random.Random, exp: Expected) -> str:
    rows = [
        [rng.choice(FRENCH_NAMES), rng.choice(FRENCH_CITIES), iso(rand_date(rng)),
         dot_amount(money(rng))]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "cp1252_euro_curly_quotes.csv",
    columns=5,
    rows=25,
    column_names=["sku", "product", "tagline", "price", "category"],
    encoding="cp1252",
    quotechar='"',
    tags=["comma", "cp1252", "quoted_delimiter"],
    notes="cp1252 bytes 0x80-0x9F: € prices, “curly” and ‘single’ quotes and en dashes "
    "in text; straight double quotes wrap fields that contain commas.",
)
def _cp1252(rng: random.Random, exp: Expected) -> str:
    taglines = (
        "The “Pro” edition – now lighter",
        "Our ‘best ever’ lamp",
        "Sturdy, simple, silent",
        "Limited run – while stocks last",
        "Designed in Oslo, made in Porto",
        "Ships in 2–3 days",
    )
    categories = ("Furniture", "Lighting", "Accessories", "Electronics")
    rows = [
        [f"P-{2200 + i}", rng.choice(PRODUCTS), rng.choice(taglines),
         f"€{dot_amount(money(rng, 9, 1200))}", rng.choice(categories)]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "cp1251_cyrillic.csv",
    columns=4,
    rows=20,
    column_names=["ФИО", "Город", "Сумма", "Дата"],
    encoding="cp1251",
    delimiter=";",
    line_terminator="CRLF",
    tags=["semicolon", "cp1251", "decimal_comma", "crlf"],
    notes="Russian Windows export: cp1251 Cyrillic text, ';', decimal comma, CRLF.",
)
def _cp1251(rng: random.Random, exp: Expected) -> str:
    rows = [
        [rng.choice(RUSSIAN_NAMES), rng.choice(RUSSIAN_CITIES),
         f"{money(rng, 100, 99999):.2f}".replace(".", ","), de_date(rand_date(rng))]
        for _ in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "iso8859_15_euro.txt",
    columns=4,
    rows=15,
    column_names=["Référence", "Œuvre", "Prix", "Vendeur"],
    encoding="iso8859-15",
    delimiter=";",
    tags=["semicolon", "iso8859_15", "decimal_comma"],
    notes="ISO-8859-15: '€' is byte 0xA4 and 'œ/Œ' are 0xBD/0xBC; decoded as Latin-1 these "
    "become '¤', '½', '¼', which no human would accept.",
)
def _iso8859_15(rng: random.Random, exp: Expected) -> str:
    works = ("Le cœur volé", "Œuvres complètes", "Nœuds marins", "Sœur Anne", "L'œil du peintre")
    rows = [
        [f"R{150 + i}", rng.choice(works), f"{eu_amount(money(rng, 5, 400))} €",
         rng.choice(FRENCH_NAMES[:10])]
        for i in range(exp["rows"])
    ]  # fmt: skip
    return table(exp, rows)


@case(
    "cr_only_semicolon_no_header.txt",
    columns=4,
    rows=12,
    header=False,
    delimiter=";",
    line_terminator="CR",
    tags=["semicolon", "cr", "no_header", "decimal_comma"],
    notes="Bare-CR line endings, ';' with decimal comma, no header.",
)
def _cr_semicolon(rng: random.Random, exp: Expected) -> str:
    items = ("Schrauben M4, verzinkt", "Muttern M6", "Dichtring 12mm, NBR", "Federring",
             "Splint 3x20, Edelstahl")  # fmt: skip
    rows = [
        [4711 + i, rng.choice(items), rng.randint(10, 500), eu_amount(money(rng, 0.01, 3))]
        for i in range(exp["rows"])
    ]
    return table(exp, rows)


# ------------------------------------------------------------------------------ output


def yaml_scalar(value: object) -> str:
    """Render a scalar as YAML (strings as JSON-style double-quoted scalars)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"unsupported scalar {value!r}")


def to_yaml(cases: Sequence[Case]) -> str:
    """Render the answer key as plain block-style YAML with flow-style lists."""
    out = [
        "# Expected dialects for the files in files/.",
        "# Generated by make_corpus.py from its case table; edit that, not this file.",
    ]
    for c in cases:
        out.append(f"{yaml_scalar(c.name)}:")
        for key in EXPECTED_KEYS:
            value = c.expected[key]
            if isinstance(value, list):
                rendered = "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
            else:
                rendered = yaml_scalar(value)
            out.append(f"  {key}: {rendered}")
    return "\n".join(out) + "\n"


def expected_mapping() -> dict[str, Expected]:
    """Return the answer key as a mapping file name -> expected entry."""
    return {c.name: c.expected for c in CASES}


def main() -> int:
    """Write every corpus file and expected.yaml; remove stale files."""
    FILES_DIR.mkdir(parents=True, exist_ok=True)
    names = {c.name for c in CASES}
    for stale in FILES_DIR.iterdir():
        if stale.is_file() and stale.name not in names:
            stale.unlink()
    for c in CASES:
        (FILES_DIR / c.name).write_bytes(c.data())
    EXPECTED_PATH.write_text(to_yaml(CASES), encoding="utf-8", newline="\n")
    print(f"wrote {len(CASES)} files to {FILES_DIR} and {EXPECTED_PATH.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
