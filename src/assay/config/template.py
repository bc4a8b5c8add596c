"""The commented ``assay.yaml`` that ``assay init`` writes.

Every section is present and explained; active values are the defaults (a test checks
that the file validates to exactly :class:`assay.config.Config`'s defaults, and that
every key of the model is mentioned), examples of what else can go there are
commented out.
"""

from __future__ import annotations

import json

_TEMPLATE = """\
# assay.yaml: configuration of `assay run` (docs/configuration.md explains every key).
# Relative paths are relative to this file's directory. Values may use ${{ENV_VAR}} or
# ${{ENV_VAR:-default}}: keep secrets in the environment, never in this file. Any key
# can be overridden for one run: assay run --set policies.dedup=content
version: 1

# What to read: files, directories (searched recursively), globs or URIs
# (s3://, gs://, az://, https://). A bare string is a path with default options.
sources:{sources}
  # - path: drops/2024-*/orders_*.csv
  #   pattern: "*.csv"              # file-name glob inside directories
  #   read:                         # reading options; null (the default) = detect
  #     format: csv                 # csv | json | jsonl | parquet | arrow | excel
  #     compression: gzip           # none | gzip | bz2 | xz | zstd | zip
  #     encoding: cp1252
  #     delimiter: ";"
  #     quotechar: '"'
  #     escapechar: "\\\\"
  #     header: true
  #     skip_rows: 1                # lines before the header (a title, a preamble)
  #     comment: "#"
  #     sheet: Orders               # Excel/ODS sheet
  #     record_path: data.items     # where the records are in a JSON document
  #     storage_options:            # passed to fsspec for remote URIs
  #       anon: false
  #       secret: ${{AWS_SECRET_ACCESS_KEY}}

# How files become tables. Rules first (first match wins: a glob on the file name or
# its path below the source); other files are named after the file, and those whose
# schemas are at least `similarity` alike (0..1, shared fields) are merged into one.
tables:
  rules: []
  # rules:
  #   - match: "orders_*.csv"
  #     table: orders
  group_by_schema: true
  similarity: 0.8

# The staging store: raw records land here first (lossless, deduplicated, resumable);
# the run's state and history live here too. A DuckDB file, or postgresql://…
staging:
  db: .assay/staging.duckdb
  # db: postgresql://assay:${{PGPASSWORD}}@localhost:5432/staging
  batch_size: 100000          # records per bulk insert

# Where the typed tables are loaded: duckdb:///file.duckdb, postgresql://user@host/db,
# parquet:///dir, iceberg://[catalog]/namespace, delta:///dir
target: duckdb:///assay.duckdb
# target: postgresql://loader:${{PGPASSWORD}}@db.internal:5432/warehouse?schema=raw

load:
  mode: append                # create | replace | append | merge (upsert on the primary key)
  partition_by: []            # Parquet/Iceberg/Delta partition columns

# Refinement by a language model (descriptions, semantic types), checked against the
# data. null: no refinement. PROVIDER:MODEL[@BASE_URL] with provider ollama, openai
# (any OpenAI-compatible server) or gguf (a local model file).
llm: null
# llm:
#   spec: ollama:qwen2.5:7b
#   docs: [docs/data-dictionary.md]   # documentation the model may read
#   max_retries: 2                    # answers that fail validation are asked again
#   timeout: 120                      # seconds per request
#   api_key: ${{OPENAI_API_KEY}}        # for hosted OpenAI-compatible APIs

# Column names in the target: snake (order_id) or keep (as written in the source).
naming: snake

policies:
  on_error: quarantine        # unreadable records: quarantine | skip | fail
  dedup: path                 # none | path (skip files already staged) | content (skip
                              # identical records) | both
  on_schema_change: fail      # incompatible change vs the loaded table: fail | evolve |
                              # reject-rows (compatible changes are always applied)
  check_before_load: false    # run the quality checks on staged rows; failures are
                              # rejected instead of loaded
  tolerance: 0.999            # share of values that must fit an inferred type
  overlap: true               # infer, load, generate and check on a second thread while
                              # ingest stages the files; false: one stage after another

# What to write, and where.
outputs:
  dir: out
  contract: true              # ODCS v3 data contract
  json_schema: true           # one JSON Schema per table
  ddl: [duckdb]               # CREATE TABLE scripts, one per dialect, e.g. [duckdb, postgres]
  dbt: true                   # dbt sources, staging models and tests
  gx: true                    # Great Expectations suites
  checks: true                # quality checks as SQL
  pgloader: false             # pgloader script for PostgreSQL
  report: true                # the HTML run report

# Metadata of the data contract.
contract:
  name: null                  # default: the name of the first source
  id: null                    # default: derived from the name
  version: 1.0.0
  status: draft               # proposed | draft | active | deprecated | retired
  owner: null                 # e.g. jane.doe@example.com
  team: null
  domain: null                # e.g. sales
  description: null
  tags: []
"""


def config_template(sources: list[str] | None = None) -> str:
    """The commented ``assay.yaml``; ``sources`` fills the sources list."""
    if sources:
        listed = "".join(f"\n  - {json.dumps(s, ensure_ascii=False)}" for s in sources)
    else:
        listed = " []"
    return _TEMPLATE.format(sources=listed)
