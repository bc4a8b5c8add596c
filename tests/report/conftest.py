"""A real headless Chromium for the report tests: skipped locally when it is not
installed, a failure in CI (``CI`` set), like the PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

Browser = Callable[..., str]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Chromium for the report tests: apt-get install -y chromium")
        pytest.skip("no chromium on PATH (apt-get install -y chromium)")
    return found


@pytest.fixture
def browser(chromium_path: str, tmp_path: Path) -> Browser:
    """``browser(html_file, "--dump-dom")`` runs Chromium on a file, returns its stdout."""

    def run(page: Path, *args: str) -> str:
        profile = tmp_path / "chromium-profile"
        command = [chromium_path, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    return run
