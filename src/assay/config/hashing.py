"""A stable fingerprint of the effective configuration, for the pipeline's resume checks.

The hash covers every option, secrets included (a run resumed with another password
may be writing to another place), so it is computed here and stored, but never shown
next to the configuration: with the rest of the configuration known, a weak secret
could be guessed from it.  Canonical JSON (sorted keys, no whitespace, UTF-8) makes
it independent of key order, comments, shorthands and defaults written out or not.
"""

from __future__ import annotations

import hashlib

import orjson

from assay.config.model import Config


def canonical_json(config: Config) -> bytes:
    """The effective configuration as canonical JSON (contains secrets: do not print)."""
    return orjson.dumps(config.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)


def config_hash(config: Config) -> str:
    """``sha256:<hex>`` of :func:`canonical_json`."""
    return "sha256:" + hashlib.sha256(canonical_json(config)).hexdigest()
