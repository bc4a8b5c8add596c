"""Format detection: every format found on realistic columns, the classic look-alikes
rejected, and the vectorised checksums cross-checked against plain-Python references."""

from __future__ import annotations

import base64
import ipaddress
import json
import random
import uuid

import pyarrow as pa
import pytest

from assay.inference import codes
from assay.inference.formats import FORMATS, FormatMatch, check_format, detect_formats


def names(values: list[str], counts: list[int] | None = None, **kw: object) -> list[str]:
    arr_counts = None if counts is None else pa.array(counts, pa.int64())
    return [m.name for m in detect_formats(pa.array(values, pa.string()), arr_counts, **kw)]


def conf(name: str, values: list[str]) -> float:
    return check_format(name, pa.array(values, pa.string())).confidence


def b64url(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def make_jwt(header: object, payload: object, signature: str = "c2lnbmF0dXJl") -> str:
    return f"{b64url(header)}.{b64url(payload)}.{signature}"


def iban_check(country: str, bban: str) -> str:
    """Reference ISO 13616 check digits, written independently of the module."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def with_luhn(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


RNG = random.Random(7)
POSITIVE: dict[str, list[str]] = {
    "date-time": [
        "2024-01-15T10:30:00Z", "2023-12-31T23:59:59.123+02:00", "2024-02-29 08:00:00",
        "2024-06-01T12:00", "1999-01-01t00:00:00-0500", "2016-12-31T23:59:60Z",
    ],
    "date": ["2024-01-15", "2024-02-29", "1999-12-31", "2000-02-29", "2023-04-30"],
    "time": ["10:30", "23:59:59", "00:00:00.250", "12:00:00Z", "08:15:00+05:30"],
    "email": [
        "john.doe@example.com", "a@b.co", "first+tag@mail.example.org",
        "o'brien@sub.domain.ie", "x_y-z@xn--bcher-kva.ch",
    ],
    "uri": [
        "https://example.com/path?q=1&r=%20x#frag", "http://localhost:8080/",
        "ftp://files.example.org/pub/file.txt", "s3://bucket/key/part-0.parquet",
        "file:///tmp/data.csv", "mailto:someone@example.com",
    ],
    "uuid": [str(uuid.UUID(int=RNG.getrandbits(128))) for _ in range(20)]
    + ["00000000-0000-0000-0000-000000000000", "6BA7B810-9DAD-11D1-80B4-00C04FD430C8"],
    "hostname": ["example.com", "api.github.com", "db-01.prod.internal", "foo.co.uk", "docs.rs"],
    "ipv4": ["192.168.0.1", "10.0.0.255", "8.8.8.8", "0.0.0.0", "255.255.255.255"],
    "ipv6": [
        "2001:db8::1", "::1", "fe80::1ff:fe23:4567:890a", "::ffff:192.0.2.128", "1:2:3:4:5:6:7:8",
    ],
    "mac-address": [
        "00:1A:2B:3C:4D:5E", "a4:83:e7:12:34:56", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e",
    ],
    "semver": ["1.0.0", "2.10.3", "0.1.0-alpha.1", "1.0.0-rc.1+build.5", "10.20.30"],
    "country-code-alpha2": ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CN", "ZA", "MX"],
    "country-code-alpha3": ["USA", "DEU", "FRA", "GBR", "JPN", "BRA", "IND", "CHN", "ZAF"],
    "currency-code": ["USD", "EUR", "GBP", "JPY", "CHF", "CNY", "XAU", "SEK", "NOK"],
    "language-code": ["en", "de", "fr", "es", "pt_BR", "en-GB", "zh", "ja"],
    "mime-type": [
        "application/json", "text/html; charset=utf-8", "image/png", "video/mp4",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "font/woff2",
    ],
    "base64": [
        base64.b64encode(RNG.randbytes(n)).decode() for n in (5, 10, 13, 16, 20, 32, 64, 100)
    ] + ["aGVsbG8=", "dGhpcyBpcyBhIHRlc3Q="],
    "jwt": [
        make_jwt({"alg": "HS256", "typ": "JWT"}, {"sub": str(i), "iat": 1700000000 + i})
        for i in range(10)
    ] + [make_jwt({"alg": "none"}, {"sub": "x"}, "")],
    "slug": ["hello-world", "my-first-post", "2024-annual-report", "python-3-12-released"],
    "phone-e164": [
        "+14155552671", "+442071838750", "+4930123456", "+33142685300", "+81312345678",
        "+61293744000", "+5511987654321", "+919876543210", "+8613800138000", "+27211234567",
    ],
    "credit-card": [
        "4111111111111111", "4012888888881881", "5555555555554444", "5105105105105100",
        "378282246310005", "6011111111111117", "3530111333300000", "30569309025904",
        "2223003122003222", "4222222222222", "4111 1111 1111 1111", "3782-822463-10005",
    ],
    "iban": [
        "DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606",
        "NL91ABNA0417164300", "BE68539007547034", "CH9300762011623852957",
        "GB82 WEST 1234 5698 7654 32", iban_check("IT", "X0542811101000000123456"),
    ],
    "latitude": ["40.7128", "-33.8688", "51.5074", "35.6895", "-22.9068", "0.0000", "90.000"],
    "longitude": ["-74.0060", "151.2093", "-0.1278", "139.6917", "-43.1729", "-180.000"],
    "hex-color": ["#fff", "#000000", "#1a2B3c", "#FF5733", "#abc", "#123456"],
    "json": ['{"a": 1}', "[1, 2, 3]", '{"nested": {"list": [true, null]}}', "[]", " {} "],
}  # fmt: skip


def test_every_format_has_a_positive_column() -> None:
    assert set(POSITIVE) == set(FORMATS)
    assert len(FORMATS) == 26


@pytest.mark.parametrize("fmt", list(POSITIVE))
def test_positive_column_is_detected_first_with_full_confidence(fmt: str) -> None:
    found = detect_formats(pa.array(POSITIVE[fmt]))
    assert found, fmt
    assert found[0].name == fmt, [m.name for m in found]
    assert found[0].confidence == 1.0
    assert found[0].violations == ()


@pytest.mark.parametrize("fmt", list(POSITIVE))
def test_check_format_accepts_positive_values(fmt: str) -> None:
    match = check_format(fmt, pa.array(POSITIVE[fmt]))
    assert (match.conforming, match.checked) == (len(POSITIVE[fmt]),) * 2


# -- the classic false positives -------------------------------------------------------


def test_ten_digit_numbers_are_not_phones() -> None:
    values = [str(RNG.randrange(10**9, 10**10)) for _ in range(50)]
    assert "phone-e164" not in names(values)
    assert conf("phone-e164", values) == 0.0


def test_phone_needs_assigned_calling_code_and_e164_spelling() -> None:
    bad = ["+9991234567", "+0123456789", "+1 415 555 2671", "+44-20-7183-8750", "+123456"]
    assert conf("phone-e164", bad) == 0.0
    assert conf("phone-e164", ["+3212345678", "+35312345678", "+8821234567"]) == 1.0


def test_two_capitals_are_not_country_codes() -> None:
    assert conf("country-code-alpha2", ["AB", "XY", "ZZ"]) == 0.0
    assert not names(["AB", "XY", "ZZ", "QQ"])
    assert conf("country-code-alpha3", ["ABC", "XYZ", "USD"]) == 0.0
    assert conf("currency-code", ["ABC", "XYZ", "USA"]) == 0.0
    assert conf("country-code-alpha2", ["us", "de"]) == 0.0  # case is part of the format


US_STATES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC",
]  # fmt: skip


def test_us_states_are_not_country_codes() -> None:
    assert "country-code-alpha2" not in names(US_STATES)
    assert "country-code-alpha2" not in names(
        US_STATES, [1000] * len(US_STATES), min_confidence=0.5
    )


def test_many_distinct_non_codes_sink_a_heavily_weighted_code() -> None:
    junk = ["QQ", "XX", "ZY", "QW", "JJ", "KK", "WW", "YY"]
    assert "country-code-alpha2" not in names(["US", *junk], [1_000_000] + [1] * len(junk))
    # one stray value among real codes is tolerated
    assert "country-code-alpha2" in names(["US", "DE", "FR", "XX"], [500, 300, 200, 1])


def test_words_are_not_base64() -> None:
    words = ["test", "abcd", "data", "user", "TEST", "Name", "word1234", "abcdefgh"]
    assert conf("base64", words) == 0.0
    assert "base64" not in names(words)


def test_hex_digests_and_long_words_are_not_base64() -> None:
    digests = ["9e107d9d372bb6826bd81d3542a419d6", "d41d8cd98f00b204e9800998ecf8427e"]
    assert conf("base64", [*digests, "abcdefghijklmnop", "ABCDEFGHIJKLMNOP"]) == 0.0


def test_alphanumeric_tokens_are_not_called_base64() -> None:
    rng = random.Random(2)
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    tokens = ["".join(rng.choice(alnum) for _ in range(32)) for _ in range(30)]
    assert conf("base64", tokens) == 1.0  # each decodes...
    assert "base64" not in names(tokens)  # ...but nothing says the column is base64


def test_base64_must_decode_strictly() -> None:
    assert conf("base64", ["QQ==", "QUI=", "QUJD"]) == 2 / 3  # 'QUJD' unpadded and short
    assert conf("base64", ["QR==", "QUJ=", "Q===", "QUJD=", "aGVsbG8"]) == 0.0


def test_integers_and_prices_are_not_coordinates() -> None:
    integers = [str(i) for i in range(-90, 91, 7)]
    assert conf("latitude", integers) == 0.0
    assert not {"latitude", "longitude"} & set(names(integers))
    prices = ["12.99", "5.49", "0.99", "19.95", "7.50", "3.25"]
    assert conf("latitude", prices) == 1.0  # each is a possible latitude...
    assert not {"latitude", "longitude"} & set(names(prices))  # ...the column is money


def test_coordinates_out_of_range() -> None:
    assert conf("latitude", ["90.0001", "-91.5", "45.5"]) == pytest.approx(1 / 3)
    assert conf("longitude", ["180.0001", "-181.25", "179.999"]) == pytest.approx(1 / 3)
    assert conf("latitude", ["1e3", "4O.12", "45.", ".5"]) == 0.0


def test_semver_needs_three_parts() -> None:
    assert conf("semver", ["1.2", "1", "v1.2.3", "01.2.3", "1.2.3.4", "1.2.3-"]) == 0.0
    assert "semver" not in names(["1.2", "2.0", "3.1", "10.4"])


def test_cards_failing_luhn_are_rejected() -> None:
    bad = ["4111111111111112", "5555555555554445", "378282246310006", "1234567812345678"]
    assert conf("credit-card", bad) == 0.0
    assert "credit-card" not in names(bad)


def test_luhn_ids_without_card_prefix_are_not_cards() -> None:
    rng = random.Random(3)
    ids = [with_luhn("9", 16, rng) for _ in range(30)] + [with_luhn("1", 16, rng)]
    assert conf("credit-card", ids) == 0.0


def test_ibans_with_wrong_check_digits_are_rejected() -> None:
    bad = ["DE88370400440532013000", "GB83WEST12345698765432", "NL91ABNA0417164301"]
    assert conf("iban", bad) == 0.0
    wrong_length, unknown_country = "DE8937040044053201300", "XX89370400440532013000"
    assert conf("iban", [wrong_length, unknown_country]) == 0.0
    assert "iban" not in names(bad)


def test_emails_without_dotted_domain_are_rejected() -> None:
    bad = ["user@localhost", "user@example", "@example.com", "user@.com", "a b@example.com"]
    assert conf("email", bad) == 0.0
    assert conf("email", ["x" * 65 + "@example.com", "a@b.c", "a..b@example.com"]) == 0.0


def test_mostly_emails_with_junk() -> None:
    emails = [f"user{i}@example.com" for i in range(97)]
    junk = ["n/a", "unknown", "-"]
    found = detect_formats(pa.array(emails + junk))
    assert [m.name for m in found] == ["email"]
    assert found[0].confidence == pytest.approx(0.97)
    assert (found[0].conforming, found[0].checked) == (97, 100)
    assert set(found[0].violations) == set(junk)
    assert detect_formats(pa.array(emails + junk), min_confidence=0.99) == []


def test_counts_weight_the_confidence_and_order_violations() -> None:
    values = pa.array(["a@example.com", "b@example.org", "n/a", "?", "none"])
    counts = pa.array([60, 37, 1, 0, 2])
    (match,) = detect_formats(values, counts)
    assert (match.conforming, match.checked) == (97, 100)
    assert match.violations == ("none", "n/a")  # most frequent first; '?' never occurs


def test_violations_are_at_most_five_distinct() -> None:
    values = ["x"] * 10 + [f"junk{i}" for i in range(10)] + ["2024-01-01"] * 5
    match = check_format("date", pa.array(values))
    assert match.violations[0] == "x" and len(match.violations) == 5
    assert len(set(match.violations)) == 5


# -- the other formats' look-alikes ----------------------------------------------------


def test_impossible_dates_and_times() -> None:
    bad = ["2023-02-29", "2024-13-01", "2024-04-31", "1900-02-29", "2024-1-5", "20240115"]
    assert conf("date", bad) == 0.0
    assert conf("date-time", ["2023-02-29T10:00:00", "2024-01-01T24:00:00", "2024-01-01"]) == 0
    assert conf("time", ["24:00", "9:30", "12:60", "12:30:61", "3:15"]) == 0.0


def test_ipv6_agrees_with_ipaddress() -> None:
    rng = random.Random(11)
    samples = []
    for _ in range(400):
        addr = ipaddress.IPv6Address(rng.getrandbits(128) & ~((1 << rng.randrange(0, 128)) - 1))
        samples += [addr.compressed, addr.exploded]
    samples += ["::ffff:1.2.3.4", "1::1.2.3.4", "1:2:3:4:5:6:7:8:9", "1:::2", "12345::"]
    samples += ["::1.2.3", "1:2::3::4", "::01.2.3.4", "12:30", "12:30:45", "g::1", ":1", "1:"]
    samples += ["1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "00:1A:2B:3C:4D:5E", "1.2.3.4"]
    for text, ok in zip(samples, check_format_mask("ipv6", samples), strict=True):
        try:
            ipaddress.IPv6Address(text)
            expected = True
        except ValueError:
            expected = False
        assert ok == expected, text


def check_format_mask(name: str, values: list[str]) -> list[bool]:
    return [check_format(name, pa.array([v])).conforming == 1 for v in values]


def test_network_look_alikes() -> None:
    assert conf("ipv4", ["256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "a.b.c.d"]) == 0.0
    assert conf("mac-address", ["00:1A:2B:3C:4D", "00:1A-2B:3C:4D:5E", "0G:1A:2B:3C:4D:5E"]) == 0
    assert conf("hostname", ["localhost", "report.pdf", "data.csv", "1.2.3.4", "-a.com"]) == 0
    assert conf("uri", ["note:to-self", "http://a b.com", "https://ex.com/ü", "http://x/%zz"]) == 0
    assert conf("uri", ["www.example.com", "/relative/path", "mailto:nobody"]) == 0.0


def test_jwt_header_must_decode_with_alg() -> None:
    no_alg = make_jwt({"typ": "JWT"}, {"sub": "1"})
    not_json = f"{base64.urlsafe_b64encode(b'{nope').decode().rstrip('=')}.eyJhIjoxfQ.sig"
    assert conf("jwt", [no_alg, not_json, "a.b.c", "eyJhbGciOiJIUzI1NiJ9.eyJ9"]) == 0.0


def test_json_must_parse_and_be_a_container() -> None:
    assert conf("json", ["{bad}", "[1, 2", "{'a': 1}", "1", '"text"', "true", "null"]) == 0.0
    assert "json" not in names(["[draft]", "[final]", "{placeholder}"])


def test_slug_and_colour_gates() -> None:
    words = ["red", "green", "blue", "yellow", "black"]
    assert conf("slug", words) == 1.0 and "slug" not in names(words)
    assert conf("slug", ["2024-01-31", "555-1234", "Hello-World", "a--b", "-a"]) == 0.0
    issues = ["#123", "#456", "#789", "#100"]
    assert conf("hex-color", issues) == 1.0 and "hex-color" not in names(issues)
    assert conf("hex-color", ["#ggg", "#12345", "fff", "#1234"]) == 0.0


def test_codes_and_media_types() -> None:
    assert conf("language-code", ["xx", "EN", "en-XX", "english", "e"]) == 0.0
    assert conf("mime-type", ["docs/readme", "text", "image/", "foo/bar"]) == 0.0


# -- checksums against plain-Python references ----------------------------------------


def test_vectorised_luhn_matches_reference() -> None:
    rng = random.Random(5)
    numbers = ["4" + "".join(rng.choice("0123456789") for _ in range(15)) for _ in range(2000)]
    expected = [luhn_ok(n) for n in numbers]
    match = check_format("credit-card", pa.array(numbers))
    assert match.conforming == sum(expected) > 100
    assert set(match.violations) <= {n for n, ok in zip(numbers, expected, strict=True) if not ok}


def test_vectorised_iban_matches_reference() -> None:
    rng = random.Random(9)
    lengths = dict(line.split() for line in codes.codes("iban_lengths"))
    good = []
    for country, length in sorted(lengths.items()):
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        bban = "".join(rng.choice(alphabet) for _ in range(int(length) - 4))
        good.append(iban_check(country, bban))
    bad = [iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:] for iban in good]
    assert check_format("iban", pa.array(good)).confidence == 1.0
    assert check_format("iban", pa.array(bad)).conforming == 0


# -- API behaviour ---------------------------------------------------------------------


def test_ordering_most_specific_first() -> None:
    found = names(POSITIVE["uuid"][:20])
    assert found[0] == "uuid" and found.index("uuid") < found.index("slug")
    assert names(POSITIVE["latitude"])[:2] == ["latitude", "longitude"]


def test_enabled_restricts_and_validates() -> None:
    assert names(POSITIVE["uuid"][:20], enabled=["email", "slug"]) == ["slug"]
    with pytest.raises(ValueError, match="unknown formats"):
        detect_formats(pa.array(["x"]), enabled=["postcode"])
    with pytest.raises(ValueError, match="unknown formats"):
        check_format("postcode", pa.array(["x"]))
    with pytest.raises(ValueError, match="min_confidence"):
        detect_formats(pa.array(["x"]), min_confidence=1.5)


def test_empty_null_and_odd_inputs() -> None:
    assert detect_formats(pa.array([], pa.string())) == []
    empty = check_format("email", pa.array([], pa.string()))
    assert (empty.checked, empty.confidence) == (0, 1.0)
    assert names(["a@example.com", None, "b@example.com"]) == ["email"]
    chunked = pa.chunked_array([["US", "DE"], ["FR"]])
    assert [m.name for m in detect_formats(chunked)] == ["country-code-alpha2"]
    for fmt, values in POSITIVE.items():
        assert check_format(fmt, pa.array(values, pa.large_string())).confidence == 1.0, fmt
        assert check_format(fmt, pa.array(values, pa.string_view())).confidence == 1.0, fmt
    dictionary = pa.array(POSITIVE["credit-card"]).dictionary_encode()
    assert check_format("credit-card", dictionary).confidence == 1.0
    with pytest.raises(TypeError):
        detect_formats(pa.array([1, 2, 3]))
    with pytest.raises(ValueError):
        detect_formats(pa.array(["a"]), pa.array([1, 2]))


def test_zero_threshold_does_not_detect_what_nothing_matches() -> None:
    found = detect_formats(pa.array(["a@example.com", "x", "y", "z"]), min_confidence=0.0)
    assert "email" in [m.name for m in found] and "uuid" not in [m.name for m in found]
    assert all(m.conforming > 0 for m in found)


def test_format_match_is_frozen() -> None:
    match = FormatMatch("email", 1, 2)
    assert match.confidence == 0.5
    with pytest.raises(AttributeError):
        match.conforming = 2  # type: ignore[misc]


@pytest.mark.parametrize("junk_at", ["start", "end", "spread"])
def test_early_rejection_is_exact_on_large_columns(junk_at: str) -> None:
    n, junk = 60_000, 2_900  # 4.83% junk: email must survive at 0.95, not at 0.96
    emails = [f"u{i}@example.com" for i in range(n - junk)]
    bad = [f"bad {i}" for i in range(junk)]
    values = {
        "start": bad + emails,
        "end": emails + bad,
        "spread": [v for pair in zip(emails, bad + [None] * n, strict=False) for v in pair if v],
    }[junk_at]
    assert names(values) == ["email"]
    assert names(values, min_confidence=0.96) == []
    assert check_format("email", pa.array(values)).conforming == n - junk


def test_code_lists_load() -> None:
    assert len(codes.codes("country_alpha2")) >= 249 and "US" in codes.codes("country_alpha2")
    assert "DEU" in codes.codes("country_alpha3") and "EUR" in codes.codes("currency")
    assert "en" in codes.codes("language_alpha2") and "44" in codes.codes("calling_codes")
    for name in codes.LISTS:
        entries = codes.codes(name)
        assert list(entries) == sorted(entries) and not any(e.startswith("#") for e in entries)
    with pytest.raises(ValueError):
        codes.codes("postcodes")


@pytest.mark.parametrize("first_chunk", [1, 7, 512, 100_000])
def test_detection_does_not_depend_on_the_chunk_sizes(
    first_chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every format over a mix of all formats' values (each a small minority, some
    a majority): the chunked scan stops early only where a format cannot pass."""
    from assay.inference.formats import _detect

    rng = random.Random(7)
    mixed = [v for fmt in FORMATS for v in POSITIVE[fmt]]
    columns = [
        mixed,
        POSITIVE["email"] * 300 + mixed,
        POSITIVE["uuid"] * 40 + POSITIVE["ipv4"] * 2,
        rng.sample(mixed * 20, 2000),
    ]
    expected = [detect_formats(pa.array(c), min_confidence=0.6) for c in columns]
    monkeypatch.setattr(_detect, "FIRST_CHUNK", first_chunk)
    for column, before in zip(columns, expected, strict=True):
        for confidence in (0.6, 0.9):
            found = detect_formats(pa.array(column), min_confidence=confidence)
            assert found == [m for m in before if m.confidence >= confidence]
