"""The public façade and its documented examples."""

from __future__ import annotations

import doctest
import os

import assay
import assay.api
from tests.conftest import ROOT


def test_public_names() -> None:
    assert sorted(assay.__all__) == sorted(
        [
            "AssayError",
            "InputError",
            "MissingDependencyError",
            "Schema",
            "UsageError",
            "__version__",
            "check",
            "infer",
            "load",
            "open_source",
            "read",
            "refine",
            "sniff",
        ]
    )
    for name in assay.__all__:
        assert hasattr(assay, name)


def test_docstring_examples_run() -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for module in (assay, assay.api):
            failed, tried = doctest.testmod(module, raise_on_error=False)
            assert tried > 0 and failed == 0, module.__name__
    finally:
        os.chdir(cwd)


def test_lazy_names_are_not_shadowed_by_submodules() -> None:
    """Importing a submodule sets the package attribute of its name: a lazily resolved
    function with a submodule's name would turn into that module (``ingest`` did)."""
    import importlib
    import pkgutil

    packages = [assay] + [
        importlib.import_module(m.name)
        for m in pkgutil.walk_packages(assay.__path__, "assay.")
        if m.ispkg and m.name.count(".") == 1
    ]
    lazy_packages = [p for p in packages if getattr(p, "_LAZY", None)]
    assert {p.__name__ for p in lazy_packages} >= {
        "assay",
        "assay.staging",
        "assay.pipeline",
        "assay.schema",
    }
    for package in lazy_packages:
        lazy = set(package._LAZY)
        submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
        assert not lazy & submodules, package.__name__
    importlib.import_module("assay.staging.ingestion")  # as the CLI imports it, directly
    from assay.staging import IngestReport, ingest

    assert callable(ingest) and not isinstance(ingest, type(os))
    assert IngestReport.__module__ == "assay.staging.ingestion"
    importlib.import_module("assay.pipeline.loading")
    from assay.pipeline import check, load

    assert callable(load) and callable(check) and not isinstance(load, type(os))


def test_the_facade_loads_what_a_call_needs_and_no_more() -> None:
    """``assay.infer`` reads files: it loads neither the loading pipeline, the staging
    stores nor the targets (which took ``import assay.api`` to ~1 s)."""
    import subprocess
    import sys

    probe = (
        "import sys, assay.api\n"
        "before = sorted(m for m in ('assay.pipeline', 'assay.staging', 'assay.targets')"
        " if m in sys.modules)\n"
        "assay.api.infer(sys.argv[1])\n"
        "after = sorted(m for m in ('assay.pipeline', 'assay.staging', 'assay.targets')"
        " if m in sys.modules)\n"
        "print(before, after)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(ROOT / "examples" / "shop" / "customers.csv")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[] []"
