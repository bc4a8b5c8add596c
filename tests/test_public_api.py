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
