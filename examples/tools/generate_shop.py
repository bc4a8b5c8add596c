#!/usr/bin/env python3
"""Generate the ``examples/shop`` demo dataset for assay.

Why a generator rather than hand-made files: the dataset deliberately mixes
realistic clean data with a small, exactly known set of defects (bad dates,
ragged rows, an undecodable byte, duplicates, ...).  Because every defect is
injected here, the same run also writes ``dirty.yaml`` (the answer key, with
physical line numbers counted while writing) and ``README.md``, so the key can
never drift from the data.

Only the standard library, a fixed seed and fixed calendar bounds are used, so
``python examples/tools/generate_shop.py`` reproduces byte-identical files on any
machine, on any day.  Do not reorder random draws casually: any change to the
sequence of ``rng`` calls changes every file (which is fine, as long as the
files are regenerated and committed together).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

SEED = 20261122
HERE = Path(__file__).resolve().parent
SHOP = HERE.parent / "shop"
CENT = Decimal("0.01")

# Fixed calendar bounds: the output must never depend on "today".
SIGNUP_START = date(2019, 1, 1)
SIGNUP_END = date(2024, 2, 29)
ORDER_START = datetime(2023, 1, 1)
ORDER_END = datetime(2024, 3, 20)  # leaves room for payments before the export date
EXPORT_DATE = "01.04.2024"

N_CUSTOMERS = 250
N_ORDERS = 600
N_REVIEWS = 300

CUSTOMERS = "customers.csv"
ORDERS = "orders.jsonl"
ITEMS = "order_items.csv"
PAYMENTS = "payments.csv"
REVIEWS = "reviews.json"

CUSTOMER_COLUMNS = [
    "customer_id", "email", "first_name", "last_name", "phone", "country",
    "signup_date", "is_vip", "postal_code", "segment",
]  # fmt: skip
ORDER_KEYS = [
    "order_id", "customer_id", "ordered_at", "status", "currency", "total",
    "shipping", "coupon_code", "gift_message", "notes",
]  # fmt: skip
ITEM_COLUMNS = [
    "order_id",
    "line_no",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "discount_pct",
]
PAYMENT_COLUMNS = [
    "payment_id",
    "order_id",
    "paid_at",
    "amount",
    "currency",
    "method",
    "reference",
]
REVIEW_KEYS = [
    "review_id", "order_id", "customer_id", "rating", "title", "body", "created_at",
    "author", "helpful_votes", "tags", "response",
]  # fmt: skip


# --------------------------------------------------------------------------- #
# Reference data: small built-in lists are enough to look realistic.
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class City:
    """A city with a postal-code template ('#' digit, '%' digit 2-9, '?' letter)."""

    name: str
    postal: str
    lat: float
    lon: float
    utc_offset: int = 1  # standard-time offset in hours
    area_code: str = ""  # North American area code (US only)


@dataclass(frozen=True)
class Country:
    """Everything needed to invent a plausible customer living in one country."""

    code: str
    weight: int
    currency: str
    dst: str  # "eu" or "us" daylight-saving rule
    phones: tuple[str, ...]
    domains: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    number_first: bool
    cities: tuple[City, ...]


COUNTRIES: tuple[Country, ...] = (
    Country(
        "DE", 30, "EUR", "eu",
        ("+49151########", "+49160########", "+49171########", "+49176########"),
        ("gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.de"),
        ("Anna", "Lukas", "Jürgen", "Sophie", "Maximilian", "Lena", "Jörg", "Hannah",
         "Felix", "Katrin", "Uwe", "Sabine"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Schäfer", "Wagner",
         "Becker", "Hoffmann", "Groß", "Köhler", "Krüger", "Weiß"),
        ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Lindenallee",
         "Königstraße"),
        False,
        (
            City("Berlin", "10###", 52.520, 13.405),
            City("Dresden", "010##", 51.050, 13.737),
            City("Leipzig", "041##", 51.340, 12.375),
            City("Hamburg", "20###", 53.551, 9.994),
            City("München", "80###", 48.137, 11.576),
            City("Köln", "50###", 50.938, 6.960),
            City("Frankfurt am Main", "603##", 50.110, 8.682),
        ),
    ),
    Country(
        "AT", 8, "EUR", "eu",
        ("+43664#######", "+43676#######", "+43699#######"),
        ("gmx.at", "aon.at", "gmail.com"),
        ("Florian", "Magdalena", "Lorenz", "Theresa", "Günther", "Verena"),
        ("Gruber", "Huber", "Pichler", "Steiner", "Moser", "Brandstätter", "Hofbauer"),
        ("Mariahilfer Straße", "Landstraße", "Herrengasse", "Kirchengasse"),
        False,
        (
            City("Wien", "11#0", 48.208, 16.373),
            City("Graz", "80#0", 47.071, 15.439),
            City("Linz", "40#0", 48.306, 14.286),
            City("Salzburg", "50#0", 47.809, 13.055),
        ),
    ),
    Country(
        "CH", 7, "CHF", "eu",
        ("+4176#######", "+4178#######", "+4179#######"),
        ("bluewin.ch", "gmx.ch", "gmail.com"),
        ("Luca", "Noémie", "Reto", "Seraina", "Urs", "Mélanie"),
        ("Meier", "Keller", "Brunner", "Zürcher", "Baumann", "Gerber", "Frei"),
        ("Bahnhofstrasse", "Seestrasse", "Rue du Rhône", "Dorfstrasse"),
        False,
        (
            City("Zürich", "80##", 47.377, 8.540),
            City("Genève", "12##", 46.204, 6.143),
            City("Basel", "40##", 47.560, 7.588),
            City("Bern", "30##", 46.948, 7.447),
        ),
    ),
    Country(
        "FR", 12, "EUR", "eu",
        ("+336########", "+337########"),
        ("orange.fr", "free.fr", "laposte.net", "gmail.com"),
        ("Chloé", "Hélène", "François", "Léa", "Mathis", "Zoë", "Jérôme", "Camille", "Loïc"),
        ("Martin", "Bernard", "Lefèvre", "Dubois", "Moreau", "Girard", "Fontaine", "Roux"),
        ("rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Voltaire"),
        True,
        (
            City("Paris", "7501#", 48.857, 2.352),
            City("Lyon", "6900#", 45.764, 4.836),
            City("Marseille", "130##", 43.296, 5.370),
            City("Bourg-en-Bresse", "01000", 46.205, 5.226),
            City("Nice", "060##", 43.710, 7.262),
        ),
    ),
    Country(
        "ES", 8, "EUR", "eu",
        ("+346########", "+347########"),
        ("gmail.com", "hotmail.es", "telefonica.net"),
        ("José", "Lucía", "Álvaro", "María", "Sofía", "Iñigo", "Martín", "Pilar"),
        ("García", "Núñez", "Peña", "Muñoz", "Fernández", "López", "Ibáñez", "Martínez"),
        ("Calle Mayor", "Calle de Alcalá", "Avenida de la Constitución", "Carrer de Sants"),
        False,
        (
            City("Madrid", "280##", 40.417, -3.704),
            City("Barcelona", "080##", 41.387, 2.170),
            City("Valencia", "460##", 39.470, -0.376),
            City("Sevilla", "410##", 37.389, -5.984),
        ),
    ),
    Country(
        "IT", 8, "EUR", "eu",
        ("+393########", "+3934#######"),
        ("libero.it", "gmail.com", "virgilio.it"),
        ("Giulia", "Marco", "Niccolò", "Francesca", "Luca", "Chiara", "Matteo"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Galli", "Conti"),
        ("Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele", "Via Dante"),
        False,
        (
            City("Roma", "001##", 41.903, 12.496),
            City("Milano", "201##", 45.464, 9.190),
            City("Napoli", "801##", 40.852, 14.268),
            City("Torino", "101##", 45.070, 7.687),
        ),
    ),
    Country(
        "NL", 7, "EUR", "eu",
        ("+316########",),
        ("ziggo.nl", "kpnmail.nl", "gmail.com"),
        ("Daan", "Sanne", "Bram", "Femke", "Joost", "Lotte", "Sem"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "van Dijk"),
        ("Damstraat", "Kerkstraat", "Prinsengracht", "Stationsweg"),
        False,
        (
            City("Amsterdam", "10## ??", 52.368, 4.904),
            City("Rotterdam", "30## ??", 51.924, 4.478),
            City("Utrecht", "35## ??", 52.091, 5.122),
        ),
    ),
    Country(
        "GB", 10, "GBP", "eu",
        ("+447#########",),
        ("gmail.com", "hotmail.co.uk", "btinternet.com", "yahoo.co.uk"),
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Zoë", "Siobhan", "Callum"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Hughes", "Evans", "Walker"),
        ("High Street", "Station Road", "Church Lane", "Victoria Road"),
        True,
        (
            City("London", "SW1A #??", 51.507, -0.128, 0),
            City("Manchester", "M1 #??", 53.481, -2.243, 0),
            City("Edinburgh", "EH1 #??", 55.953, -3.188, 0),
            City("Bristol", "BS1 #??", 51.455, -2.588, 0),
        ),
    ),
    Country(
        "US", 8, "USD", "us",
        ("+1@%######",),
        ("gmail.com", "yahoo.com", "outlook.com", "icloud.com"),
        ("James", "Emily", "Michael", "Olivia", "Daniel", "Ava", "Ethan", "Madison"),
        ("Johnson", "Miller", "Davis", "Garcia", "Rodriguez", "Wilson", "Anderson"),
        ("Main St", "Oak Ave", "Maple Dr", "Washington Blvd"),
        True,
        (
            City("New York", "100##", 40.713, -74.006, -5, "212"),
            City("Boston", "021##", 42.360, -71.059, -5, "617"),
            City("Chicago", "606##", 41.878, -87.630, -6, "312"),
            City("San Francisco", "941##", 37.775, -122.419, -8, "415"),
            City("Newark", "071##", 40.736, -74.172, -5, "973"),
        ),
    ),
    Country(
        "SE", 5, "SEK", "eu",
        ("+4670#######", "+4673#######", "+4676#######"),
        ("telia.com", "gmail.com", "hotmail.se"),
        ("Åsa", "Björn", "Elin", "Linnéa", "Oskar", "Maja"),
        ("Andersson", "Johansson", "Sjögren", "Lindqvist", "Ångström", "Nyström", "Öberg"),
        ("Drottninggatan", "Storgatan", "Kungsgatan"),
        False,
        (
            City("Stockholm", "11# ##", 59.329, 18.069),
            City("Göteborg", "41# ##", 57.709, 11.975),
            City("Malmö", "21# ##", 55.605, 13.004),
        ),
    ),
)  # fmt: skip
COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}
FINANCE_CITY = COUNTRY_BY_CODE["DE"].cities[0]  # the finance system books in German time

# EUR base prices converted with fixed (made-up but plausible) rates.
RATES = {
    "EUR": Decimal("1"), "USD": Decimal("1.09"), "GBP": Decimal("0.86"),
    "CHF": Decimal("0.96"), "SEK": Decimal("11.40"),
}  # fmt: skip


@dataclass(frozen=True)
class Product:
    """A catalogue entry; ``bulk`` products are bought in larger quantities."""

    sku: str
    name: str
    price_eur: Decimal
    bulk: bool = False


_CATALOGUE: tuple[tuple[str, str, bool], ...] = (
    ("Espressomaschine Barista Pro", "449.00", False),
    ("Milchaufschäumer", "39.90", False),
    ('Kaffeebohnen "Hausmischung", 1 kg', "18.90", True),
    ("French Press 1,0 l", "29.95", False),
    ("Teekanne Glas 1,5 l", "24.50", False),
    ("Notizbuch A5, liniert", "12.30", True),
    ("Füllfederhalter Classic", "59.00", False),
    ("Kopfhörer Over-Ear", "129.00", False),
    ("Bluetooth-Lautsprecher", "79.99", False),
    ("USB-C Ladekabel 2 m", "12.99", True),
    ("Powerbank 20.000 mAh", "34.90", False),
    ("Rucksack Urban 25 l", "89.00", False),
    ("Wanderschuhe Größe 42", "139.95", False),
    ("Yogamatte", "29.00", False),
    ("Trinkflasche Edelstahl 0,75 l", "22.90", True),
    ("Schreibtischlampe LED", "49.90", False),
    ("Bürostuhl Ergonomic", "289.00", False),
    ("Monitorständer Bambus", "44.00", False),
    ("Pflanztopf Terrakotta Ø 30 cm", "19.80", True),
    ("Duftkerze Lavendel", "14.50", True),
    ("Bettwäsche Satin 155×220 cm", "69.00", False),
    ("Handtuch-Set (4-teilig)", "39.00", False),
    ("Kochbuch „Deutsche Küche“", "26.00", False),
    ("Gusseisenpfanne 28 cm", "64.90", False),
    ("Messerblock 6-tlg.", "119.00", False),
    ("Schneidebrett Eiche", "34.00", False),
    ("Smartwatch Fit 2", "199.00", False),
    ("E-Reader Paperwhite", "149.99", False),
    ("Brettspiel Inselreich", "39.99", False),
    ("Puzzle 1000 Teile", "16.99", True),
    ("Regenschirm Sturmfest", "27.50", False),
    ("Sonnenbrille Polarisiert", "59.90", False),
    ("Laufshirt Damen", "32.00", True),
    ("Laufshirt Herren", "32.00", True),
    ("Socken 5er-Pack", "14.95", True),
    ("Kaffeetasse 'Montag' 350 ml", "9.90", True),
    ("Entkalker 500 ml", "8.49", True),
    ("Wasserfilter-Kartusche 3er", "21.90", True),
    ("Gaming-Maus RGB", "54.99", False),
    ("Mechanische Tastatur DE-Layout", "119.90", False),
    ('Laptop 14" Ultrabook', "1199.00", False),
)
PRODUCTS: tuple[Product, ...] = tuple(
    Product(f"SKU-{i:05d}", name, Decimal(price), bulk)
    for i, (name, price, bulk) in enumerate(_CATALOGUE, start=1)
)

SEGMENTS = ("retail", "online", "wholesale", "partner")
SEGMENT_WEIGHTS = (55, 30, 8, 7)
STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
STATUS_WEIGHTS = (8, 8, 12, 55, 11, 6)
PAID_STATUSES = ("paid", "shipped", "delivered", "returned")
COUPONS = ("WELCOME10", "SPRING24", "VIP15", "FREESHIP", "BLACKFRIDAY23", "NEWSLETTER5")
GIFT_MESSAGES = (
    "Alles Gute zum Geburtstag! 🎉",
    "Joyeux anniversaire, ma chérie !",
    "Happy holidays!\nLove, Sam",
    "Frohe Weihnachten und einen guten Rutsch!",
    "Congratulations on the new flat 🏠",
    "¡Feliz cumpleaños!",
)
NOTES = (
    "Bitte beim Nachbarn abgeben",
    "Leave at the back door",
    "Lieferung bitte nach 17 Uhr",
    "Rechnung separat per E-Mail",
    "Fragile – handle with care",
    "Klingel defekt, bitte anrufen",
    "",
)
PAYMENT_METHODS = ("Überweisung", "Kreditkarte", "Lastschrift", "PayPal")
PAYMENT_METHOD_WEIGHTS = (25, 35, 15, 25)

REVIEW_TITLES = {
    "pos": ("Great quality", "Absolut empfehlenswert", "Très bon produit", "Top!",
            "Schnelle Lieferung, super Ware", "Excelente", "Love it ❤️",
            "Genau wie beschrieben", "Würde ich wieder kaufen"),
    "mid": ("Okay for the price", "Ganz okay", "Correct sans plus", "Geht so",
            "Does the job", "Solide, aber nicht überragend"),
    "neg": ("Disappointed", "Leider defekt angekommen", "Nicht wie beschrieben",
            "Muy decepcionante", "Would not buy again", "Qualité médiocre"),
}  # fmt: skip
REVIEW_SENTENCES = {
    "pos": ("Arrived two days early and well packed.", "Die Qualität ist wirklich top.",
            "Exactly what I was looking for 👍", "Mein Mann ist begeistert 😍",
            "Le rapport qualité-prix est excellent.", "Llegó muy rápido, todo perfecto.",
            "Works great, battery lasts all day.", "Sehr gute Verarbeitung, nichts wackelt.",
            "Would recommend to friends ⭐⭐⭐⭐⭐"),
    "mid": ("It is fine, nothing special.", "Farbe etwas anders als auf dem Foto.",
            "Shipping took longer than expected.", "Für den Preis in Ordnung.",
            "Un peu petit, mais ça va.", "Manual only in German."),
    "neg": ("Broke after one week 😞", "Die Verpackung war beschädigt.",
            "Customer service never answered my e-mail.", "Leider musste ich es zurückschicken.",
            "No funciona como se describe.", "Smells strongly of plastic.",
            "Zu klein – bitte Größentabelle beachten!"),
}  # fmt: skip
REVIEW_TAGS = ("quality", "shipping", "price", "packaging", "support", "size", "value")
RESPONSES = {
    "pos": ("Vielen Dank für Ihre Bewertung, {name}!", "Thank you so much, {name}! 😊"),
    "mid": ("Danke für Ihr ehrliches Feedback, {name}.", "Thanks for the feedback, {name}."),
    "neg": ("Das tut uns leid, {name}. Bitte kontaktieren Sie unseren Kundenservice.",
            "Sorry to hear that, {name}. Our support team will reach out to you."),
}  # fmt: skip


# --------------------------------------------------------------------------- #
# Small helpers
# --------------------------------------------------------------------------- #


def fill(rng: random.Random, template: str, area_code: str = "") -> str:
    """Expand a template: '#' digit, '%' digit 2-9, '?' letter, '@' area code."""
    out = []
    for ch in template:
        if ch == "#":
            out.append(str(rng.randrange(10)))
        elif ch == "%":
            out.append(str(rng.randrange(2, 10)))
        elif ch == "?":
            out.append(rng.choice("ABDEFGHJLNPRSTUWXYZ"))
        elif ch == "@":
            out.append(area_code)
        else:
            out.append(ch)
    return "".join(out)


def slug(text: str) -> str:
    """ASCII-fold a name for an e-mail local part (Müller -> muller, Weiß -> weiss)."""
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in folded.lower() if ch.isascii() and ch.isalnum())


def money(value: Decimal) -> Decimal:
    """Round to cents the way invoices do (half up), not banker's rounding."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def last_sunday(year: int, month: int) -> date:
    """Last Sunday of a month; EU daylight saving switches on these days."""
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - timedelta(days=1)
    return d - timedelta(days=(d.weekday() - 6) % 7)


def nth_sunday(year: int, month: int, n: int) -> date:
    """n-th Sunday of a month; US daylight saving switches on these days."""
    d = date(year, month, 1)
    d += timedelta(days=(6 - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


def utc_offset_hours(city: City, rule: str, utc: datetime) -> int:
    """Local UTC offset at a UTC instant, with hand-coded DST rules (no tz database).

    zoneinfo would depend on the system's tz data; hard-coding the two rules we
    need keeps the output identical everywhere.
    """
    y = utc.year
    if rule == "eu":
        start = datetime.combine(last_sunday(y, 3), datetime.min.time()) + timedelta(hours=1)
        end = datetime.combine(last_sunday(y, 10), datetime.min.time()) + timedelta(hours=1)
    else:
        start = datetime.combine(nth_sunday(y, 3, 2), datetime.min.time()) + timedelta(
            hours=2 - city.utc_offset
        )
        end = datetime.combine(nth_sunday(y, 11, 1), datetime.min.time()) + timedelta(
            hours=2 - city.utc_offset - 1
        )
    return city.utc_offset + (1 if start <= utc < end else 0)


def iso_local(utc: datetime, offset: int) -> str:
    """ISO 8601 local time with a numeric offset, e.g. 2024-03-05T14:22:10+01:00."""
    local = utc + timedelta(hours=offset)
    sign = "+" if offset >= 0 else "-"
    return f"{local:%Y-%m-%dT%H:%M:%S}{sign}{abs(offset):02d}:00"


def iso_z(utc: datetime) -> str:
    """ISO 8601 UTC time with the 'Z' designator."""
    return f"{utc:%Y-%m-%dT%H:%M:%S}Z"


def de_amount(value: Decimal) -> str:
    """German number format: thousands dot, decimal comma (1.234,56)."""
    return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def random_instant(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """Uniform instant in [start, end), whole seconds."""
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def daytime_instant(rng: random.Random, start: datetime, end: datetime, city: City) -> datetime:
    """Random instant, mostly between 07:00 and 24:00 local time (people sleep at night)."""
    while True:
        utc = random_instant(rng, start, end)
        if (utc + timedelta(hours=city.utc_offset)).hour >= 7 or rng.random() < 0.1:
            return utc


def csv_line(fields: Sequence[str], delimiter: str, terminator: str) -> str:
    """One CSV record with RFC 4180 minimal quoting."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=terminator).writerow(fields)
    return buf.getvalue()


# --------------------------------------------------------------------------- #
# Output bookkeeping
# --------------------------------------------------------------------------- #


@dataclass
class Dirty:
    """One deliberately injected defect; becomes an item of dirty.yaml."""

    file: str
    line: int
    record: int
    kind: str
    field: str | None
    value: str | None
    note: str
    extra: dict[str, int | str] = field(default_factory=dict)


@dataclass
class Facts:
    """Per-file facts for dirty.yaml (what a reader must know to parse the file)."""

    format: str
    encoding: str
    delimiter: str | None
    line_terminator: str
    preamble_lines: int
    header: bool
    records: int
    columns: list[str]


Written = tuple[bytes, Facts, list[Dirty]]
At = tuple[int, int]  # (physical line, record number) where a record starts


class FileBuilder:
    """Accumulates one file's bytes while counting physical lines and data records.

    Line numbers in dirty.yaml come from here, at write time, so they cannot
    disagree with the bytes that are actually written.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.chunks: list[bytes] = []
        self.next_line = 1
        self.offset = 0
        self.records = 0
        self.preamble_lines = 0
        self.dirty: list[Dirty] = []

    def preamble(self, text: str, encoding: str) -> None:
        """Append a free-text line that precedes the header (counted for dirty.yaml)."""
        self.preamble_lines += 1
        self.raw(text.encode(encoding))

    def raw(self, data: bytes) -> None:
        """Append bytes that are not a data record (preamble, header, brackets)."""
        self.chunks.append(data)
        self.next_line += data.count(b"\n")
        self.offset += len(data)

    def record(self, data: bytes) -> At:
        """Append one data record; return where it starts."""
        self.records += 1
        at = (self.next_line, self.records)
        self.raw(data)
        return at

    def flag(
        self,
        at: At,
        kind: str,
        note: str,
        field: str | None = None,
        value: str | None = None,
        **extra: int | str,
    ) -> None:
        """Log a defect injected into the record at ``at``."""
        self.dirty.append(Dirty(self.name, at[0], at[1], kind, field, value, note, extra))

    def duplicate(self, original: At, data: bytes, what: str) -> None:
        """Write ``data`` again, verbatim, straight after the original record."""
        at = self.record(data)
        self.flag(at, "duplicate", f"Exact copy of line {original[0]} ({what} appears twice).")

    def done(self, fmt: str, encoding: str, delimiter: str | None, columns: list[str]) -> Written:
        """Finish the file and describe it; CSV files always carry a header row here."""
        data = b"".join(self.chunks)
        terminator = "CRLF" if b"\r\n" in data else "LF"
        facts = Facts(
            fmt, encoding, delimiter, terminator, self.preamble_lines, fmt == "csv",
            self.records, columns,
        )  # fmt: skip
        return data, facts, self.dirty


# --------------------------------------------------------------------------- #
# Domain objects
# --------------------------------------------------------------------------- #


@dataclass
class Customer:
    """A customer plus the address that orders usually ship to."""

    customer_id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    country: Country
    city: City
    street: str
    postal_code: str
    signup_date: date
    is_vip: bool
    segment: str

    def row(self) -> list[str]:
        return [
            str(self.customer_id), self.email, self.first_name, self.last_name, self.phone,
            self.country.code, self.signup_date.isoformat(), "true" if self.is_vip else "false",
            self.postal_code, self.segment,
        ]  # fmt: skip


@dataclass
class Item:
    """One order line; prices are already in the order's currency."""

    order_id: int
    line_no: int
    product: Product
    quantity: int
    unit_price: Decimal
    discount_pct: Decimal | None

    @property
    def line_total(self) -> Decimal:
        pct = self.discount_pct or Decimal(0)
        return money(self.quantity * self.unit_price * (100 - pct) / 100)

    def row(self) -> list[str]:
        return [
            str(self.order_id), str(self.line_no), self.product.sku, self.product.name,
            str(self.quantity), f"{self.unit_price:.2f}",
            "" if self.discount_pct is None else f"{self.discount_pct:.2f}",
        ]  # fmt: skip


@dataclass
class Order:
    """An order; ``total`` is derived from the items so the two always reconcile."""

    order_id: int
    customer: Customer
    utc: datetime
    ordered_at: str
    status: str
    currency: str
    shipping: dict[str, object]
    extras: dict[str, str | None]
    items: list[Item] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((i.line_total for i in self.items), Decimal(0))


@dataclass
class Payment:
    """A booking in the finance system (negative amounts are refunds)."""

    order: Order
    utc: datetime
    amount: Decimal
    method: str
    reference: str
    payment_id: int = 0

    def row(self) -> list[str]:
        off = utc_offset_hours(FINANCE_CITY, "eu", self.utc)
        local = self.utc + timedelta(hours=off)
        return [
            str(self.payment_id), str(self.order.order_id), f"{local:%d.%m.%Y %H:%M}",
            de_amount(self.amount), self.order.currency, self.method, self.reference,
        ]  # fmt: skip


# --------------------------------------------------------------------------- #
# Generation
# --------------------------------------------------------------------------- #


def make_address(rng: random.Random, country: Country) -> tuple[City, str, str]:
    """A random (city, street line, postal code) in ``country``."""
    city = rng.choice(country.cities)
    street = rng.choice(country.streets)
    number = rng.randint(1, 180)
    line = f"{number} {street}" if country.number_first else f"{street} {number}"
    return city, line, fill(rng, city.postal)


# Profiles forced onto a few customers so that quoting and non-ASCII cases are
# guaranteed to be present instead of left to chance.
FORCED_PROFILES: tuple[tuple[str, str, str], ...] = (
    ("DE", "Jürgen", "Müller"),
    ("GB", "Zoë", "Hughes"),
    ("ES", "Lucía", "Ñúñez"),
    ("US", 'Robert "Bobby"', "Smith"),  # embedded double quote -> doubled quotes
    ("GB", "Liam", "O'Neill, Jr."),  # embedded comma -> quoted field
    ("DE", "Dörte", "Weiß"),
)
UNDECODABLE_PROFILE = ("FR", "Claire", "Dupré")  # its é gets written as raw Latin-1 0xE9


def make_customers(rng: random.Random) -> tuple[list[Customer], dict[str, int]]:
    """Customers sorted by signup date (ids follow signup order, like a real sequence)."""
    span = (SIGNUP_END - SIGNUP_START).days
    dates = sorted(
        SIGNUP_START + timedelta(days=rng.randrange(span + 1)) for _ in range(N_CUSTOMERS)
    )
    special = rng.sample(range(10, N_CUSTOMERS - 10), len(FORCED_PROFILES) + 3)
    forced = dict(zip(special, FORCED_PROFILES, strict=False))
    undecodable, ragged, dup = special[len(FORCED_PROFILES) :]
    forced[undecodable] = UNDECODABLE_PROFILE
    # Put the impossible 2023-02-30 on a customer who really signed up around then.
    around = [i for i, d in enumerate(dates) if (d.year, d.month) in ((2023, 2), (2023, 3))]
    bad_date = rng.choice(
        [i for i in around if i not in special]
        or [i for i in range(10, N_CUSTOMERS - 10) if i not in special]
    )

    weights = [c.weight for c in COUNTRIES]
    used_emails: set[str] = set()
    customers: list[Customer] = []
    for i, signup in enumerate(dates):
        if i in forced:
            code, first, last = forced[i]
            country = COUNTRY_BY_CODE[code]
        else:
            country = rng.choices(COUNTRIES, weights)[0]
            first = rng.choice(country.first_names)
            last = rng.choice(country.last_names)
        city, street, postal = make_address(rng, country)
        f, la = slug(first.split('"')[0]), slug(last.split(",")[0])
        pattern = rng.choice(("{f}.{l}", "{f}{l}", "{f0}.{l}", "{f}_{l}{n}", "{l}.{f}{n}"))
        local = pattern.format(f=f, l=la, f0=f[0], n=rng.randint(1, 99))
        email = f"{local}@{rng.choice(country.domains)}"
        while email in used_emails:
            email = f"{local}{rng.randint(100, 999)}@{rng.choice(country.domains)}"
        used_emails.add(email)
        phone = "" if rng.random() < 0.05 else fill(rng, rng.choice(country.phones), city.area_code)
        customers.append(
            Customer(
                customer_id=1001 + i,
                email=email,
                first_name=first,
                last_name=last,
                phone=phone,
                country=country,
                city=city,
                street=street,
                postal_code=postal,
                signup_date=signup,
                is_vip=rng.random() < 0.12,
                segment=rng.choices(SEGMENTS, SEGMENT_WEIGHTS)[0],
            )
        )
    dirty = {"undecodable": undecodable, "ragged": ragged, "duplicate": dup, "bad_date": bad_date}
    return customers, dirty


def make_orders(
    rng: random.Random, customers: list[Customer], excluded: set[int]
) -> tuple[list[Order], dict[str, int]]:
    """Orders in time order (ids ascend with time); only clean customers place orders."""
    pool = [c for c in customers if c.customer_id not in excluded]
    # Heavy-tailed activity: a few customers order a lot, many order once or twice.
    activity = [rng.paretovariate(1.3) for _ in pool]
    drafts: list[tuple[datetime, Customer]] = []
    for _ in range(N_ORDERS):
        cust = rng.choices(pool, activity)[0]
        earliest = max(
            ORDER_START, datetime.combine(cust.signup_date, datetime.min.time()) + timedelta(days=1)
        )
        drafts.append((daytime_instant(rng, earliest, ORDER_END, cust.city), cust))
    drafts.sort(key=lambda d: (d[0], d[1].customer_id))

    orders: list[Order] = []
    for n, (utc, cust) in enumerate(drafts):
        country = cust.country
        roll = rng.random()
        if roll < 0.85:
            ship_country, city, street, postal = country, cust.city, cust.street, cust.postal_code
        else:  # a gift or a second address, sometimes abroad
            ship_country = country if roll < 0.95 else rng.choice(COUNTRIES)
            city, street, postal = make_address(rng, ship_country)
        shipping: dict[str, object] = {
            "street": street,
            "city": city.name,
            "postal_code": postal,
            "country": ship_country.code,
        }
        if rng.random() < 0.4:
            shipping["geo"] = {
                "lat": round(city.lat + rng.uniform(-0.05, 0.05), 5),
                "lon": round(city.lon + rng.uniform(-0.05, 0.05), 5),
            }
        if rng.random() < 0.15:  # orders that came in through the API carry UTC "Z" stamps
            stamp = iso_z(utc)
        else:
            stamp = iso_local(utc, utc_offset_hours(cust.city, country.dst, utc))
        extras: dict[str, str | None] = {}
        if rng.random() < 0.20:
            extras["coupon_code"] = rng.choice(COUPONS)
        if rng.random() < 0.05:
            extras["gift_message"] = rng.choice(GIFT_MESSAGES)
        if rng.random() < 0.30:
            note = rng.choice(NOTES)
            extras["notes"] = None if rng.random() < 0.35 else note
        orders.append(
            Order(
                order_id=50001 + n,
                customer=cust,
                utc=utc,
                ordered_at=stamp,
                status=rng.choices(STATUSES, STATUS_WEIGHTS)[0],
                currency=country.currency,
                shipping=shipping,
                extras=extras,
            )
        )
    invalid, bad_ts, dup = rng.sample(range(10, N_ORDERS - 10), 3)
    return orders, {"invalid_json": invalid, "bad_date": bad_ts, "duplicate": dup}


def make_items(rng: random.Random, orders: list[Order]) -> None:
    """Attach 1-6 distinct products per order, priced in the order's currency."""
    for order in orders:
        n = rng.choices((1, 2, 3, 4, 5, 6), (30, 26, 19, 13, 7, 5))[0]
        for line_no, product in enumerate(rng.sample(PRODUCTS, n), start=1):
            qty = (
                rng.choices((1, 2, 3, 6, 12), (60, 20, 10, 7, 3))[0]
                if product.bulk
                else rng.choices((1, 2, 3), (85, 12, 3))[0]
            )
            discount = None
            if rng.random() < 0.3:
                discount = Decimal(rng.choice(("5", "10", "12.5", "15", "20")))
            order.items.append(
                Item(
                    order.order_id,
                    line_no,
                    product,
                    qty,
                    money(product.price_eur * RATES[order.currency]),
                    discount,
                )
            )


def make_payments(rng: random.Random, orders: list[Order]) -> list[Payment]:
    """Payments (and refunds for returns), numbered in the order they were booked."""
    payments: list[Payment] = []
    for order in orders:
        if order.status not in PAID_STATUSES:
            continue
        method = rng.choices(PAYMENT_METHODS, PAYMENT_METHOD_WEIGHTS)[0]
        slow = method in ("Überweisung", "Lastschrift")
        delay = timedelta(minutes=rng.randint(1, 60 * 24 * (5 if slow else 1)))
        paid = order.utc + delay
        total, name = order.total, order.customer.last_name
        if rng.random() < 0.05 and total > 100:
            first = money(total / 2)
            parts = [(paid, first), (paid + timedelta(days=rng.randint(1, 3)), total - first)]
            for k, (when, amount) in enumerate(parts, start=1):
                ref = f"Teilzahlung {k}/2 – {money_text(amount, order)} – Best. {order.order_id}"
                payments.append(Payment(order, when, amount, method, ref))
        else:
            payments.append(
                Payment(order, paid, total, method, payment_reference(rng, order, method, name))
            )
        if order.status == "returned":
            when = paid + timedelta(days=rng.randint(8, 20), minutes=rng.randint(0, 600))
            ref = f"Erstattung Retoure {order.order_id} ({money_text(total, order)})"
            payments.append(
                Payment(order, min(when, datetime(2024, 3, 31, 12)), -total, method, ref)
            )
    payments.sort(key=lambda p: (p.utc, p.order.order_id, p.amount))
    for n, p in enumerate(payments):
        p.payment_id = 70001 + n
    return payments


def money_text(amount: Decimal, order: Order) -> str:
    """Amount as a German bookkeeper types it: '1.234,56 €', or with the code if not EUR."""
    return f"{de_amount(amount)} {'€' if order.currency == 'EUR' else order.currency}"


def payment_reference(rng: random.Random, order: Order, method: str, name: str) -> str:
    """Free-text reference like real bank exports: €, curly quotes, dashes."""
    oid = order.order_id
    year = order.utc.year
    if method == "PayPal":
        options = [f"PayPal *SHOP {oid}", f"PP-{rng.getrandbits(40):010X}"]
    elif method == "Kreditkarte":
        options = [
            f"VISA ****{rng.randrange(10000):04d} Best. {oid}",
            f"Mastercard ****{rng.randrange(10000):04d} – {oid}",
        ]
    else:
        options = [
            f"RE-{year}-{oid}",
            f"Bestellung {oid} {name}",
            f"„{name}“ Rechnung {oid}",
            f"Zahlung zu Auftrag {oid} – {name}",
        ]
    if rng.random() < 0.25:
        options = [
            f"{oid} / {money_text(order.total, order)} inkl. MwSt.",
            f"Kunde {name} – “Express” {oid}",
            f"Best. {oid} – Rabatt {money_text(Decimal(5), order)} abgezogen",
        ]
    return rng.choice(options)


def make_reviews(
    rng: random.Random, orders: list[Order], excluded: set[int]
) -> tuple[list[dict[str, object]], dict[str, list[int]]]:
    """Reviews of delivered/returned orders, in creation order, written by the buyer."""
    eligible = [
        o for o in orders if o.status in ("delivered", "returned") and o.order_id not in excluded
    ]
    chosen = sorted(rng.sample(eligible, N_REVIEWS), key=lambda o: o.order_id)
    drafts: list[tuple[datetime, Order]] = []
    for order in chosen:
        created = order.utc + timedelta(days=rng.randint(3, 40), seconds=rng.randrange(86400))
        drafts.append((created, order))
    drafts.sort(key=lambda d: (d[0], d[1].order_id))

    reviews: list[dict[str, object]] = []
    for created, order in drafts:
        cust = order.customer
        weights = (5, 5, 15, 30, 45) if order.status == "delivered" else (35, 30, 20, 10, 5)
        rating = rng.choices((1, 2, 3, 4, 5), weights)[0]
        mood = "neg" if rating <= 2 else "mid" if rating == 3 else "pos"
        sentences = rng.sample(REVIEW_SENTENCES[mood], rng.randint(1, 3))
        body = sentences[0]
        for s in sentences[1:]:
            body += rng.choice((" ", "\n", "\n\n")) + s
        first = cust.first_name.split('"')[0].strip()
        display = None if rng.random() < 0.05 else f"{first} {cust.last_name[0]}."
        response: dict[str, str] | None = None
        if rng.random() < 0.25:
            responded = created + timedelta(hours=rng.randint(2, 96))
            response = {
                "text": rng.choice(RESPONSES[mood]).format(name=first),
                "responded_at": iso_z(responded),
            }
        reviews.append(
            {
                "review_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "order_id": order.order_id,
                "customer_id": cust.customer_id,
                "rating": rating,
                "title": None if rng.random() < 0.04 else rng.choice(REVIEW_TITLES[mood]),
                "body": body,
                "created_at": iso_z(created),
                "author": {"display_name": display, "verified": rng.random() < 0.8},
                "helpful_votes": None if rng.random() < 0.03 else int(rng.expovariate(0.25)),
                "tags": rng.sample(REVIEW_TAGS, rng.choice((0, 0, 1, 1, 2, 3))),
                "response": response,
            }
        )
    picks = rng.sample(range(10, N_REVIEWS - 10), 7)
    return reviews, {
        "na_title": picks[0:3],
        "na_rating": picks[3:5],
        "bad_date": picks[5:6],
        "duplicate": picks[6:7],
    }


# --------------------------------------------------------------------------- #
# Writers: each returns (bytes, facts, dirty items)
# --------------------------------------------------------------------------- #


def write_customers(customers: list[Customer], bad: dict[str, int]) -> Written:
    """UTF-8, comma, LF; one bad date, one short row, one raw 0xE9, one duplicate line."""
    out = FileBuilder(CUSTOMERS)
    out.raw(csv_line(CUSTOMER_COLUMNS, ",", "\n").encode("utf-8"))
    utf8_e = "é".encode()
    for i, cust in enumerate(customers):
        fields = cust.row()
        if i == bad["bad_date"]:
            fields[6] = "2023-02-30"
        if i == bad["ragged"]:
            fields = fields[:-1]
        data = csv_line(fields, ",", "\n").encode("utf-8")
        byte_offset = out.offset + data.find(utf8_e)
        if i == bad["undecodable"]:
            assert data.count(utf8_e) == 1, "the Latin-1 row must contain exactly one 'é'"
            data = data.replace(utf8_e, b"\xe9")
        at = out.record(data)
        who = f"customer_id {cust.customer_id}"
        if i == bad["bad_date"]:
            note = f"February has no 30th ({who})."
            out.flag(at, "bad_date", note, "signup_date", "2023-02-30")
        if i == bad["ragged"]:
            note = f"9 fields instead of 10: the trailing segment field is missing ({who})."
            out.flag(at, "ragged_row", note)
        if i == bad["undecodable"]:
            note = (
                f"last_name written as Latin-1 (byte 0xE9 for 'é') in an otherwise UTF-8 file "
                f"({who}); value shown decoded as Latin-1."
            )
            extra: dict[str, int | str] = {"byte": "0xE9", "byte_offset": byte_offset}
            out.flag(at, "undecodable_byte", note, "last_name", cust.last_name, **extra)
        if i == bad["duplicate"]:
            out.duplicate(at, data, who)
    return out.done("csv", "utf-8", ",", CUSTOMER_COLUMNS)


TOTAL_PLACEHOLDER = "@@TOTAL@@"


def order_json(order: Order) -> str:
    """One JSON line; total is spliced in as a literal so it always has 2 decimals."""
    obj: dict[str, object] = {
        "order_id": order.order_id, "customer_id": order.customer.customer_id,
        "ordered_at": order.ordered_at, "status": order.status, "currency": order.currency,
        "total": TOTAL_PLACEHOLDER, "shipping": order.shipping, **order.extras,
    }  # fmt: skip
    text = json.dumps(obj, ensure_ascii=False)
    return text.replace(f'"{TOTAL_PLACEHOLDER}"', f"{order.total:.2f}", 1)


def write_orders(orders: list[Order], bad: dict[str, int]) -> Written:
    """JSON Lines; one truncated line, one impossible timestamp, one duplicate line."""
    out = FileBuilder(ORDERS)
    bad_stamp = "2024-13-45T25:61:00Z"
    for i, order in enumerate(orders):
        if i == bad["bad_date"]:
            order.ordered_at = bad_stamp
        text = order_json(order)
        if i == bad["invalid_json"]:
            text = text[: len(text) // 2]
        data = (text + "\n").encode("utf-8")
        at = out.record(data)
        who = f"order_id {order.order_id}"
        if i == bad["bad_date"]:
            note = f"Month 13, day 45, hour 25, minute 61: not a timestamp ({who})."
            out.flag(at, "bad_date", note, "ordered_at", bad_stamp)
        if i == bad["invalid_json"]:
            note = f"Object cut off half-way ({who}); the line is not valid JSON."
            out.flag(at, "invalid_json", note, None, text)
        if i == bad["duplicate"]:
            out.duplicate(at, data, who)
    return out.done("jsonl", "utf-8", None, ORDER_KEYS)


def write_items(rng: random.Random, orders: list[Order], excluded: set[int]) -> Written:
    """UTF-8, comma, CRLF; one extra field, one price with a letter O, one duplicate line."""
    items = [it for o in orders if o.order_id not in excluded for it in o.items]
    # A price ending in 0 can be mistyped with a letter O; prefer the 12.30 notebook.
    zero_end = [k for k, it in enumerate(items) if f"{it.unit_price:.2f}".endswith("0")]
    notebook = [k for k in zero_end if f"{items[k].unit_price:.2f}" == "12.30"]
    bad_price = rng.choice(notebook or zero_end)
    ragged, dup = rng.sample([k for k in range(10, len(items) - 10) if k != bad_price], 2)

    out = FileBuilder(ITEMS)
    out.raw(csv_line(ITEM_COLUMNS, ",", "\r\n").encode("utf-8"))
    for k, item in enumerate(items):
        fields = item.row()
        if k == bad_price:
            fields[5] = fields[5][:-1] + "O"
        if k == ragged:
            fields.append("GESCHENKVERPACKUNG")
        data = csv_line(fields, ",", "\r\n").encode("utf-8")
        at = out.record(data)
        key = f"order_id {item.order_id}, line_no {item.line_no}"
        if k == bad_price:
            note = f"Letter O instead of digit 0 ({key}); intended {item.unit_price:.2f}."
            out.flag(at, "bad_number", note, "unit_price", fields[5])
        if k == ragged:
            out.flag(at, "ragged_row", f"8 fields instead of 7: an extra trailing field ({key}).")
        if k == dup:
            out.duplicate(at, data, f"composite key {key}")
    return out.done("csv", "utf-8", ",", ITEM_COLUMNS)


PAYMENTS_PREAMBLE = f"Zahlungsexport FinanzSystem 4.2 - erstellt am {EXPORT_DATE}"


def write_payments(rng: random.Random, payments: list[Payment]) -> Written:
    """cp1252, ';', decimal comma, CRLF, one preamble line; bad date, short row, duplicate."""
    bad_date, ragged, dup = rng.sample(range(10, len(payments) - 10), 3)
    out = FileBuilder(PAYMENTS)
    out.preamble(PAYMENTS_PREAMBLE + "\r\n", "cp1252")
    out.raw(csv_line(PAYMENT_COLUMNS, ";", "\r\n").encode("cp1252"))
    for k, pay in enumerate(payments):
        fields = pay.row()
        if k == bad_date:
            fields[2] = "31.02.2024 10:00"
        if k == ragged:
            del fields[4]  # the currency column goes missing, later fields shift left
        data = csv_line(fields, ";", "\r\n").encode("cp1252")
        at = out.record(data)
        who = f"payment_id {pay.payment_id}"
        if k == bad_date:
            out.flag(at, "bad_date", f"February has no 31st ({who}).", "paid_at", fields[2])
        if k == ragged:
            note = f"6 fields instead of 7: currency is missing, later fields shift left ({who})."
            out.flag(at, "ragged_row", note)
        if k == dup:
            out.duplicate(at, data, who)
    return out.done("csv", "cp1252", ";", PAYMENT_COLUMNS)


def json_block(obj: object) -> str:
    """An array element exactly as ``json.dumps(array, indent=2)`` lays it out."""
    return "\n".join("  " + ln for ln in json.dumps(obj, indent=2, ensure_ascii=False).split("\n"))


def write_reviews(reviews: list[dict[str, object]], bad: dict[str, list[int]]) -> Written:
    """Pretty JSON array; N/A tokens, one impossible date, one duplicated object."""
    # (object, defects as (kind, note, field, value)); None marks the duplicate copy.
    planned: list[tuple[dict[str, object], list[tuple[str, str, str, str]] | None]] = []
    for i, review in enumerate(reviews):
        flags: list[tuple[str, str, str, str]] = []
        if i in bad["na_title"]:
            review["title"] = "N/A"
            flags.append(("null_token", "String 'N/A' instead of a title.", "title", "N/A"))
        if i in bad["na_rating"]:
            review["rating"] = "N/A"
            flags.append(("null_token", "String 'N/A' in an integer field.", "rating", "N/A"))
        if i in bad["bad_date"]:
            review["created_at"] = "2024-02-30T12:00:00Z"
            flags.append(
                ("bad_date", "February has no 30th.", "created_at", "2024-02-30T12:00:00Z")
            )
        planned.append((review, flags))
        if i in bad["duplicate"]:
            planned.append((review, None))

    out = FileBuilder(REVIEWS)
    out.raw(b"[\n")
    previous: At = (0, 0)
    for n, (obj, flags) in enumerate(planned, start=1):
        separator = ",\n" if n < len(planned) else "\n"
        at = out.record((json_block(obj) + separator).encode("utf-8"))
        if flags is None:
            note = (
                f"Same object as the record starting on line {previous[0]} "
                f"(review_id {obj['review_id']} appears twice)."
            )
            out.flag(at, "duplicate", note)
        for kind, note, fld, value in flags or ():
            out.flag(at, kind, note, fld, value)
        previous = at
    out.raw(b"]\n")
    written = out.done("json", "utf-8", None, REVIEW_KEYS)
    expected = json.dumps([obj for obj, _ in planned], indent=2, ensure_ascii=False) + "\n"
    assert written[0] == expected.encode("utf-8"), "hand-assembled JSON differs from json.dumps"
    return written


# --------------------------------------------------------------------------- #
# dirty.yaml and README.md
# --------------------------------------------------------------------------- #


def yaml_scalar(value: object) -> str:
    """A YAML scalar; strings are JSON-quoted, which is valid YAML double-quoted style."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def render_yaml(facts: dict[str, Facts], dirty: list[Dirty]) -> str:
    """Hand-rolled emitter (stdlib only) with a stable key order."""
    lines = [
        "# Answer key for examples/shop. Generated by generate.py - do not edit by hand.",
        "# line: 1-based physical line where the record starts (reviews.json: its opening '{').",
        "# record: 1-based data record number (header and preamble lines not counted).",
        f"dataset: shop\nseed: {SEED}",
        "files:",
    ]
    for name, f in facts.items():
        lines.append(f"  {name}:")
        for key in (
            "format",
            "encoding",
            "delimiter",
            "line_terminator",
            "preamble_lines",
            "header",
            "records",
        ):
            lines.append(f"    {key}: {yaml_scalar(getattr(f, key))}")
        lines.append("    columns: [" + ", ".join(yaml_scalar(c) for c in f.columns) + "]")
    lines.append("dirty:")
    for d in dirty:
        lines.append(f"  - file: {yaml_scalar(d.file)}")
        for key in ("line", "record", "kind", "field", "value"):
            lines.append(f"    {key}: {yaml_scalar(getattr(d, key))}")
        for key, val in d.extra.items():
            lines.append(f"    {key}: {yaml_scalar(val)}")
        lines.append(f"    note: {yaml_scalar(d.note)}")
    return "\n".join(lines) + "\n"


README_TEMPLATE = """\
# `shop` example dataset

A small, realistic web-shop export used by assay's docs, demos and tests. It is
**generated** by [`generate_shop.py`](../tools/generate_shop.py) (stdlib only, seed @SEED@); running
`python examples/tools/generate_shop.py` rewrites every file byte for byte, including this
README and the answer key [`dirty.yaml`](dirty.yaml). Do not edit the data by hand.
[`check_shop.py`](../tools/check_shop.py) re-parses everything and verifies keys,
relationships and the answer key.

The files deliberately differ in format the way real exports do, and each contains a
few **known defects** (listed below) so that profiling and validation can be tested
against a ground truth.

## Files

| file | format | encoding | delimiter | line ends | preamble | records |
|---|---|---|---|---|---|---|
@FILE_ROWS@

`records` counts physical data rows (CSV) or JSON records, dirty and duplicated ones
included.

## Tables, keys and relationships

- **`customers`** — key `customer_id` (int, from 1001). `email`; `first_name`,
  `last_name` (UTF-8, e.g. `Müller`, `Zoë`, `Ñúñez`; one quoted value with a comma,
  one with doubled quotes); `phone` (E.164, some empty); `country` (ISO 3166-1
  alpha-2, 10 countries); `signup_date` (ISO date); `is_vip` (`true`/`false`);
  `postal_code` (text: leading zeros such as Dresden `010..` or Roma `001..`, and
  formats like `3017 BA`, `SW1A 1AA`, `114 55`); `segment` (`retail`, `online`,
  `wholesale`, `partner`).
- **`orders`** — key `order_id` (int, from 50001). `customer_id` → customers;
  `ordered_at` (ISO 8601 with the buyer's UTC offset, or `Z` for API orders);
  `status` (`placed`, `paid`, `shipped`, `delivered`, `cancelled`, `returned`);
  `currency` (ISO 4217: EUR, GBP, USD, CHF, SEK); `total` (always 2 decimals);
  nested `shipping` {street, city, postal_code (string), country, optional nested
  `geo` {lat, lon}}; optional keys `coupon_code` (~20%), `gift_message` (~5%) and
  `notes` (~30%, sometimes `null`).
- **`order_items`** — composite key (`order_id`, `line_no`). `order_id` → orders;
  `sku` (`SKU-00042`); `product_name` (some quoted because of commas or `"`);
  `quantity`; `unit_price` (dot decimal, 2 places, in the order's currency);
  `discount_pct` (2 places, empty = no discount).
- **`payments`** — key `payment_id` (int, from 70001, in booking order). `order_id` →
  orders; `paid_at` (`DD.MM.YYYY HH:MM`, German local time); `amount` (`1.234,56`;
  refunds of returned orders are negative); `currency`; `method` (`Überweisung`,
  `Kreditkarte`, `Lastschrift`, `PayPal`); `reference` (free text with `€`, `„…“`).
- **`reviews`** — key `review_id` (UUID string). `order_id` → orders, `customer_id` →
  customers (the order's buyer); `rating` (1-5); `title`; `body` (may contain
  newlines and emoji); `created_at` (UTC, `Z`); nested `author` {display_name,
  verified}; `helpful_votes`; `tags` (0-3 strings); `response` (`null` or
  {text, responded_at}).

Relationships (all hold for every clean record):

- `orders.customer_id` ⊂ `customers.customer_id`
- `order_items.order_id`, `payments.order_id`, `reviews.order_id` ⊂ `orders.order_id`
- `reviews.customer_id` ⊂ `customers.customer_id` (and equals the order's customer)

Child rows only ever point at parents whose own record is clean, so the relationships
still hold after dirty records are dropped. Consistency you can check:
for every clean order, `total` = Σ over its items of
round(quantity × unit_price × (1 − discount_pct/100), 2), and its payments (refunds
excluded) add up to `total`.

Legitimate missing values (not defects): empty `phone` and `discount_pct`; in JSON,
`null` in `notes`, `title`, `author.display_name`, `helpful_votes` and `response`, a few
empty-string `notes`, and optional keys that are simply absent.

## Known defects

Line numbers are 1-based physical lines (for `reviews.json`, the line of the record's
opening `{`); `record` counts data records only.

| file | line | record | kind | field | value | note |
|---|---|---|---|---|---|---|
@DIRTY_ROWS@
"""


def md_code(value: str | None, limit: int = 48) -> str:
    """Inline code for a Markdown table cell (shortened, pipes escaped)."""
    if value is None:
        return ""
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return "`" + shown.replace("|", "\\|") + "`"


def render_readme(facts: dict[str, Facts], dirty: list[Dirty]) -> str:
    """README with the file and defect tables filled in from the same data as dirty.yaml."""
    file_rows = "\n".join(
        f"| `{name}` | {f.format} | {f.encoding} | {md_code(f.delimiter) or '-'} | "
        f"{f.line_terminator} | {f.preamble_lines} | {f.records} |"
        for name, f in facts.items()
    )
    dirty_rows = "\n".join(
        f"| `{d.file}` | {d.line} | {d.record} | {d.kind} | {md_code(d.field)} | "
        f"{md_code(d.value)} | {d.note.replace('|', '/')} |"
        for d in dirty
    )
    text = README_TEMPLATE.replace("@SEED@", str(SEED)).replace("@FILE_ROWS@", file_rows)
    return text.replace("@DIRTY_ROWS@", dirty_rows)


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #


def generate(out_dir: Path) -> dict[str, bytes]:
    """Build every file in memory, then write them all to ``out_dir``."""
    rng = random.Random(SEED)
    customers, bad_c = make_customers(rng)
    dirty_customers = {
        customers[bad_c[k]].customer_id for k in ("bad_date", "ragged", "undecodable")
    }
    orders, bad_o = make_orders(rng, customers, dirty_customers)
    dirty_orders = {orders[bad_o[k]].order_id for k in ("invalid_json", "bad_date")}
    make_items(rng, orders)
    payments = make_payments(rng, [o for o in orders if o.order_id not in dirty_orders])
    reviews, bad_r = make_reviews(rng, orders, dirty_orders)

    results = {
        CUSTOMERS: write_customers(customers, bad_c),
        ORDERS: write_orders(orders, bad_o),
        ITEMS: write_items(rng, orders, dirty_orders),
        PAYMENTS: write_payments(rng, payments),
        REVIEWS: write_reviews(reviews, bad_r),
    }
    facts = {name: r[1] for name, r in results.items()}
    dirty = [d for r in results.values() for d in r[2]]
    files = {name: r[0] for name, r in results.items()}
    files["dirty.yaml"] = render_yaml(facts, dirty).encode("utf-8")
    files["README.md"] = render_readme(facts, dirty).encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out_dir / name).write_bytes(data)
    return files


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=SHOP, help="output directory (default: examples/shop)"
    )
    args = parser.parse_args(argv)
    for name, data in generate(args.out).items():
        print(f"{len(data):>8}  {args.out / name}")


if __name__ == "__main__":
    main()
