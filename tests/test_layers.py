"""The import rule of docs/architecture.md, checked on the source.

A module imports only from lower layers; the packages of layer 3 do not import each
other except where ``ALLOWED_SIBLINGS`` says so (each entry is documented there too).
Every ``assay.*`` import counts, also one inside a function (a lazy import is still a
dependency) and a module named as a string in a lazy registry (``_LAZY = {"check":
"assay.api"}``); only ``if TYPE_CHECKING:`` blocks are left out, since they never run.

Parsing the files with ``ast`` (no import) keeps the test fast and independent of the
optional extras.  The layer table and the allowed exceptions are also compared with the
page, so the documentation and the check cannot drift apart.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "assay"

# The layer of each top-level module or package of ``assay`` (``"assay"`` is the lazy
# façade ``assay/__init__.py``). Mirrors the package layout table of
# docs/architecture.md; test_the_documented_layers_match checks that they agree.
LAYERS: dict[str, int] = {
    "assay.errors": 0,
    "assay.defaults": 0,
    "assay._version": 0,
    "assay._lazy": 0,
    "assay._deps": 1,
    "assay.redaction": 1,
    "assay.config": 1,
    "assay.schema": 2,
    "assay.dialects": 2,
    "assay.sources": 3,
    "assay.staging": 3,
    "assay.inference": 3,
    "assay.llm": 3,
    "assay.codegen": 3,
    "assay.quality": 3,
    "assay.targets": 4,
    "assay.pipeline": 5,
    "assay.refinement": 5,
    "assay.report": 5,
    "assay.api": 6,
    "assay": 6,
    "assay.cli": 7,
    "assay.__main__": 7,
}

SIBLING_LAYER = 3

# Imports between the packages of layer 3 that are part of the design
# (importer prefix, imported prefix). Keep in step with docs/architecture.md.
ALLOWED_SIBLINGS: dict[tuple[str, str], str] = {
    # Quality rules are data that codegen renders: the contract's quality section, dbt
    # tests, GX suites and the check SQL all come from quality.quality_rules, so they
    # cannot disagree.
    ("assay.codegen", "assay.quality"): "codegen renders the quality rules",
    # Staging lands what the sources layer reads: Resource/locate, ReadOptions,
    # open_resource, Stream.raw_batches (raw JSON records), SourceBatch,
    # QuarantinedRecord; staged JSON is read back with the sources' JSON parser so that
    # staged data is inferred like the file it came from.
    ("assay.staging", "assay.sources"): "staging stores what sources read",
    # infer(paths) opens its inputs (Source, Stream, ReadOptions); every other module of
    # inference sees only batches (SourceBatch comes in through the engine's arguments).
    ("assay.inference.engine", "assay.sources"): "infer(paths) reads files",
}

# Imports of a higher layer that exist today and are wrong: listed so the test passes
# and the debt stays visible. Fix the code and delete the entry (a stale entry fails).
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def group(module: str) -> str:
    """The top-level module or package a module belongs to (the key of ``LAYERS``)."""
    return ".".join(module.split(".")[:2])


def layer(module: str) -> int | None:
    return LAYERS.get(group(module))


def matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.found: list[Import] = []

    def _add(self, name: str, node: ast.AST) -> None:
        if name == "assay" or name.startswith("assay."):
            self.found.append(Import(self.module, name, getattr(node, "lineno", 0)))

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:  # the else branch runs
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            # ``from assay.staging import ddl`` imports the module assay.staging.ddl.
            submodule = f"{source}.{alias.name}"
            self._add(submodule if submodule in self.known else source, node)

    def visit_Constant(self, node: ast.Constant) -> None:
        # A lazy registry names modules as strings; importing them is a dependency.
        # (A bare "assay" is a name, e.g. psycopg's application_name, not an import.)
        if isinstance(node.value, str) and "." in node.value and node.value in self.known:
            self._add(node.value, node)


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    collector = _Collector(module, path.name == "__init__.py", known)
    collector.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return collector.found


@functools.cache
def all_imports() -> tuple[Import, ...]:
    modules = all_modules()
    known = set(modules)
    return tuple(i for m, p in modules.items() for i in imports_of(m, p, known))


def _allowed(entries: dict[tuple[str, str], str], imp: Import) -> tuple[str, str] | None:
    for importer, imported in entries:
        if matches(imp.importer, importer) and matches(imp.imported, imported):
            return importer, imported
    return None


def check_layers(imports: Iterable[Import]) -> tuple[list[str], set[tuple[str, str]]]:
    """The violations, and the allow-list entries that some import used."""
    problems: list[str] = []
    used: set[tuple[str, str]] = set()
    for imp in imports:
        if group(imp.importer) == group(imp.imported):
            continue  # inside one package (or the façade naming itself)
        low, high = layer(imp.importer), layer(imp.imported)
        if low is None or high is None:
            continue  # reported by test_every_module_has_a_layer
        where = f"{imp.importer} (layer {low}) imports {imp.imported} (layer {high})"
        if high > low:
            entry = _allowed(KNOWN_VIOLATIONS, imp)
            if entry is None:
                problems.append(f"{where}, line {imp.line}: a higher layer")
            else:
                used.add(entry)
        elif low == high == SIBLING_LAYER:
            entry = _allowed(ALLOWED_SIBLINGS, imp)
            if entry is None:
                problems.append(
                    f"{where}, line {imp.line}: a sibling in layer 3 not in ALLOWED_SIBLINGS"
                )
            else:
                used.add(entry)
    return sorted(set(problems)), used


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in all_modules() if layer(m) is None)
    assert not unplaced, "give these a layer in LAYERS and docs/architecture.md: " + ", ".join(
        unplaced
    )


def test_imports_follow_the_layers() -> None:
    problems, _ = check_layers(all_imports())
    assert not problems, "import rule broken (docs/architecture.md):\n" + "\n".join(problems)


def test_every_allow_list_entry_is_still_needed() -> None:
    _, used = check_layers(all_imports())
    stale = sorted(set(ALLOWED_SIBLINGS) - used) + sorted(set(KNOWN_VIOLATIONS) - used)
    assert not stale, f"no import needs these entries any more; delete them: {stale}"


def test_the_checker_sees_lazy_imports_and_skips_type_checking_blocks(tmp_path: Path) -> None:
    """The collector on a small module: what counts as an import and what does not."""
    source = tmp_path / "example.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from assay.errors import UsageError\n"
        "import assay.sources.model\n"
        "if TYPE_CHECKING:\n"
        "    from assay.cli.app import app\n"
        "else:\n"
        "    from assay.schema import Schema\n"
        "_LAZY = {'x': 'assay.report'}\n"
        "def later():\n"
        "    from assay.staging import ddl\n",
        encoding="utf-8",
    )
    known = {"assay.report", "assay.staging", "assay.staging.ddl", "assay.cli.app"}
    found = imports_of("assay.quality.example", source, known)
    assert [(i.imported, i.line) for i in found] == [
        ("assay.errors", 2),
        ("assay.sources.model", 3),
        ("assay.schema", 7),
        ("assay.report", 8),
        ("assay.staging.ddl", 10),
    ]
    problems, _ = check_layers(found)
    assert problems == [
        "assay.quality.example (layer 3) imports assay.report (layer 5), line 8: a higher layer",
        "assay.quality.example (layer 3) imports assay.sources.model (layer 3), line 3: "
        "a sibling in layer 3 not in ALLOWED_SIBLINGS",
        "assay.quality.example (layer 3) imports assay.staging.ddl (layer 3), line 10: "
        "a sibling in layer 3 not in ALLOWED_SIBLINGS",
    ]


_ROW = re.compile(r"^\|\s*(\d)\s*\|([^|]*)\|")


def documented_layers() -> dict[str, set[int]]:
    """Layer numbers per module group, read from the layout table of the architecture page."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    out: dict[str, set[int]] = {}
    for line in text.splitlines():
        row = _ROW.match(line)
        if not row:
            continue
        # The first name in the module cell says which package or module the row is about.
        names = re.findall(r"`([^`]+)`", row.group(2))
        if not names:
            continue
        first = names[0].strip().split("/")[0].removesuffix(".py")
        key = "assay" if first == "__init__" else f"assay.{first}"
        out.setdefault(key, set()).add(int(row.group(1)))
    return out


def test_the_documented_layers_match() -> None:
    documented = documented_layers()
    assert documented, "docs/architecture.md has no package layout table"
    wrong = {k: v for k, v in documented.items() if v != {LAYERS.get(k)}}
    missing = sorted(set(LAYERS) - set(documented))
    assert not wrong, f"layers in docs/architecture.md differ from LAYERS: {wrong}"
    assert not missing, f"not in the layout table of docs/architecture.md: {missing}"


def test_the_documented_exceptions_match() -> None:
    """Each allowed sibling import is a row ``| `importer` | `imported` |`` of the page."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\|\s*`([\w.]+)`\s*\|\s*`([\w.]+)`\s*\|", text, flags=re.M))
    allowed = {
        (importer.removeprefix("assay."), imported.removeprefix("assay."))
        for importer, imported in ALLOWED_SIBLINGS
    }
    assert rows == allowed, f"docs/architecture.md lists {sorted(rows)}, the test {sorted(allowed)}"
