"""The test PostgreSQL server itself: reachable, and each test gets its own database."""

from __future__ import annotations

import psycopg


def test_server_answers_and_databases_are_fresh(pg_dsn):
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (%s)", (41,))
        assert conn.execute("SELECT x + 1 FROM t").fetchone() == (42,)
        assert (
            conn.execute("SELECT current_setting('server_version_num')::int").fetchone()[0]
            >= 120000
        )
