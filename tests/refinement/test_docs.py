"""Documentation as context: every supported format read into passages, relevant
passages chosen, bad inputs reported with their path."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.llm.prompt import Passage
from assay.refinement.docs import read_documents, select

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(path: Path, paragraphs: list[str], table: list[list[str]]) -> Path:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    rows = "".join(
        "<w:tr>"
        + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>" for c in row)
        + "</w:tr>"
        for row in table
    )
    xml = (
        f'<?xml version="1.0"?><w:document xmlns:w="{W}">'
        f"<w:body>{body}<w:tbl>{rows}</w:tbl></w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return path


def pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF with a text line per entry, written by hand (valid xref table)."""
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({t}) Tj 0 -16 Td" for t in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(out)
    return path


def test_every_format(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("cust_seg_cd is the customer segment code.\n\nOther text.")
    (tmp_path / "guide.md").write_text("# Orders\n\nThe amt column is the order total in euros.\n")
    (tmp_path / "page.html").write_text(
        "<html><head><style>p {color: red}</style><script>var x = 1;</script></head><body>"
        "<h1>Payments</h1><p>The ref column is the bank reference.</p>"
        "<table><tr><th>column</th><th>meaning</th></tr><tr><td>amt</td><td>amount</td></tr>"
        "</table></body></html>"
    )
    docx(tmp_path / "dictionary.docx", ["Customers", "The is_vip flag marks key accounts."],
         [["column", "meaning"], ["segment", "sales channel"]])  # fmt: skip
    pdf(tmp_path / "spec.pdf", ["Shipping", "The geo.lat field is the latitude."])
    passages = read_documents([tmp_path])
    by_source: dict[str, list[str]] = {}
    for p in passages:
        by_source.setdefault(p.source, []).append(p.text)
    assert sorted(by_source) == [
        "dictionary.docx",
        "guide.md",
        "notes.txt",
        "page.html",
        "spec.pdf",
    ]
    assert by_source["notes.txt"] == ["cust_seg_cd is the customer segment code. Other text."]
    assert by_source["guide.md"] == ["# Orders The amt column is the order total in euros."]
    html = by_source["page.html"][0]
    assert "Payments The ref column is the bank reference." in html
    assert "column | meaning amt | amount" in html
    assert "color" not in html and "var x" not in html
    assert by_source["dictionary.docx"] == [
        "Customers The is_vip flag marks key accounts. column | meaning segment | sales channel"
    ]
    assert "The geo.lat field is the latitude." in " ".join(by_source["spec.pdf"])


def test_long_documents_are_split_into_passages(tmp_path: Path) -> None:
    (tmp_path / "long.md").write_text(" ".join(f"word{i}" for i in range(300)))
    passages = read_documents([tmp_path / "long.md"])
    assert [len(p.text.split()) for p in passages] == [120, 120, 60]


def test_selection_by_keyword_overlap() -> None:
    passages = [
        Passage("a.md", "The warehouse team stacks pallets every morning before dawn."),
        Passage("a.md", "cust_seg_cd: the customer segment code (retail, online, partner)."),
        Passage("a.md", "Order totals (amt) are in euros, taxes included, per order."),
        Passage("a.md", "Customers sign up online; the signup date is their first order."),
    ]
    chosen = select(passages, ["customers", "cust_seg_cd", "signup_date"], budget=40)
    assert [p.text[:12] for p in chosen] == ["cust_seg_cd:", "Customers si"]
    # Everything fits: everything is given, in order.
    assert select(passages, ["x"], budget=10_000) == passages
    assert select(passages, ["nothing", "relevant"], budget=20) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.md", None, "no such documentation file"),
        ("data.xlsx", b"PK", "unsupported documentation format .xlsx"),
        ("broken.docx", b"not a zip", "not a readable .docx document"),
        ("broken.pdf", b"%PDF-1.4 garbage", "not a readable PDF"),
    ],
)
def test_bad_documents(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_documents([path])
    assert message in str(info.value)
    assert name in str(info.value)
