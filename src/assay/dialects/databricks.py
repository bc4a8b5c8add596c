"""Databricks (Delta, Unity Catalog): Spark types; informational keys; catalog.schema.table."""

from __future__ import annotations

from assay.dialects.base import Capabilities
from assay.dialects.spark import Spark, SparkTypes


class DatabricksTypes(SparkTypes):
    pass


class Databricks(Spark):
    name = "databricks"
    sqlglot_name = "databricks"
    title = "Databricks"
    capabilities = Capabilities(
        primary_key="informational",
        foreign_key="informational",
        column_comments="inline",
        table_comments="inline",
        catalogs=True,
        alter_column_type=False,
        max_identifier_length=255,
    )
    types = DatabricksTypes
    table_format = None  # Delta is the default
