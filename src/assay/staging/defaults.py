"""Where the staging store lives unless told otherwise (kept import-free for the CLI)."""

DEFAULT_DB = ".assay/staging.duckdb"
ENV_VAR = "ASSAY_STAGING_DB"
