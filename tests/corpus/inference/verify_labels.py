"""Check the inference corpus: every label in labels.yaml must follow from the file bytes.

Run ``python tests/corpus/inference/verify_labels.py`` (exit 1 on any error).  The script
re-reads every file with Python's ``csv`` / ``json`` under the dialect its entry states,
then re-derives each column's label with a small reference implementation of the
decision rules documented at the top of ``labels.yaml`` (R1-R14): null tokens, the 99.9%
tolerance with exact violation counts, precision/scale from the strings as written,
units, date formats and ambiguity, time zones, epoch hints, formats (Luhn, IBAN mod-97,
ISO code lists...), JSON paths with exact key frequencies, and late breaks after row
100,000.  The derived label must equal the stated one key for key (``notes`` and
``open_question`` excepted).  It also checks structure (encoding/BOM, line terminators,
field counts, row counts), corpus coverage and size, and that the committed files equal
a fresh run of ``make_corpus.py``.

This is deliberately independent of ``make_corpus.py``: it never reads the generators,
only the bytes on disk and labels.yaml.
"""

from __future__ import annotations

import base64
import binascii
import csv
import importlib.util
import io
import ipaddress
import json
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
FILES_DIR = HERE / "files"
LABELS_PATH = HERE / "labels.yaml"

MIN_FILES = 25
MIN_COLUMNS = 160
MAX_TOTAL_BYTES = 3_000_000
SAMPLE_ROWS = 100_000
THRESHOLD = Fraction(999, 1000)

TYPES = ("null", "boolean", "integer", "decimal", "float", "string", "date", "datetime",
         "time", "object", "array")  # fmt: skip
LABEL_KEYS = frozenset((
    "type", "nullable", "format", "precision", "scale", "unit", "date_format",
    "date_format_candidates", "ambiguous", "timezone", "hint", "items", "native_types",
    "frequency", "violations", "format_violations", "late_break_row", "open_question",
    "notes",
))  # fmt: skip
UNCHECKED_KEYS = frozenset(("notes", "open_question"))
FILE_KEYS_CSV = (
    "format", "encoding", "delimiter", "quotechar", "line_terminator", "decimal_separator",
    "thousands_separator", "rows", "notes", "columns",
)  # fmt: skip
FILE_KEYS_JSON = ("format", "encoding", "rows", "notes", "columns")

# ---------------------------------------------------------------------------- R2, R3

NULL_TOKENS = frozenset(("", "NA", "N/A", "null", "NULL", "None", "nan", "NaN", "-", "#N/A"))
BOOL_WORDS = frozenset(("true", "false", "t", "f", "yes", "no", "y", "n", "on", "off"))

# ------------------------------------------------------------------------ code lists


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ALPHA2 = _words("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW
""")
ALPHA3 = _words("""
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD
BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR
COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH
ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL
GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR
JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR
MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL
NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY
PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP
SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA
UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
""")
CURRENCIES = _words("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD
TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
""")
ISO639_1 = _words("""
aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss
st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo
za zh zu
""")
TLDS = frozenset({c.lower() for c in ALPHA2} | {
    "com", "org", "net", "edu", "gov", "mil", "int", "info", "biz", "app", "dev", "cloud",
    "online", "site", "tech", "local", "internal", "example", "test", "invalid", "localhost",
    "uk", "eu",
})  # fmt: skip
IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
    "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24,
}  # fmt: skip

# ------------------------------------------------------------------------- R8 - R10

DATE_FORMATS = (
    "ISO", "%Y%m%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y",
    "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y",
)  # fmt: skip
DATETIME_FORMATS = (
    "ISO",
    *(
        f"{d} {t}"
        for d in ("%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y")
        for t in ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p")
    ),
    "%Y/%m/%d %H:%M:%S",
)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
ISO_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?)?\Z"
)
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?\Z")
_FMT_PIECES = {"%Y": r"\d{4}", "%m": r"\d{1,2}", "%d": r"\d{1,2}", "%H": r"\d{1,2}",
               "%I": r"\d{1,2}", "%M": r"\d{2}", "%S": r"\d{2}", "%b": r"[A-Za-z]{3}",
               "%B": r"[A-Za-z]{3,9}", "%p": r"[AaPp][Mm]"}  # fmt: skip


def _format_regex(fmt: str) -> re.Pattern[str]:
    parts = re.split(r"(%[A-Za-z])", fmt)
    return re.compile(
        "".join(_FMT_PIECES[p] if p in _FMT_PIECES else re.escape(p) for p in parts) + r"\Z"
    )


_FORMAT_RES = {f: _format_regex(f) for f in (*DATE_FORMATS, *DATETIME_FORMATS) if f != "ISO"}


def date_ok(fmt: str, s: str) -> bool:
    if fmt == "ISO":
        if not ISO_DATE.match(s):
            return False
        try:
            date.fromisoformat(s)
        except ValueError:
            return False
        return True
    if fmt == "%Y%m%d":
        if not (len(s) == 8 and s.isdigit()):
            return False
    elif not _FORMAT_RES[fmt].match(s):
        return False
    try:
        parsed = datetime.strptime(s, fmt)
    except ValueError:
        return False
    return fmt != "%Y%m%d" or 1900 <= parsed.year <= 2099


def iso_datetime(s: str) -> tuple[bool, bool]:
    """(conforms, has_offset) for an ISO date or datetime."""
    m = ISO_DATETIME.match(s)
    if not m:
        return False, False
    y, mo, d, hh, mm, ss, frac, tz = m.groups()
    try:
        datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0),
                 int((frac or "0")[:6].ljust(6, "0")))  # fmt: skip
    except ValueError:
        return False, False
    if tz and tz != "Z":
        digits = tz[1:].replace(":", "")
        if int(digits[:2]) > 23 or (len(digits) == 4 and int(digits[2:]) > 59):
            return False, False
    return True, bool(tz)


def datetime_ok(fmt: str, s: str) -> bool:
    if fmt == "ISO":
        return iso_datetime(s)[0]
    if not _FORMAT_RES[fmt].match(s):
        return False
    try:
        datetime.strptime(s, fmt)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------- R4 - R7


class JNum:
    """A JSON number with its literal text; kind is int, dec or exp."""

    __slots__ = ("kind", "text")

    def __init__(self, text: str, kind: str) -> None:
        self.text, self.kind = text, kind


@dataclass(frozen=True)
class Number:
    kind: str  # int | dec | exp
    negative: bool
    int_digits: str  # digits of the integer part, separators removed
    frac: str
    unit: str | None


def number_regex(decimal: str, thousands: str | None) -> re.Pattern[str]:
    grouped = rf"|[1-9]\d{{0,2}}(?:{re.escape(thousands)}\d{{3}})+" if thousands else ""
    return re.compile(
        r"(?P<s1>[+-])?(?P<pre>[$€£¥])?(?P<s2>[+-])?"
        rf"(?P<int>0|[1-9]\d*{grouped})(?:{re.escape(decimal)}(?P<frac>\d+))?"
        r"(?:[eE](?P<exp>[+-]?\d+))?(?:\s?(?P<suf>[$€£¥%]))?\Z"
    )


def parse_number(value: Any, regex: re.Pattern[str] | None, thousands: str | None) -> Number | None:
    if isinstance(value, JNum):
        text = value.text
        negative = text.startswith("-")
        mantissa = re.split(r"[eE]", text.lstrip("-"))[0]
        int_part, _, frac = mantissa.partition(".")
        return Number(value.kind, negative, int_part, frac, None)
    if not isinstance(value, str) or regex is None:
        return None
    m = regex.match(value)
    if not m:
        return None
    g = m.groupdict()
    if g["s1"] and g["s2"]:
        return None
    if g["s2"] and not g["pre"]:
        return None
    if g["pre"] and g["suf"]:
        return None
    unit = g["pre"] or g["suf"]
    if unit and g["exp"]:
        return None
    kind = "exp" if g["exp"] else "dec" if (g["frac"] is not None or unit) else "int"
    digits = g["int"].replace(thousands, "") if thousands else g["int"]
    return Number(kind, "-" in (g["s1"], g["s2"]), digits, g["frac"] or "", unit)


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def int64(n: Number) -> bool:
    value = -int(n.int_digits) if n.negative else int(n.int_digits)
    return INT64_MIN <= value <= INT64_MAX


def int_digit_count(n: Number) -> int:
    return len(n.int_digits.lstrip("0"))


def numeric_value(n: Number) -> Decimal:
    return Decimal(("-" if n.negative else "") + n.int_digits + ("." + n.frac if n.frac else ""))


# -------------------------------------------------------------------------------- R12

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\Z")
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+\S*\Z")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
MAC = re.compile(r"[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}\Z")
SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\Z"
)
MIME = re.compile(
    r"(?:application|audio|font|image|message|model|multipart|text|video)/"
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:\s*;\s*[A-Za-z0-9_.-]+=[^;\s]+)*\Z"
)
HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
PHONE = re.compile(r"\+[1-9]\d{6,14}\Z")
LANGUAGE = re.compile(r"([a-z]{2})(?:-([A-Z]{2}))?\Z")
HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}\Z")
B64URL = re.compile(r"[A-Za-z0-9_-]+\Z")
IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}\Z")
IBAN_SPACED = re.compile(r"[A-Z]{2}\d{2}(?: [A-Z0-9]{4})* [A-Z0-9]{1,4}\Z")
HEX = re.compile(r"[0-9a-fA-F]+\Z")


def luhn(digits: str) -> bool:
    total = 0
    for idx, ch in enumerate(reversed(digits)):
        d = int(ch)
        if idx % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def f_phone(s: str) -> bool:
    return bool(PHONE.match(s))


def f_credit_card(s: str) -> bool:
    return s.isascii() and s.isdigit() and 13 <= len(s) <= 19 and s[0] in "3456" and luhn(s)


def f_jwt(s: str) -> bool:
    parts = s.split(".")
    if len(parts) != 3 or not all(B64URL.match(p) for p in parts):
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and "alg" in header


def f_ipv4(s: str) -> bool:
    try:
        ipaddress.IPv4Address(s)
    except ValueError:
        return False
    return True


def f_ipv6(s: str) -> bool:
    if ":" not in s:
        return False
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return True


def f_iban(s: str) -> bool:
    if " " in s:
        if not IBAN_SPACED.match(s):
            return False
        s = s.replace(" ", "")
    if not IBAN.match(s) or IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def f_json(s: str) -> bool:
    if s[:1] not in ("{", "["):
        return False
    try:
        return isinstance(json.loads(s), (dict, list))
    except ValueError:
        return False


def f_language(s: str) -> bool:
    m = LANGUAGE.match(s)
    return bool(m) and m.group(1) in ISO639_1 and (m.group(2) is None or m.group(2) in ALPHA2)


def f_hostname(s: str) -> bool:
    labels = s.lower().split(".")
    return (len(s) <= 253 and len(labels) >= 2 and all(HOST_LABEL.match(p) for p in labels)
            and labels[-1] in TLDS)  # fmt: skip


def f_slug(s: str) -> bool:
    return bool(SLUG.match(s)) and any(c.isalpha() for c in s)


def f_base64(s: str) -> bool:
    if len(s) < 16 or len(s) % 4 or not BASE64.match(s):
        return False
    try:
        base64.b64decode(s, validate=True)
    except binascii.Error:
        return False
    return True


# (name, value check, column check or None), in precedence order.
STRING_FORMATS: tuple[tuple[str, Any, Any], ...] = (
    ("phone-e164", f_phone, None),
    ("credit-card", f_credit_card, None),
    ("uuid", lambda s: bool(UUID.match(s)), None),
    ("jwt", f_jwt, None),
    ("email", lambda s: bool(EMAIL.match(s)), None),
    ("uri", lambda s: bool(URI.match(s)), None),
    ("ipv4", f_ipv4, None),
    ("ipv6", f_ipv6, None),
    ("mac-address", lambda s: bool(MAC.match(s)), None),
    ("iban", f_iban, None),
    ("semver", lambda s: bool(SEMVER.match(s)), None),
    ("mime-type", lambda s: bool(MIME.match(s)), None),
    ("hex-color", lambda s: bool(HEX_COLOR.match(s)), None),
    ("json", f_json, None),
    ("country-code-alpha2", lambda s: s in ALPHA2, None),
    ("country-code-alpha3", lambda s: s in ALPHA3, None),
    ("currency-code", lambda s: s in CURRENCIES, None),
    ("language-code", f_language, None),
    ("hostname", f_hostname, None),
    ("slug", f_slug, lambda vals: 2 * sum("-" in v for v in vals) >= len(vals)),
    (
        "base64",
        f_base64,
        lambda vals: any(not v.isalpha() for v in vals) and any(not HEX.match(v) for v in vals),
    ),
)
IDENTIFIER_FORMATS = STRING_FORMATS[:2]
ALL_FORMATS = frozenset(name for name, _, _ in STRING_FORMATS) | {"latitude", "longitude"}


def name_tokens(name: str) -> set[str]:
    last = name.rsplit(".", 1)[-1].replace("[]", "")
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", last).lower()
    return {t for t in re.split(r"[^a-z0-9]+", spaced) if t}


# ------------------------------------------------------------------------ inference


def allowed_failures(n: int, exact: bool = False) -> int:
    """Most non-conforming values the tolerance allows among n (R1)."""
    if exact:
        return 0
    return max(n // 1000, 1 if n >= 100 else 0)


def count_conforming(values: list[Any], check: Any, exact: bool = False) -> int | None:
    """Number of values passing ``check``; None as soon as the tolerance is exceeded."""
    budget = allowed_failures(len(values), exact)
    fails = 0
    for v in values:
        if not check(v):
            fails += 1
            if fails > budget:
                return None
    return len(values) - fails


@dataclass
class Context:
    mode: str  # csv | json
    regex: re.Pattern[str] | None = None
    thousands: str | None = None


def as_text(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def best_format(
    values: list[Any], formats: tuple[str, ...], ok: Any
) -> tuple[list[str], int] | None:
    """Formats tied at the top conforming count (R8), if any passes the tolerance."""
    counts: dict[str, int] = {}
    for fmt in formats:
        exact = fmt == "%Y%m%d"
        got = count_conforming(
            values, lambda v, f=fmt: (s := as_text(v)) is not None and ok(f, s), exact
        )
        if got is not None:
            counts[fmt] = got
    if not counts:
        return None
    top = max(counts.values())
    return sorted(f for f, c in counts.items() if c == top), top


def number_of(v: Any, ctx: Context) -> Number | None:
    return parse_number(v, ctx.regex, ctx.thousands)


def infer(name: str, values: list[Any], ctx: Context, missing: int = 0) -> dict[str, Any]:
    """The label the rules give a column of raw values (csv strings or JSON values)."""
    if ctx.mode == "csv":
        stripped = [v.strip() for v in values]
        non_null = [v for v in stripped if v not in NULL_TOKENS]
    else:
        non_null = [v for v in values if v is not None]
    result: dict[str, Any] = {
        "nullable": len(non_null) < len(values) or missing > 0,
        "format": None,
    }
    n = len(non_null)
    if n == 0:
        return {"type": "null", **result}

    def finish(type_: str, conforming: int, **extra: Any) -> dict[str, Any]:
        out = {"type": type_, **result, **extra}
        if n - conforming:
            out["violations"] = n - conforming
        return out

    # R12: identifier formats force string before typing (csv text).
    if ctx.mode == "csv":
        for _fmt, check, _ in IDENTIFIER_FORMATS:
            got = count_conforming(non_null, check)
            if got is not None:
                return string_result(name, non_null, result)

    if ctx.mode == "json":
        got = count_conforming(non_null, lambda v: isinstance(v, bool))
    else:
        got = count_conforming(non_null, lambda v: v.lower() in BOOL_WORDS)
    if got is not None:
        return finish("boolean", got)

    found = best_format(non_null, DATE_FORMATS, date_ok)
    if found:
        fmts, top = found
        if len(fmts) > 1:
            return finish("date", top, date_format_candidates=fmts, ambiguous=True)
        return finish("date", top, **({} if fmts[0] == "ISO" else {"date_format": fmts[0]}))

    found = best_format(non_null, DATETIME_FORMATS, datetime_ok)
    if found:
        fmts, top = found
        if len(fmts) > 1:
            return finish("datetime", top, date_format_candidates=fmts, ambiguous=True,
                          timezone=False)  # fmt: skip
        if fmts[0] != "ISO":
            return finish("datetime", top, date_format=fmts[0], timezone=False)
        offsets = [iso_datetime(v) for v in non_null if isinstance(v, str)]
        flags = {has_tz for ok, has_tz in offsets if ok}
        tz: Any = flags.pop() if len(flags) == 1 else "mixed"
        return finish("datetime", top, timezone=tz)

    got = count_conforming(non_null, lambda v: isinstance(v, str) and bool(TIME.match(v)))
    if got is not None:
        return finish("time", got)

    numbers = [number_of(v, ctx) for v in non_null]

    def is_int(num: Number | None) -> bool:
        return num is not None and num.kind == "int" and num.unit is None and int64(num)

    # An integer beyond 64 bits widens the column to decimal; it is not a stray value.
    overflow = any(
        x is not None and x.kind == "int" and x.unit is None and not int64(x) for x in numbers
    )
    got = None if overflow else count_conforming(numbers, is_int)
    if got is not None:
        ints = [int(("-" if x.negative else "") + x.int_digits) for x in numbers if is_int(x)]
        extra: dict[str, Any] = {}
        if all(631_152_000 <= v < 4_102_444_800 for v in ints):
            extra["hint"] = "epoch_seconds"
        elif all(631_152_000_000 <= v < 4_102_444_800_000 for v in ints):
            extra["hint"] = "epoch_milliseconds"
        return finish("integer", got, **extra)

    def is_dec(num: Number | None) -> bool:
        return num is not None and num.kind in ("int", "dec")

    got = count_conforming(numbers, is_dec)
    if got is not None:
        decs = [x for x in numbers if is_dec(x)]
        scale = max(len(x.frac) for x in decs)
        precision = max(1, max(int_digit_count(x) for x in decs) + scale)
        extra = {"precision": precision, "scale": scale}
        units = {x.unit for x in decs}
        if units != {None}:  # one unit carried by every value, else a corpus error
            extra["unit"] = units.pop() if len(units) == 1 else sorted(map(str, units))
        out = finish("decimal", got, **extra)
        tokens = name_tokens(name)
        for fmt, words, bound in (
            ("latitude", {"lat", "latitude"}, 90),
            ("longitude", {"lon", "lng", "long", "longitude"}, 180),
        ):
            if tokens & words and all(abs(numeric_value(x)) <= bound for x in decs):
                out["format"] = fmt
        return out

    got = count_conforming(numbers, lambda x: x is not None)
    if got is not None:
        return finish("float", got)

    if ctx.mode == "json":
        got = count_conforming(non_null, lambda v: isinstance(v, dict))
        if got is not None:
            return finish("object", got)
        got = count_conforming(non_null, lambda v: isinstance(v, list))
        if got is not None:
            return finish("array", got)
        if any(isinstance(v, (dict, list)) for v in non_null):
            return {"type": "mixed-json", **result}
    return string_result(name, non_null, result)


def string_result(name: str, non_null: list[Any], result: dict[str, Any]) -> dict[str, Any]:
    out = {"type": "string", **result}
    texts = [v for v in non_null if isinstance(v, str)]
    if len(texts) != len(non_null):
        kinds = sorted({json_kind(v) for v in non_null})
        if len(kinds) > 1:
            out["native_types"] = kinds
        return out
    for fmt, check, column_check in STRING_FORMATS:
        got = count_conforming(texts, check)
        if got is not None and (column_check is None or column_check(texts)):
            out["format"] = fmt
            if len(texts) - got:
                out["format_violations"] = len(texts) - got
            break
    return out


def json_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, JNum):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "object"
    return "array"


def conforms(label: dict[str, Any], v: Any, ctx: Context) -> bool:
    """Whether one non-null value conforms to an inferred column label (for R14)."""
    type_ = label["type"]
    if type_ == "string":
        return True
    if type_ == "boolean":
        return isinstance(v, str) and v.lower() in BOOL_WORDS
    if type_ in ("date", "datetime"):
        fmts = label.get("date_format_candidates") or [label.get("date_format") or "ISO"]
        ok = date_ok if type_ == "date" else datetime_ok
        return any(ok(f, v) for f in fmts)
    if type_ == "time":
        return bool(TIME.match(v))
    num = number_of(v, ctx)
    if type_ == "integer":
        return num is not None and num.kind == "int" and num.unit is None and int64(num)
    if type_ == "decimal":
        return num is not None and num.kind in ("int", "dec")
    if type_ == "float":
        return num is not None
    raise ValueError(type_)


# ----------------------------------------------------------------------- file reading


def decode(path: Path, entry: dict[str, Any], errors: list[str]) -> str:
    data = path.read_bytes()
    enc = entry["encoding"]
    boms = {"utf-8-sig": b"\xef\xbb\xbf", "utf-16": (b"\xff\xfe", b"\xfe\xff")}
    if enc in boms and not data.startswith(boms[enc]):
        errors.append(f"{enc} file has no BOM")
    if enc not in boms and data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        errors.append(f"{enc} file starts with a BOM")
    if enc == "cp1252":
        try:
            data.decode("utf-8")
            errors.append("cp1252 file also decodes as UTF-8: no distinguishing bytes")
        except UnicodeDecodeError:
            pass
    return data.decode(enc)


def read_csv(
    path: Path, entry: dict[str, Any], errors: list[str]
) -> tuple[list[str], list[list[str]]]:
    text = decode(path, entry, errors)
    if entry["line_terminator"] == "CRLF" and "\n" in text.replace("\r\n", ""):
        errors.append("CRLF file has bare LF line ends")
    if entry["line_terminator"] == "LF" and "\r" in text:
        errors.append("LF file contains CR")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=entry["delimiter"],
                           quotechar=entry["quotechar"], strict=True))  # fmt: skip
    header, body = rows[0], rows[1:]
    if len(set(header)) != len(header):
        errors.append(f"duplicate header names {header}")
    for k, row in enumerate(body, start=1):
        if len(row) != len(header):
            errors.append(f"row {k}: {len(row)} fields, header has {len(header)}")
            break
    return header, body


@dataclass
class JsonColumn:
    values: list[Any]
    parents: int | None  # None for array elements (a[])


def collect(parents: list[dict[str, Any]], prefix: str, out: dict[str, JsonColumn]) -> None:
    keys: dict[str, None] = {}
    for p in parents:
        keys.update(dict.fromkeys(p))
    for key in keys:
        path = prefix + key
        present = [p[key] for p in parents if key in p]
        out[path] = JsonColumn(present, len(parents))
        dicts = [v for v in present if isinstance(v, dict)]
        if dicts:
            collect(dicts, path + ".", out)
        arrays = [v for v in present if isinstance(v, list)]
        if arrays:
            elements = [e for a in arrays for e in a]
            out[path + "[]"] = JsonColumn(elements, None)
            objects = [e for e in elements if isinstance(e, dict)]
            if objects:
                collect(objects, path + "[].", out)


def read_json(path: Path, entry: dict[str, Any], errors: list[str]) -> list[Any]:
    text = decode(path, entry, errors)
    hooks = {
        "parse_int": lambda s: JNum(s, "int"),
        "parse_float": lambda s: JNum(s, "exp" if "e" in s.lower() else "dec"),
    }
    if entry["format"] == "jsonl":
        return [json.loads(line, **hooks) for line in text.splitlines() if line.strip()]
    records = json.loads(text, **hooks)
    if not isinstance(records, list):
        errors.append("top level is not an array")
        return []
    return records


# ------------------------------------------------------------------------- checking


def compare(name: str, label: dict[str, Any], derived: dict[str, Any]) -> list[str]:
    errors = []
    unknown = set(label) - LABEL_KEYS
    if unknown:
        errors.append(f"{name}: unknown label keys {sorted(unknown)}")
    if label.get("type") not in TYPES:
        errors.append(f"{name}: unknown type {label.get('type')!r}")
    if label.get("format") is not None and label["format"] not in ALL_FORMATS:
        errors.append(f"{name}: unknown format {label['format']!r}")
    for key in ("type", "nullable", "format"):
        if key not in label:
            errors.append(f"{name}: label lacks {key!r}")
    stated = {k: v for k, v in label.items() if k not in UNCHECKED_KEYS}
    for key in sorted(set(stated) | set(derived)):
        want, got = stated.get(key, "<absent>"), derived.get(key, "<absent>")
        if key == "frequency" and isinstance(want, float) and isinstance(got, Fraction):
            same = Fraction(str(want)) == got
        else:
            same = want == got and type(want) is type(got)
        if not same:
            shown = f"{got.numerator}/{got.denominator}" if isinstance(got, Fraction) else repr(got)
            errors.append(f"{name}: {key} labeled {want!r}, data says {shown}")
    return errors


def verify_csv(path: Path, entry: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    header, body = read_csv(path, entry, errors)
    if errors:
        return errors
    if len(body) != entry["rows"]:
        errors.append(f"rows labeled {entry['rows']}, file has {len(body)}")
    labels = entry["columns"]
    if list(labels) != header:
        errors.append(f"labeled columns {list(labels)} differ from header {header}")
        return errors
    ctx = Context("csv", number_regex(entry["decimal_separator"], entry["thousands_separator"]),
                  entry["thousands_separator"])  # fmt: skip
    for idx, name in enumerate(header):
        values = [row[idx] for row in body]
        derived = infer(name, values, ctx)
        if len(values) > SAMPLE_ROWS:
            late = late_break_row(name, values, ctx)
            if late:
                derived["late_break_row"] = late
        errors += compare(name, labels[name], derived)
    return errors


def late_break_row(name: str, values: list[str], ctx: Context) -> int | None:
    """R14: first row after the sample not conforming to the sample's type."""
    sample = infer(name, values[:SAMPLE_ROWS], ctx)
    if sample["type"] in ("null", "string"):
        return None
    for k in range(SAMPLE_ROWS, len(values)):
        v = values[k].strip()
        if v not in NULL_TOKENS and not conforms(sample, v, ctx):
            return k + 1
    return None


def verify_json(path: Path, entry: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    records = read_json(path, entry, errors)
    if errors:
        return errors
    if len(records) != entry["rows"]:
        errors.append(f"rows labeled {entry['rows']}, file has {len(records)}")
    if not all(isinstance(r, dict) for r in records):
        return [*errors, "a record is not an object"]
    columns: dict[str, JsonColumn] = {}
    collect(records, "", columns)
    labels = entry["columns"]
    if set(labels) != set(columns):
        errors.append(f"paths only labeled: {sorted(set(labels) - set(columns))}, "
                      f"only in data: {sorted(set(columns) - set(labels))}")  # fmt: skip
        return errors
    ctx = Context("json")
    for path_name, col in columns.items():
        missing = 0 if col.parents is None else col.parents - len(col.values)
        derived = infer(path_name, col.values, ctx, missing)
        if missing:
            derived["frequency"] = Fraction(len(col.values), col.parents)
        if derived["type"] == "array":
            element = columns.get(path_name + "[]")
            derived["items"] = (
                infer(path_name + "[]", element.values, ctx)["type"] if element else "null"
            )
        errors += compare(path_name, labels[path_name], derived)
    return errors


def verify_file(path: Path, entry: dict[str, Any]) -> list[str]:
    keys = FILE_KEYS_CSV if entry.get("format") == "csv" else FILE_KEYS_JSON
    if tuple(entry) != keys:
        return [f"file entry keys {list(entry)} != {list(keys)}"]
    if entry["format"] == "csv":
        return verify_csv(path, entry)
    return verify_json(path, entry)


def check_coverage(labels: dict[str, Any]) -> list[str]:
    """The corpus still covers every case it promises."""
    errors = []
    columns = [(f, c, lab) for f, e in labels.items() for c, lab in e["columns"].items()]
    if len(labels) < MIN_FILES:
        errors.append(f"{len(labels)} files, need at least {MIN_FILES}")
    if len(columns) < MIN_COLUMNS:
        errors.append(f"{len(columns)} labeled columns, need at least {MIN_COLUMNS}")
    want: dict[str, set[Any]] = {
        "encoding": {"utf-8", "utf-8-sig", "cp1252", "utf-16"},
        "delimiter": {",", ";", "\t", "|"},
        "format": {"csv", "jsonl", "json"},
    }
    for key, needed in want.items():
        have = {e.get(key) for e in labels.values()}
        if needed - have:
            errors.append(f"no file with {key} in {sorted(needed - have)}")
    seen: dict[str, set[Any]] = {}
    for _, _, lab in columns:
        for key, value in lab.items():
            if isinstance(value, (str, bool, int)):
                seen.setdefault(key, set()).add(value)
    checks = {
        "type": set(TYPES), "format": ALL_FORMATS, "hint": {"epoch_seconds", "epoch_milliseconds"},
        "unit": {"$", "€", "%"}, "ambiguous": {True}, "timezone": {True, False},
    }  # fmt: skip
    for key, needed in checks.items():
        if needed - seen.get(key, set()):
            errors.append(
                f"no column with {key} in {sorted(map(str, needed - seen.get(key, set())))}"
            )
    for key in (
        "violations",
        "format_violations",
        "frequency",
        "native_types",
        "date_format_candidates",
    ):
        if not any(key in lab for _, _, lab in columns):
            errors.append(f"no column labeled with {key}")
    late_files = {f for f, _, lab in columns if lab.get("late_break_row") and lab.get("violations")}
    if len(late_files) < 2:
        errors.append(
            f"need 2 files with a violation after row {SAMPLE_ROWS:,}, have {sorted(late_files)}"
        )
    tolerance = [
        (f, c)
        for f, c, lab in columns
        if lab.get("type") == "date" and lab.get("violations") and labels[f]["rows"] >= 2000
    ]
    if not tolerance:
        errors.append("no date column of >= 2000 rows with a tolerated violation")
    total = sum(p.stat().st_size for p in FILES_DIR.iterdir() if p.is_file())
    if total >= MAX_TOTAL_BYTES:
        errors.append(f"corpus is {total:,} bytes, limit {MAX_TOTAL_BYTES:,}")
    return errors


def load_labels() -> dict[str, Any]:
    with LABELS_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_generator() -> Any:
    """make_corpus.py under a private module name (tests/corpus/dialects has one too)."""
    spec = importlib.util.spec_from_file_location("_inference_make_corpus", HERE / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def check_generated() -> list[str]:
    """Committed files and labels.yaml equal a fresh run of make_corpus.py."""
    gen = load_generator()
    errors = []
    fresh = gen.render_all()
    on_disk = {p.name for p in FILES_DIR.iterdir() if p.is_file()}
    if on_disk != set(fresh):
        errors.append(f"files differ from generator: extra {sorted(on_disk - set(fresh))}, "
                      f"missing {sorted(set(fresh) - on_disk)}")  # fmt: skip
    for name, data in fresh.items():
        path = FILES_DIR / name
        if path.exists() and path.read_bytes() != data:
            errors.append(f"{name} differs from a fresh generation")
    if LABELS_PATH.read_text(encoding="utf-8") != gen.render_labels():
        errors.append("labels.yaml differs from a fresh generation")
    return errors


def main() -> int:
    labels = load_labels()
    failures = 0
    on_disk = {p.name for p in FILES_DIR.iterdir() if p.is_file()}
    for name in sorted(set(labels) | on_disk):
        if name not in labels or name not in on_disk:
            print(f"FAIL {name}: {'no label entry' if name not in labels else 'file missing'}")
            failures += 1
            continue
        errors = verify_file(FILES_DIR / name, labels[name])
        for err in errors:
            print(f"FAIL {name}: {err}")
        failures += bool(errors)
    for err in check_coverage(labels) + check_generated():
        print(f"FAIL corpus: {err}")
        failures += 1
    n_cols = sum(len(e["columns"]) for e in labels.values())
    print(f"{len(labels)} files, {n_cols} labeled columns: "
          f"{'OK' if not failures else f'{failures} failure(s)'}")  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
