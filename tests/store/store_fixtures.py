"""The store's fixtures, imported by each store test module: every test on SQLite and on a real PostgreSQL server.

Import them as ``postgres_fixture`` and ``url_fixture``; tests ask for ``postgres`` and ``url``.
(Not a ``conftest.py``: the tests import ``SHARED_DATA`` from the top-level
``conftest``, and a second module of that name would shadow it.) One server
serves every module that imports these: it is started once per test session
and stopped when the session ends.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from postgres_server import PostgresServer
from sqlalchemy.engine import Connection

_server: PostgresServer | None = None


def shared_server() -> PostgresServer:
    global _server
    if _server is None:
        _server = PostgresServer()
        atexit.register(_server.stop)
    return _server


@pytest.fixture(scope="session", name="postgres")
def postgres_fixture() -> PostgresServer:
    return shared_server()


@pytest.fixture(params=["sqlite", "postgresql"], name="url")
def url_fixture(request, tmp_path) -> str:
    """An empty database: a SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kiosk.db'}"
    return request.getfixturevalue("postgres").new_database()


@contextmanager
def database_at(url: str, revision: str) -> Iterator[Connection]:
    """A connection to the database at ``url`` brought up to migration ``revision`` (and no further), in one
    transaction: what a test writes in the block is data of that older schema."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from kiosk.store.store import MIGRATIONS

    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            yield connection
    finally:
        engine.dispose()


def json_value(connection: Connection) -> str:
    """How a JSON column takes a bound text value: as is in SQLite; PostgreSQL wants a cast."""
    return ":report" if connection.dialect.name == "sqlite" else "CAST(:report AS JSON)"
