"""Detect a text encoding from a bounded prefix, and transcode a stream to UTF-8.

Order of evidence: a byte-order mark decides; then the NUL-byte pattern of UTF-16/32
without a BOM; then strict UTF-8 (almost never valid by accident); then
charset-normalizer, restricted to the encodings real exports use, for the
single-byte code pages.  Readers downstream always see UTF-8.

Windows-1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D); like web
browsers we map them to the C1 control characters of the same value, so decoding a
cp1252 file never fails and never loses a byte.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

from assay.sources.streams import TransformReader, buffered, prepend

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# What charset-normalizer may choose among; exotic guesses on short samples are worse
# than a sensible Western default.
_CANDIDATES = [
    "cp1252",
    "iso8859_15",
    "cp1250",
    "cp1251",
    "iso8859_2",
    "koi8_r",
    "cp1253",
    "cp1254",
    "cp1257",
    "mac_roman",
    "cp437",
    "cp850",
    "shift_jis",
    "euc_jp",
    "gb18030",
    "big5",
    "euc_kr",
]
_WESTERN = {"cp1252", "iso8859-1", "iso8859-15", "latin-1", "mac-roman", "cp437", "cp850"}


def _c1_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(chr(b) for b in bad), error.end


codecs.register_error("assay-c1", _c1_fallback)


def canonical(name: str) -> str:
    """Python's canonical codec name (``latin1`` → ``iso8859-1``, ``UTF8`` → ``utf-8``)."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def bom_length(encoding: str) -> int:
    return {"utf-8-sig": 3, "utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}.get(
        encoding, 0
    )


def detect_encoding(prefix: bytes, *, complete: bool = False) -> str:
    """Guess the encoding of a text prefix.

    ``complete`` says the prefix is the whole file, so a multi-byte sequence cut at the
    end is an error rather than an artefact of the cut.
    """
    for bom, name in BOMS:
        if prefix.startswith(bom):
            return name
    utf16 = _utf16_without_bom(prefix)
    if utf16:
        return utf16
    if _is_utf8(prefix, complete=complete) or _mostly_utf8(prefix):
        return "utf-8"
    from charset_normalizer import from_bytes  # only for text that is not UTF-8

    match = from_bytes(prefix[:200_000], cp_isolation=_CANDIDATES).best()
    if match is None:
        return "cp1252"
    guess = canonical(match.encoding)
    has_c1 = any(0x80 <= b <= 0x9F for b in prefix)
    if guess == "iso8859-15" and not has_c1:
        return guess  # € Œ Š Ž where cp1252 would have ¤ ¼ ¦ ´
    if guess in _WESTERN or (guess == "cp1250" and not _has_central_european_letters(prefix)):
        # cp1252 is a superset of Latin-1's printable range; prefer it for Western text.
        return "cp1252"
    return guess


def _has_central_european_letters(prefix: bytes) -> bool:
    # Bytes that are letters in cp1250 (š ť ž ś ź ą ł ő ű ...) but symbols in cp1252.
    return any(b in prefix for b in (0x8A, 0x8C, 0x8D, 0x8E, 0x8F, 0x9A, 0x9C, 0x9D, 0x9E, 0x9F))


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_HIGH = re.compile(rb"[\x80-\xff]")


def _mostly_utf8(prefix: bytes) -> bool:
    """UTF-8 text with a stray byte or two from another encoding is still UTF-8.

    Exports often hold one hand-edited record in Latin-1; calling the whole file
    Latin-1 would garble every other non-ASCII character, while reading it as UTF-8
    quarantines just that record.  Plain ASCII is UTF-8 too.
    """
    high = len(_HIGH.findall(prefix))
    if high == 0:
        return True
    valid = _UTF8_MULTIBYTE.findall(prefix)
    valid_bytes = sum(len(v) for v in valid)
    stray = high - valid_bytes
    return len(valid) >= 3 and stray <= max(2, valid_bytes // 50)


def _utf16_without_bom(prefix: bytes) -> str | None:
    sample = prefix[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _is_utf8(prefix: bytes, *, complete: bool) -> bool:
    try:
        prefix.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A character cut by the end of the prefix is not evidence against UTF-8.
        return (
            not complete and exc.start >= len(prefix) - 3 and exc.reason == "unexpected end of data"
        )


class Utf8Transcoder(TransformReader):
    """A readable stream of UTF-8 bytes decoded from ``raw`` in ``encoding``.

    Undecodable bytes are kept as they are (surrogate escape), so a later validation
    step can quarantine exactly the records that hold them.
    """

    def __init__(self, raw: BinaryIO, encoding: str) -> None:
        super().__init__(raw)
        errors = "assay-c1" if canonical(encoding) == "cp1252" else "surrogateescape"
        self._decoder = codecs.getincrementaldecoder(encoding)(errors=errors)

    def next_piece(self, data: bytes) -> bytes:
        text = self._decoder.decode(data, final=not data)
        return text.encode("utf-8", errors="surrogateescape")


def to_utf8(raw: BinaryIO, encoding: str) -> BinaryIO:
    """A UTF-8 view of ``raw``: the stream itself for UTF-8, a transcoder otherwise.

    The BOM of ``utf-8-sig`` / UTF-16 / UTF-32 is consumed here.
    """
    name = canonical(encoding)
    if name in ("utf-8", "ascii"):
        return raw
    if name == "utf-8-sig":
        head = raw.read(3)
        if head != codecs.BOM_UTF8:
            return prepend(head, raw)
        return raw
    if name in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        head = raw.read(bom_length(name))
        bom = dict((v, k) for k, v in BOMS)[name]
        if head != bom:
            raw = prepend(head, raw)
    return buffered(Utf8Transcoder(raw, name))
