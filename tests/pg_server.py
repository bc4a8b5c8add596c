"""A real PostgreSQL server for the tests, on loopback.

Used in this order:

1. ``PGHOST``/``PGPORT``/``PGUSER``/``PGDATABASE`` (and ``PGPASSWORD``) from the environment,
   e.g. when the suite runs under ``pg_virtualenv``;
2. otherwise a throwaway cluster started here with the server binaries found on the machine
   (``initdb``/``pg_ctl`` on PATH or under ``/usr/lib/postgresql/*/bin``), in a temporary
   directory, listening on 127.0.0.1 on a free port, stopped when the session ends. As root
   the server runs as the ``postgres`` system user (PostgreSQL refuses to run as root).

When no server can be had, the tests that need one are skipped locally, but fail when the
``CI`` environment variable is set: CI must never skip them silently.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class NoServerError(RuntimeError):
    pass


@dataclass
class PgServer:
    host: str
    port: int
    user: str
    password: str | None
    dbname: str
    _datadir: Path | None = None
    _runas: list[str] | None = None
    _pg_ctl: str | None = None

    def dsn(self, dbname: str | None = None) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgresql://{auth}@{self.host}:{self.port}/{dbname or self.dbname}"

    def create_database(self, name: str) -> str:
        """Create a fresh database (dropping one of the same name) and return its DSN."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def stop(self) -> None:
        if self._datadir is None or self._pg_ctl is None:
            return
        subprocess.run(
            [
                *(self._runas or []),
                self._pg_ctl,
                "-D",
                str(self._datadir),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self._datadir.parent, ignore_errors=True)


def _from_environment() -> PgServer | None:
    if not os.environ.get("PGHOST") and not os.environ.get("PGPORT"):
        return None
    host = os.environ.get("PGHOST", "127.0.0.1")
    if host.startswith("/"):  # a socket directory: psycopg accepts it as host
        pass
    return PgServer(
        host=host,
        port=int(os.environ.get("PGPORT", "5432")),
        user=os.environ.get("PGUSER", "postgres"),
        password=os.environ.get("PGPASSWORD"),
        dbname=os.environ.get("PGDATABASE", "postgres"),
    )


def _binaries() -> tuple[str, str] | None:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(f"{bindir}/initdb"):
            return f"{bindir}/initdb", f"{bindir}/pg_ctl"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_cluster() -> PgServer:
    found = _binaries()
    if found is None:
        raise NoServerError("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    initdb, pg_ctl = found
    runas: list[str] = []
    top = Path(tempfile.mkdtemp(prefix="assay-pg-"))
    if os.geteuid() == 0:
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise NoServerError("running as root and there is no 'postgres' user") from exc
        runas = ["runuser", "-u", "postgres", "--"]
        os.chown(top, pw.pw_uid, pw.pw_gid)
    datadir = top / "data"
    run = [*runas, initdb, "-D", str(datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    result = subprocess.run([*run, "--no-locale"], capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(top, ignore_errors=True)
        raise NoServerError(f"initdb failed: {result.stderr.strip()[-500:]}")
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {top} -c fsync=off -c max_connections=200"
    )
    result = subprocess.run(
        [*runas, pg_ctl, "-D", str(datadir), "-o", options, "-l", str(top / "log"), "-w", "start"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        log = (top / "log").read_text() if (top / "log").exists() else ""
        shutil.rmtree(top, ignore_errors=True)
        raise NoServerError(f"pg_ctl start failed: {result.stderr.strip()} {log[-500:]}")
    server = PgServer("127.0.0.1", port, "postgres", None, "postgres", datadir, runas, pg_ctl)
    _wait(server)
    return server


def _wait(server: PgServer, seconds: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(server.dsn(), connect_timeout=3):
                return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise NoServerError(f"PostgreSQL did not accept connections: {exc}") from exc
            time.sleep(0.2)


def start() -> PgServer:
    """A reachable server, from the environment or started here."""
    server = _from_environment()
    if server is not None:
        _wait(server, 10.0)
        return server
    return _start_cluster()
