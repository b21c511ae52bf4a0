"""A throwaway PostgreSQL server on loopback for the store's tests (Debian's ``postgresql`` binaries).

Started once per test session in a temporary folder, with trust
authentication on 127.0.0.1 only, and stopped afterwards. PostgreSQL
refuses to run as root, so under root it runs as the ``postgres`` user.
Missing binaries fail the tests with the install command (never a skip).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

USER = "kiosk"


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        pytest.fail(
            "PostgreSQL is not installed: the store is tested against a real server; "
            "install Debian's postgresql (apt-get install -y postgresql) or run ./kiosk.sh test, which does.",
            pytrace=False,
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One running server; :meth:`new_database` gives each test its own empty database."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.port = _free_port()
        self._count = 0
        self._run_as = None
        if os.geteuid() == 0:
            self._run_as = pwd.getpwnam("postgres")
            os.chown(self.folder, self._run_as.pw_uid, self._run_as.pw_gid)
        data = self.folder / "data"
        self._pg("initdb", "-D", str(data), "-A", "trust", "-U", USER, "--no-sync", "-E", "UTF8")
        self._pg(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off",
            "start",
        )
        self.data = data

    def _pg(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            user=self._run_as.pw_uid if self._run_as else None,
            group=self._run_as.pw_gid if self._run_as else None,
            cwd=self.folder,
            timeout=120,
            check=False,  # the failure is reported below, with PostgreSQL's own words
        )
        if result.returncode != 0:
            pytest.fail(f"{program} failed: {result.stderr.strip()[-2000:]}", pytrace=False)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty database; its SQLAlchemy URL."""
        import psycopg

        self._count += 1
        name = f"kiosk_test_{self._count}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
