"""docs/configuration.md stays true: its key listing is the defaults, every key is in it."""

from __future__ import annotations

import re

import yaml

from assay.config import Config, build_config
from tests.config.test_config_cli import keys
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_the_documented_listing_is_the_defaults() -> None:
    section = DOC.split("## Every key", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    assert build_config(yaml.safe_load(block.group(1))) == Config()


def test_every_key_is_documented() -> None:
    for key in keys(Config):
        assert re.search(rf"\b{re.escape(key.rsplit('.', 1)[-1])}\b", DOC), key
