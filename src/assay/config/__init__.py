"""Configuration of ``assay run``: the ``assay.yaml`` model, loading, overrides, hashing.

Layer 1: imports nothing above :mod:`assay.errors` and :mod:`assay.redaction`.

>>> from assay.config import load_config
>>> config = load_config(overrides={"policies.dedup": "content"}, search=False)
>>> config.policies.dedup, config.target
('content', 'duckdb:///assay.duckdb')
"""

from assay.config.hashing import canonical_json, config_hash
from assay.config.load import CONFIG_NAMES, build_config, find_config, load_config, with_overrides
from assay.config.model import (
    DEFAULT_OUT_DIR,
    DEFAULT_STAGING_DB,
    DEFAULT_TARGET,
    Config,
    ContractConfig,
    LLMConfig,
    LoadConfig,
    OutputsConfig,
    Policies,
    ReadConfig,
    SourceConfig,
    StagingConfig,
    TableRule,
    TablesConfig,
)
from assay.config.overrides import apply_overrides, parse_assignments
from assay.config.show import to_json, to_yaml

__all__ = [
    "CONFIG_NAMES",
    "DEFAULT_OUT_DIR",
    "DEFAULT_STAGING_DB",
    "DEFAULT_TARGET",
    "Config",
    "ContractConfig",
    "LLMConfig",
    "LoadConfig",
    "OutputsConfig",
    "Policies",
    "ReadConfig",
    "SourceConfig",
    "StagingConfig",
    "TableRule",
    "TablesConfig",
    "apply_overrides",
    "build_config",
    "canonical_json",
    "config_hash",
    "find_config",
    "load_config",
    "parse_assignments",
    "to_json",
    "to_yaml",
    "with_overrides",
]
