"""Regular expressions for assay's formats, in the subset every SQL engine understands.

PostgreSQL (POSIX), DuckDB/BigQuery/ClickHouse (RE2), Spark/Databricks (Java), MySQL
(ICU), Oracle, Snowflake and Trino all agree on bracket classes, ``{m,n}``, ``?``,
``+``, ``|``, groups and ``\\.``-style escapes; none of ``\\d``, ``\\w``, POSIX classes or
look-arounds is used.  Patterns are anchored (``^…$``), so partial-match functions
(``regexp_like``, ``~``) check the whole value.
"""

from __future__ import annotations

FORMAT_PATTERNS: dict[str, str] = {
    "uuid": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "email": "^[^@ ]+@[^@ ]+\\.[^@ ]+$",
    "phone-e164": "^\\+[1-9][0-9]{6,14}$",
    "iban": "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$",
    "ipv4": "^[0-9]{1,3}(\\.[0-9]{1,3}){3}$",
    "mac-address": "^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$",
    "uri": "^[A-Za-z][A-Za-z0-9+.-]*:[^ ]+$",
    "hex-color": "^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$",
    "semver": "^v?[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$",
    "currency-code": "^[A-Z]{3}$",
    "country-code-alpha2": "^[A-Z]{2}$",
    "country-code-alpha3": "^[A-Z]{3}$",
    "language-code": "^[a-z]{2}$",
    "slug": "^[a-z0-9]+(-[a-z0-9]+)*$",
}

# Formats whose rule is a numeric range rather than a pattern.
FORMAT_RANGES: dict[str, tuple[int, int]] = {
    "latitude": (-90, 90),
    "longitude": (-180, 180),
}
