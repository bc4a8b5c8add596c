"""The team's own documentation as context: read, split into passages, pick the relevant.

Formats: ``.txt``, ``.md``, ``.html``/``.htm`` (stdlib parser, scripts and styles
dropped), ``.docx`` (stdlib: the zip's ``word/document.xml``, paragraphs and table
rows) and ``.pdf`` (pypdf, in the ``llm`` extra).  Directories contribute their
supported files, sorted.

Passages are paragraphs (headings kept with the text under them) merged up to about
``PASSAGE_WORDS`` words.  When everything does not fit a chunk's budget, passages are
ranked by keyword overlap with the chunk's column and table names — each shared word
weighted by its rarity across passages (idf), a literal column name counting triple —
and the best are kept, in document order.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from assay._deps import require
from assay.errors import InputError
from assay.llm.chunking import estimate_tokens
from assay.llm.prompt import Passage
from assay.refinement.heuristics import words

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")
PASSAGE_WORDS = 120
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "which",
        "with",
        "each",
        "one",
        "per",
        "all",
        "any",
        "not",
        "no",
    ]
)


def read_documents(paths: list[str | Path]) -> list[Passage]:
    """Every passage of every document, in order; :class:`InputError` for a bad path."""
    passages: list[Passage] = []
    for path in _files(paths):
        text_blocks = _blocks(path)
        passages.extend(Passage(path.name, text) for text in _merge(text_blocks))
    return passages


def _files(paths: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES))
        elif not path.exists():
            raise InputError("no such documentation file", path=str(raw), code="not_found")
        elif path.suffix.lower() not in SUFFIXES:
            raise InputError(
                f"unsupported documentation format {path.suffix or '(none)'}",
                path=str(raw),
                hint=f"use one of: {', '.join(SUFFIXES)}",
                code="unsupported_format",
            )
        else:
            out.append(path)
    return out


def _blocks(path: Path) -> list[str]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            return _docx(path)
        if suffix == ".pdf":
            return _pdf(path)
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read documentation: {exc}", path=str(path)) from None
    if suffix in (".html", ".htm"):
        return _html(text)
    return _paragraphs(text)


def _paragraphs(text: str) -> list[str]:
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n|\n(?=#)", text)]
    return [b for b in blocks if b]


class _HTMLText(HTMLParser):
    BLOCK = frozenset(
        [
            "p",
            "div",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "dt",
            "dd",
            "br",
            "section",
            "article",
            "table",
            "pre",
        ]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCK:
            self.flush()
        elif tag in ("td", "th"):
            self.current.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)

    def flush(self) -> None:
        text = " ".join("".join(self.current).split()).strip(" |")
        if text:
            self.blocks.append(text)
        self.current = []


def _html(text: str) -> list[str]:
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    parser.flush()
    return parser.blocks


def _docx(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("word/document.xml")
        root = ElementTree.fromstring(xml)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise InputError(f"not a readable .docx document: {exc}", path=str(path)) from None
    blocks: list[str] = []
    body = root.find(f"{_W}body")
    for element in body if body is not None else ():
        if element.tag == f"{_W}p":
            text = _docx_text(element)
            if text:
                blocks.append(text)
        elif element.tag == f"{_W}tbl":
            for row in element.iter(f"{_W}tr"):
                cells = [_docx_text(cell) for cell in row.iter(f"{_W}tc")]
                if any(cells):
                    blocks.append(" | ".join(cells))
    return blocks


def _docx_text(element: ElementTree.Element) -> str:
    return " ".join("".join(t.text or "" for t in element.iter(f"{_W}t")).split())


def _pdf(path: Path) -> list[str]:
    pypdf = require("pypdf", extra="llm")
    try:
        reader = pypdf.PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many types for broken files
        raise InputError(f"not a readable PDF: {exc}", path=str(path)) from None
    blocks: list[str] = []
    for page in pages:
        blocks.extend(_paragraphs(page))
    return blocks


def _merge(blocks: list[str]) -> list[str]:
    """Join short blocks (a heading and its paragraph) up to about PASSAGE_WORDS words;
    split blocks longer than that."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        tokens = block.split()
        while len(tokens) > PASSAGE_WORDS:
            if current:
                out.append(" ".join(current))
                current, size = [], 0
            out.append(" ".join(tokens[:PASSAGE_WORDS]))
            tokens = tokens[PASSAGE_WORDS:]
        if not tokens:
            continue
        if current and size + len(tokens) > PASSAGE_WORDS:
            out.append(" ".join(current))
            current, size = [], 0
        current.append(" ".join(tokens))
        size += len(tokens)
    if current:
        out.append(" ".join(current))
    return out


def _terms(text: str) -> list[str]:
    return [_stem(w) for w in words(text) if len(w) > 1 and w not in STOPWORDS]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def select(passages: list[Passage], names: list[str], budget: int) -> list[Passage]:
    """The passages most relevant to ``names`` (columns, table) within ``budget`` tokens."""
    if not passages or budget <= 0:
        return []
    costs = [estimate_tokens(p.text) for p in passages]
    if sum(costs) <= budget:
        return list(passages)
    documents = [Counter(_terms(p.text)) for p in passages]
    frequency = Counter(t for d in documents for t in d)
    idf = {t: math.log(1 + len(passages) / n) for t, n in frequency.items()}
    query = Counter(t for name in names for t in _terms(name))
    literal = [n.lower() for n in names if len(n) > 2]
    scores = []
    for i, (p, d) in enumerate(zip(passages, documents, strict=True)):
        score = sum(idf[t] * min(d[t], 3) for t in query if t in d)
        text = p.text.lower()
        score += sum(3 * idf.get(_stem(n), 1.0) for n in literal if n in text)
        scores.append((score, -i))
    chosen: list[int] = []
    used = 0
    for score, negative in sorted(scores, reverse=True):
        i = -negative
        if score <= 0:
            break
        if used + costs[i] <= budget:
            chosen.append(i)
            used += costs[i]
    return [passages[i] for i in sorted(chosen)]
