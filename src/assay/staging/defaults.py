"""Where the staging store lives unless told otherwise (see :mod:`assay.defaults`)."""

from assay.defaults import DEFAULT_STAGING_DB as DEFAULT_DB
from assay.defaults import STAGING_DB_ENV as ENV_VAR

__all__ = ["DEFAULT_DB", "ENV_VAR"]
