"""Contract versioning: bump the version by what changed, and say what changed.

Major for breaking changes, minor for compatible ones, unchanged when nothing
changed; the caller passes the diff (:func:`assay.inference.evolution.diff`) between
the contract's schema and the new one.  The changelog entry is Markdown, one line per
change, to append to the contract's changelog.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assay.codegen.contract_validate import ContractError


def bumped(version: str, changes: Sequence[Any]) -> tuple[str, str]:
    """The new version and the bump (``major``, ``minor`` or ``none``)."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)(.*)", version.strip())
    if not match:
        raise ContractError(f"contract version {version!r} is not semantic (MAJOR.MINOR.PATCH)")
    major, minor = int(match.group(1)), int(match.group(2))
    if not changes:
        return version, "none"
    if any(c.compatibility == "breaking" for c in changes):
        return f"{major + 1}.0.0", "major"
    return f"{major}.{minor + 1}.0", "minor"


def changelog_entry(old: str, new: str, bump: str, changes: Sequence[Any]) -> str:
    lines = [f"## {new} ({bump}, from {old})", ""]
    lines += [f"- {c.to_text()}" for c in changes]
    return "\n".join(lines) + "\n"
