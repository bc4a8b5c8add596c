"""Internet identifiers: ``email``, ``uri``, ``hostname``, ``ipv4``, ``ipv6``, ``mac-address``.

The IP grammars are regular, so the RE2 patterns below are complete validators, not
shape filters (the tests cross-check ``ipv6`` against :mod:`ipaddress`).  Names have
rules a regex states less comfortably (length limits, a top-level domain that is not a
file extension); those are applied after the regex, to the survivors only.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.inference.formats._vector import Mask, lengths, matches, refine, to_mask

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"  # no leading zeros, as ipaddress requires
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
IPV4_RE = rf"^{_IPV4}$"


def _ipv6_pattern() -> str:
    """RFC 3986's ``IPv6address`` ABNF, spelled out as one regex (RE2 has no lookaround)."""
    h16 = "[0-9A-Fa-f]{1,4}"
    ls32 = rf"(?:{h16}:{h16}|{_IPV4})"

    def head(n: int) -> str:  # [ *n( h16 ":" ) h16 ]
        return "" if n < 0 else rf"(?:(?:{h16}:){{0,{n}}}{h16})?"

    forms = [rf"(?:{h16}:){{6}}{ls32}", rf"::(?:{h16}:){{5}}{ls32}"]
    forms += [rf"{head(k)}::(?:{h16}:){{{4 - k}}}{ls32}" for k in range(4)]
    forms += [rf"{head(4)}::{ls32}", rf"{head(5)}::{h16}", rf"{head(6)}::"]
    return "^(?:" + "|".join(forms) + ")$"


IPV6_RE = _ipv6_pattern()

MAC_RE = (
    r"^(?:[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}"  # 00:1A:2B:3C:4D:5E
    r"|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}"  # 00-1A-2B-3C-4D-5E (IEEE 802)
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})$"  # 001a.2b3c.4d5e (Cisco)
)

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"(?:[A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})"
HOSTNAME_RE = rf"^(?:{_LABEL}\.)+{_TLD}$"

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_RE = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+{_TLD}$"

_URI_CHAR = r"[^\s<>\"{}|\\^`]"  # RFC 3986 excludes these; ASCII-ness is checked apart
URI_RE = (
    rf"^(?:[A-Za-z][A-Za-z0-9+.\-]*://{_URI_CHAR}+"
    rf"|[Mm][Aa][Ii][Ll][Tt][Oo]:[^\s<>\"{{}}|\\^`@]+@[^\s<>\"{{}}|\\^`@]+)$"
)
_BAD_PERCENT = r"%(?:[^0-9A-Fa-f]|.[^0-9A-Fa-f]|.?$)"

# File extensions that are not delegated top-level domains: 'report.pdf' or 'data.csv'
# has the shape of a hostname, and a column of file names is far more common than one
# of hosts under a TLD that does not exist.  Real ccTLDs (.py, .md, .rs, .sh) stay valid.
FILE_EXTENSIONS = pa.array(
    [
        "avro", "bak", "bat", "bin", "bmp", "cfg", "conf", "cpp", "csv", "dat", "db", "dll", "doc",
        "docx", "exe", "gif", "gz", "htm", "html", "ini", "java", "jpeg", "jpg", "js", "json",
        "jsonl", "log", "mp3", "mp4", "ods", "odt", "parquet", "pdf", "php", "png", "ppt", "pptx",
        "rar", "sql", "svg", "tar", "tgz", "tif", "tiff", "tmp", "tsv", "txt", "wav", "webp", "xls",
        "xlsx", "xml", "yaml", "yml",
    ]
)  # fmt: skip


def check_ipv4(values: pa.Array) -> Mask:
    """Dotted quad with each octet 0-255 and no leading zeros ('010' is ambiguous octal)."""
    return matches(values, IPV4_RE)


def check_ipv6(values: pa.Array) -> Mask:
    """Any RFC 4291 text form, compressed or not, IPv4-embedded included; no zone ids."""
    return matches(values, IPV6_RE)


def check_mac(values: pa.Array) -> Mask:
    """EUI-48 in the colon, hyphen or Cisco dotted notation, one separator per value."""
    return matches(values, MAC_RE)


def _tld_is_not_extension(values: pa.Array) -> Mask:
    tld = pc.utf8_lower(pc.struct_field(pc.extract_regex(values, r"\.(?P<t>[^.]+)$"), [0]))
    return ~to_mask(pc.is_in(tld, value_set=FILE_EXTENSIONS))


def check_hostname(values: pa.Array) -> Mask:
    """RFC 1123 labels, at least one dot, an alphabetic (or punycode) TLD, <= 253 chars.

    The dot requirement keeps single words out; the alphabetic TLD keeps version numbers
    and IP addresses out; the extension list keeps file names out.
    """
    mask = matches(values, HOSTNAME_RE) & (lengths(values) <= 253)
    return refine(values, mask, _tld_is_not_extension)


def _local_part_fits(values: pa.Array) -> Mask:
    at = np.asarray(pc.find_substring(values, "@").to_numpy(zero_copy_only=False))
    return (at <= 64) & (lengths(values) <= 254)


def check_email(values: pa.Array) -> Mask:
    """RFC 5322 dot-atom local part @ a dotted hostname; local part <= 64, total <= 254.

    Quoted local parts and IP-literal domains are legal but vanishingly rare in data and
    would let junk through, so they are not accepted; neither is 'user@localhost'.
    """
    return refine(values, matches(values, EMAIL_RE), _local_part_fits)


def check_uri(values: pa.Array) -> Mask:
    """``scheme://something`` or ``mailto:addr``: ASCII, no spaces, valid %-escapes.

    Requiring ``://`` (or mailto) is stricter than RFC 3986, which would accept
    'note:to-self'; colon-separated text is too common in data to call it a URI.
    """
    mask = matches(values, URI_RE)
    return refine(
        values,
        mask,
        lambda v: to_mask(pc.string_is_ascii(v)) & ~matches(v, _BAD_PERCENT),
    )
