"""Detect how a delimited text file is written, from a bounded prefix.

The method follows CleverCSV's data-consistency idea, made cheaper and more robust to
preambles and ragged rows: every candidate (delimiter × quote × escape) parses the
sample; its score is *pattern consistency* (share of rows with the modal field count,
weighted towards more columns) × *type consistency* (share of cells that look like a
clean value: number, date, boolean, empty, or text free of structural characters).
Rows before the first run of modal-width rows are the preamble.  The header is
decided per column by comparing the first row with the values below it.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from assay.sources.model import Dialect

DELIMITERS = (",", ";", "\t", "|", ":", " ", "^", "~")
_PREFERENCE = {d: i for i, d in enumerate(DELIMITERS)}
MAX_SAMPLE_ROWS = 400

_NUMBER = re.compile(
    r"^[+-]?[$€£¥]?\s?(\d+|\d{1,3}([.,' ]\d{3})+)([.,]\d+)?([eE][+-]?\d+)?\s?[%$€£¥]?$"
    r"|^[+-]?[.,]\d+$"
)
_DATE = re.compile(
    r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{8})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?\s?([AaPp][Mm])?)?\s?(Z|[+-]\d{2}:?\d{2}|UTC)?$"
)
_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?\s?([AaPp][Mm])?$")
_BOOL = re.compile(r"^(true|false|yes|no|y|n|t|f|on|off)$", re.IGNORECASE)
_NULL = re.compile(r"^(|na|n/a|null|none|nan|-|#n/a|nil)$", re.IGNORECASE)
# Text a human would write in one cell: letters, digits and everyday punctuation, but
# not the characters that structure a delimited file (; | tab) nor stray quotes.
_TEXT = re.compile(r"^[\w\s.,\-/()&@!?+#*$€£%:'’&=\[\]{}<>~^°]*$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_EMAIL_OR_URL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$|^[a-z]+://\S+$", re.IGNORECASE)


@functools.lru_cache(maxsize=16384)
def classify(cell: str) -> str:
    """The coarse type of one cell: empty, number, date, time, bool or text ('' if odd).

    Cached: a sample repeats its codes, dates and flags (three cells in four here), and
    detection runs on the path every command waits for."""
    value = cell.strip()
    if _NULL.match(value):
        return "empty"
    if _NUMBER.match(value):
        return "number"
    if _DATE.match(value):
        return "date"
    if _TIME.match(value):
        return "time"
    if _BOOL.match(value):
        return "bool"
    if _EMAIL_OR_URL.match(value):
        return "text"
    if _TEXT.match(value):
        return "text"
    return ""


@dataclass(frozen=True)
class _Candidate:
    delimiter: str
    quotechar: str | None
    escapechar: str | None

    def reader(self, text: str) -> csv.Reader:  # type: ignore[name-defined]
        options: dict[str, object] = {"delimiter": self.delimiter, "strict": False}
        if self.quotechar is None:
            options["quoting"] = csv.QUOTE_NONE
            options["escapechar"] = self.escapechar
        else:
            options["quotechar"] = self.quotechar
            options["escapechar"] = self.escapechar
            options["doublequote"] = self.escapechar is None
        return csv.reader(io.StringIO(text, newline=""), **options)  # type: ignore[arg-type]


@dataclass
class _Parsed:
    rows: list[list[str]]
    starts: list[int]  # 0-based physical line where each row starts
    score: float = 0.0
    modal_width: int = 0
    first_modal: int = 0
    factors: tuple[float, float, float] = (0.0, 0.0, 0.0)  # pattern, kept, delimiter weight
    body: list[list[str]] = field(default_factory=list)  # the non-blank rows from first_modal


def split_lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def detect_line_terminator(text: str) -> str:
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    best = max((crlf, "CRLF"), (lf, "LF"), (cr, "CR"))
    return best[1] if best[0] > 0 else "LF"


def sniff_dialect(text: str, *, complete: bool = False) -> tuple[Dialect, list[str]]:
    """Detect the dialect of a decoded text sample and the column names.

    ``complete`` says ``text`` is the whole file (so its last line is not cut off).
    """
    terminator = detect_line_terminator(text)
    lines = split_lines(text)
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the end of the sample
    if lines and lines[-1] == "":
        lines = lines[:-1]
    comment = _detect_comment(lines)
    body = ["" if comment and line.lstrip().startswith(comment) else line for line in lines]
    sample = "\n".join(body[: MAX_SAMPLE_ROWS * 4])

    best: tuple[float, int, _Candidate, _Parsed] | None = None
    for candidate in _candidates(sample):
        parsed = _parse(candidate, sample)
        bound = _score_bound(parsed, candidate)
        # The score is at most the bound (the typed share of cells is at most 1): a
        # candidate that cannot beat the best so far skips the costly cell typing.
        if best is not None and (bound, -_tie_break(candidate)) <= (best[0], best[1]):
            continue
        _score(parsed, candidate, bound)
        rank = (parsed.score, -_tie_break(candidate))
        if best is None or rank > (best[0], best[1]):
            best = (parsed.score, -_tie_break(candidate), candidate, parsed)

    if best is None or best[0] <= 0:
        # No delimiter splits the rows consistently: a single-column file.
        candidate = _Candidate(",", '"' if '"' in sample else None, None)
        parsed = _parse(candidate, sample)
        parsed.modal_width = 1
        parsed.first_modal = next((i for i, r in enumerate(parsed.rows) if r), 0)
    else:
        candidate, parsed = best[2], best[3]

    return _finish(candidate, parsed, terminator, comment, body)


def _candidates(sample: str) -> list[_Candidate]:
    present = [d for d in DELIMITERS if d in sample]
    quotes: list[str | None] = [q for q in ('"', "'") if q in sample]
    quotes.append(None)
    out = []
    for delimiter in present:
        for quote in quotes:
            out.append(_Candidate(delimiter, quote, None))
            if quote and "\\" + quote in sample:
                out.append(_Candidate(delimiter, quote, "\\"))
    return out


def _tie_break(candidate: _Candidate) -> int:
    # Lower is preferred: common delimiters, double quotes, no escape character.
    quote_rank = {'"': 0, None: 1, "'": 2}[candidate.quotechar]
    return (
        _PREFERENCE[candidate.delimiter] * 10 + quote_rank * 2 + (candidate.escapechar is not None)
    )


def _parse(candidate: _Candidate, sample: str) -> _Parsed:
    rows: list[list[str]] = []
    starts: list[int] = []
    reader = candidate.reader(sample)
    previous = 0
    try:
        for row in reader:
            starts.append(previous)
            previous = reader.line_num
            rows.append(row)
            if len(rows) >= MAX_SAMPLE_ROWS:
                break
    except csv.Error:
        pass
    return _Parsed(rows, starts)


def _score_bound(parsed: _Parsed, candidate: _Candidate) -> float:
    """The score ``parsed`` can reach at most, from its shape alone (cheap); sets its
    modal width and first modal row.  0 when it cannot be a table."""
    widths = [len(r) for r in parsed.rows if r]
    if not widths:
        return 0.0
    modal, _count = Counter(widths).most_common(1)[0]
    if modal < 2:
        return 0.0
    parsed.modal_width = modal
    parsed.first_modal = _first_modal_run(parsed.rows, modal)
    body = parsed.body = [r for r in parsed.rows[parsed.first_modal :] if r]
    if not body:
        return 0.0
    consistent = sum(1 for r in body if len(r) == modal) / len(body)
    pattern = consistent * (modal - 1) / modal
    # Rows explained away as preamble are not free: a candidate that needs many of
    # them is probably splitting on the wrong character.
    nonblank = sum(1 for r in parsed.rows if r)
    kept = len(body) / nonblank if nonblank else 0.0
    weight = 1.0
    if candidate.delimiter == " ":
        # Spaces separate words in any text; accept them only when nothing else fits.
        weight = 0.5
    elif candidate.delimiter == ":":
        # Colons also live inside times and URLs; a colon-separated file must fit
        # clearly better than the alternatives.
        weight = 0.9
    parsed.factors = (pattern, kept, weight)
    # The score's own product with a typed share of 1 (rounding is monotonic, so the
    # score never exceeds it).
    return pattern * 1.0 * kept * weight


def _score(parsed: _Parsed, candidate: _Candidate, bound: float) -> None:
    """The bound times the share of cells (of the first 200 rows) that hold a typed
    value and do not look unparsed."""
    if bound <= 0:
        return
    cells = [c for r in parsed.body[:200] for c in r]
    quote = candidate.quotechar
    typed = sum(1 for c in cells if classify(c) and not _looks_unparsed(c, candidate, quote))
    type_score = typed / len(cells) if cells else 0.0
    pattern, kept, weight = parsed.factors
    parsed.score = pattern * type_score * kept * weight


def _looks_unparsed(cell: str, candidate: _Candidate, quote: str | None) -> bool:
    """A cell still holding quote characters at its edges was not parsed as intended."""
    stripped = cell.strip()
    if not stripped:
        return False
    for q in ('"', "'"):
        if q != quote and stripped[0] == q and stripped[-1] == q and len(stripped) > 1:
            return True
        if q != quote and q == '"' and (stripped.startswith(q) or stripped.endswith(q)):
            return True
    return candidate.delimiter != " " and cell != stripped and cell.startswith(" " * 2)


def _first_modal_run(rows: list[list[str]], modal: int) -> int:
    """Index of the first row that starts a run of modal-width rows (the header or data)."""
    for i, row in enumerate(rows[:50]):
        if len(row) != modal:
            continue
        # The start of the table: a modal-width row followed by more of them (a lone
        # ragged row right after the header does not disqualify it).
        following = [r for r in rows[i + 1 : i + 4] if r]
        if not following or any(len(r) == modal for r in following):
            return i
    return 0


def _detect_comment(lines: list[str]) -> str | None:
    marked = [i for i, line in enumerate(lines) if line.lstrip().startswith("#")]
    if not marked or len(marked) == len(lines):
        return None
    # A header that happens to start with '#' ("#id,name") is not a comment: it is
    # followed by data rows of the same shape and no other '#' lines exist.
    if marked == [0] and len(lines) > 1:
        first, second = lines[0], lines[1]
        if any(d in first and first.count(d) == second.count(d) for d in ",;\t|"):
            return None
    return "#"


def _finish(
    candidate: _Candidate, parsed: _Parsed, terminator: str, comment: str | None, lines: list[str]
) -> tuple[Dialect, list[str]]:
    rows, starts = parsed.rows, parsed.starts
    first = parsed.first_modal
    while first < len(rows) and not rows[first]:
        first += 1
    skip_rows = starts[first] if first < len(starts) else 0
    width = parsed.modal_width or (len(rows[first]) if first < len(rows) else 1)
    data = [r for r in rows[first:] if r]
    head = data[0] if data else []
    body = [r for r in data[1:] if len(r) == width][:200]

    trailing = bool(
        width > 1
        and len(body) >= 2
        and head
        and len(head) == width
        and head[-1].strip() == ""
        and all(r[-1] == "" for r in body)
    )
    columns = width - 1 if trailing else width
    header = _has_header(head[:columns], [r[:columns] for r in body])

    quote = candidate.quotechar
    if quote is not None and not _uses_quoting(rows[first:], candidate, lines):
        quote = None
    dialect = Dialect(
        delimiter=candidate.delimiter if width > 1 else ",",
        quotechar=quote,
        escapechar=candidate.escapechar if quote else None,
        doublequote=candidate.escapechar is None,
        header=header,
        skip_rows=skip_rows,
        comment=comment,
        line_terminator=terminator,
        trailing_delimiter=trailing,
    )
    names = column_names(head[:columns] if header else [], columns)
    return dialect, names


def _uses_quoting(rows: list[list[str]], candidate: _Candidate, lines: list[str]) -> bool:
    """Whether any field in the sample is actually quoted (not just holding a quote char)."""
    quote = candidate.quotechar
    assert quote is not None
    pattern = re.compile(rf"(^|{re.escape(candidate.delimiter)})\s*{re.escape(quote)}")
    return any(pattern.search(line) for line in lines[:2000])


def _has_header(head: list[str], body: list[list[str]]) -> bool:
    if not head:
        return False
    if not body:
        return all(classify(c) == "text" for c in head if c.strip())
    names = [c.strip() for c in head]
    score = 0
    for j, name in enumerate(names):
        column = [r[j].strip() for r in body if j < len(r)]
        kinds = Counter(classify(v) for v in column if not _NULL.match(v))
        head_kind = classify(name) if name else "empty"
        if not kinds:
            continue
        dominant, _ = kinds.most_common(1)[0]
        if dominant in ("number", "date", "time", "bool"):
            if head_kind == "text" or (head_kind == "bool" and dominant != "bool"):
                score += 2
            elif head_kind == dominant:
                # Years as column names ("region,2019,2020") head columns of amounts.
                if _YEAR.match(name) and not all(_YEAR.match(v) for v in column if v):
                    score += 1
                else:
                    score -= 2
            continue
        # Text column: a header name rarely repeats in its column, and usually differs in
        # length from fixed-width codes below it.
        if name and name in column:
            score -= 1
            continue
        lengths = {len(v) for v in column if v}
        if len(lengths) == 1 and len(name) not in lengths:
            score += 1
    if score > 0:
        return True
    if score < 0:
        return False
    # No evidence either way: most exports have a header, unless the first row has
    # duplicate or empty names, or holds typed values.
    if len(set(names)) < len(names) or any(not n for n in names):
        return False
    return all(classify(n) == "text" for n in names)


def column_names(header: list[str], width: int) -> list[str]:
    """Clean, unique column names; ``column_1..n`` where a name is missing."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for i in range(width):
        raw = header[i].strip() if i < len(header) else ""
        name = raw or f"column_{i + 1}"
        seen[name] += 1
        if seen[name] > 1:
            name = f"{name}_{seen[name]}"
            while name in seen:
                name += "_"
            seen[name] += 1
        names.append(name)
    return names


def with_overrides(dialect: Dialect, **overrides: object) -> Dialect:
    """The dialect with caller-given properties replacing detected ones (None = keep)."""
    return replace(dialect, **{k: v for k, v in overrides.items() if v is not None})
