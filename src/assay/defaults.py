"""Where things go unless told otherwise: one place for the defaults every layer shares.

Import-free on purpose (layer 0): the configuration, the staging store, the targets and
the command line all read these, and the command line must start quickly.
"""

DEFAULT_TARGET = "duckdb:///assay.duckdb"  # typed tables, in the working directory
DEFAULT_STAGING_DB = ".assay/staging.duckdb"  # raw records, run state and history
STAGING_DB_ENV = "ASSAY_STAGING_DB"  # overrides DEFAULT_STAGING_DB for `assay stage`
DEFAULT_OUT_DIR = "out"  # generated artifacts and the run report
