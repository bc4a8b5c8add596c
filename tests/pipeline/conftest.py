"""The pipeline tests reuse the report tests' real headless Chromium."""

from tests.report.conftest import browser, chromium_path  # noqa: F401
