"""The effective configuration as text, secrets replaced by ``***`` (``assay config show``)."""

from __future__ import annotations

import orjson
import yaml

from assay.config.model import Config


def to_yaml(config: Config) -> str:
    """YAML in the model's section order, secrets redacted."""
    return yaml.safe_dump(
        config.redacted(), sort_keys=False, allow_unicode=True, default_flow_style=False
    )


def to_json(config: Config) -> str:
    """Indented JSON in the model's section order, secrets redacted."""
    return orjson.dumps(config.redacted(), option=orjson.OPT_INDENT_2).decode() + "\n"
