"""The kiosk's database: trainees, workshops, scored takes; SQLite by default, any SQLAlchemy URL.

One :class:`Store` per process (it holds the engine and its connection
pool). Every write is one transaction, so a crash in the middle of saving a
take leaves no half-written take. Opening a store checks a SQLite file for
damage and brings its schema up to date with the migrations in
``kiosk/store/migrations`` (Alembic).

On SQLite (WAL) reads never take the write lock: a read is a deferred
transaction and sees the last committed state while another kiosk writes;
only writes start with ``BEGIN IMMEDIATE`` and wait their turn. A database
that stays busy, or is damaged, raises :class:`StoreBusyError` or
:class:`StoreDamagedError`, whose messages say what to do; no message of the
store carries SQL.

The SQLite file (and so its ``-wal`` and ``-shm``, which SQLite creates with
the file's mode) is ``0600`` in a ``0700`` folder, as are backups and exports.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import secrets
import shlex
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar
from urllib.parse import quote

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kiosk import datafolder
from kiosk.errors import KioskError
from kiosk.scenarios import ScenarioError, find_scenario
from kiosk.settings import read_settings
from kiosk.store.access import TRAINEE_CODE, TRAINER_PIN, Attempt, Throttle, Tries, normal_pin, pin_problem, utc_now
from kiosk.store.names import DUPLICATE_KEY_SEPARATOR, NameProblem, checked_name, duplicate_key, name_key, normal_code
from kiosk.store.schema import BaselineRow, CueResult, Setting, Take, Trainee, VerdictRow, Workshop
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Cue, Verdict

if TYPE_CHECKING:
    from kiosk.calibration import TraineeBaseline
    from kiosk.scoring import TakeScores


class ReportDocument(Protocol):
    """A scored take's report, as the store sees it: a document that writes its JSON
    (:class:`kiosk.report.document.TakeReport`, which sits above the store)."""

    def to_json(self) -> dict[str, Any]: ...


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: How long a write waits for another kiosk's write to finish, in seconds
#: (the command line and background work; pages use :data:`PAGE_BUSY_TIMEOUT_S`).
BUSY_TIMEOUT_S = 30
#: How long a page's write waits for another's before it says the database is
#: busy, in seconds: a take's write takes milliseconds, so this is a stuck writer.
PAGE_BUSY_TIMEOUT_S = 3
#: Letters of a trainee's short code: no 0/O or 1/I/L to mix up.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
#: The trainer PIN's hash: scrypt's cost (16 MiB and about 50 ms a try).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
#: Spreadsheet programs run a cell starting with one of these as a formula (OWASP, CSV injection).
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Longest note a trainer may add to a verdict, in characters.
VERDICT_NOTE_MAX_CHARS = 500
#: How far a verdict's end may pass the take's stored length, in seconds (a time typed to a tenth of a second).
VERDICT_END_SLACK_S = 0.1


class StoreError(KioskError):
    """The database cannot be opened, or a request on it makes no sense (an unknown trainee...)."""


class StoreBusyError(StoreError):
    """Another kiosk or program holds the database's write lock for longer than a write waits."""


class StoreDamagedError(StoreError):
    """The SQLite file is not a database, or fails SQLite's quick check.

    Attributes:
        path: the damaged file.
        command: a shell command that moves it (and its ``-wal``/``-shm``) aside.
    """

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        damaged = path.parent / "damaged"
        self.command = (
            f"mkdir -p {shlex.quote(str(damaged))} && mv {shlex.quote(str(path))}* {shlex.quote(str(damaged))}/"
        )
        super().__init__(
            f"The kiosk's database {path} is damaged ({reason}). Stop the kiosk, then copy a backup over it "
            f"(`kiosk backup` makes them), or move it aside so the next start makes a new, empty one: {self.command}"
        )


class StoreNameError(StoreError):
    """A trainee's or workshop's name that cannot be kept (empty, too long, control characters)."""


class TakeNotFoundError(StoreError):
    """A take asked for by its uid is not in the database (deleted meanwhile, or never saved)."""


class VerdictError(StoreError):
    """A verdict that cannot be kept: a time range that makes no sense, a cue the take has no score for."""


@dataclass(frozen=True)
class CueRecord:
    """One cue of a take: score 0-100 and measured value in the cue's unit (``None`` if not observed)."""

    cue: str
    score: float | None
    value: float | None


@dataclass(frozen=True)
class TakeRecord:
    """A scored take, as saved and as read back.

    Attributes:
        uid: the take's unique id (saving the same uid twice stores it once).
        trainee: the trainee's name, ``None`` for an anonymous take.
        recorded_at: when the take started (local time).
        duration_s: its length in seconds.
        overall_score: 0-100, ``None`` if nothing could be scored.
        cues: every cue of the setting, in the report's order.
        report: the report document (``kiosk/take-report`` JSON).
        media_path: the kept recording, ``None`` unless the trainee opted in.
        workshop_id: the workshop the take belongs to, if any.
        trainee_code: the trainee's short code (filled in when read back).
    """

    uid: str
    trainee: str | None
    scenario_id: str
    setting: str
    language: str
    profile: str
    recorded_at: datetime
    duration_s: float
    overall_score: float | None
    cues: tuple[CueRecord, ...]
    report: dict = field(repr=False)
    media_path: str | None = None
    workshop_id: int | None = None
    trainee_code: str | None = None

    def cue_score(self, cue: str) -> float | None:
        return next((c.score for c in self.cues if c.cue == cue), None)


@dataclass(frozen=True)
class SavedTake:
    """A take in the database: its row id, and its trainee's short code (``None`` if anonymous)."""

    take_id: int
    trainee_code: str | None


@dataclass(frozen=True)
class TraineeRecord:
    id: int
    name: str
    code: str
    created_at: datetime


@dataclass(frozen=True)
class WorkshopRecord:
    id: int
    name: str
    created_at: datetime
    roster: tuple[TraineeRecord, ...]


@dataclass(frozen=True)
class VerdictRecord:
    """A trainer's verdict on one cue of a take, as read back.

    Attributes:
        id: the verdict's row id.
        take_uid: the take it judges (:attr:`TakeRecord.uid`).
        cue: the cue judged.
        verdict: whether the kiosk judged it right.
        span: the part of the take judged (seconds from its start); ``None``: the whole take.
        note: the trainer's words ("arms were not crossed"), ``None`` if none.
        created_at: when the trainer entered it (UTC).
        workshop_id: the take's workshop, if any.
        score: the take's stored score of the cue (0-100) when the verdict was read.
    """

    id: int
    take_uid: str
    cue: Cue
    verdict: Verdict
    span: TimeSpan | None
    note: str | None
    created_at: datetime
    workshop_id: int | None = None
    score: float | None = None


@dataclass(frozen=True)
class CueAgreement:
    """How often the trainers agreed with the kiosk on one cue.

    Attributes:
        n: verdicts on the cue; ``right`` of them said the kiosk was right.
        takes: takes with at least one verdict on the cue.
        timed: verdicts with a time range.
    """

    cue: Cue
    n: int
    right: int
    takes: int
    timed: int

    @property
    def agreement_share(self) -> float | None:
        """Share 0-1 of the verdicts that said the kiosk was right (``None`` with none)."""
        return self.right / self.n if self.n else None


@dataclass(frozen=True)
class CodeCheck:
    """A trainee looked up by their code (and name, if given): who, and how the try went."""

    trainee: TraineeRecord | None
    attempt: Attempt


def default_url() -> str:
    """``KIOSK_DB_URL``, else ``kiosk.db`` in the kiosk's data folder."""
    configured = read_settings().db_url
    if configured:
        return configured
    return f"sqlite:///{datafolder.data_folder() / 'kiosk.db'}"


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as err:
        raise StoreError(
            f"The database address {url!r} is not a valid SQLAlchemy URL ({err}); fix KIOSK_DB_URL."
        ) from err


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None``: another database, or SQLite in memory)."""
    parsed = _parse(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _private_sqlite_file(path: Path) -> None:
    """Create the SQLite file ``0600`` before SQLite does (its -wal and -shm copy the file's mode).

    The data folder (or a folder made here) becomes ``0700``; a folder that
    already existed elsewhere (``KIOSK_DB_URL`` naming e.g. ``/srv/kiosk``)
    keeps its own permissions, only the files are made private.
    """
    folder = path.parent
    try:
        ours = not folder.exists() or folder.resolve() == datafolder.data_folder().resolve()
        if ours:
            datafolder.private_folder(folder)
        if not path.exists():
            if ours:
                datafolder.create_private_file(path)
            else:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, datafolder.PRIVATE_FILE_MODE))
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if file.exists():
                try:
                    datafolder.make_private(file)
                except PermissionError:
                    pass  # another user's file (a shared install): its owner decides
    except OSError as err:
        raise StoreError(
            f"The kiosk's database {path} cannot be created ({err.strerror}); "
            f"check that {folder} is a folder this user can write to, or set KIOSK_DATA_DIR to one."
        ) from err


def _check_sqlite_file(path: Path, busy_timeout_s: float) -> None:
    """Refuse a SQLite file that is not a database or fails ``PRAGMA quick_check``, with what to do."""
    if not path.exists() or path.stat().st_size == 0:
        return  # new: SQLite makes it a database on first use
    try:
        with closing(sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=busy_timeout_s)) as raw:
            found = [row[0] for row in raw.execute("PRAGMA quick_check(5)")]
    except sqlite3.OperationalError as err:
        if _busy(str(err)):
            raise StoreBusyError(_BUSY) from err
        if _damage(str(err)):
            raise StoreDamagedError(path, str(err)) from err
        raise StoreError(
            f"The kiosk's database {path} cannot be opened ({err}); check that this user may read and write it."
        ) from err
    except sqlite3.DatabaseError as err:
        raise StoreDamagedError(path, str(err)) from err
    if found != ["ok"]:
        raise StoreDamagedError(path, f"SQLite's quick check found: {'; '.join(found)[:200]}")


_BUSY = "The kiosk's database is busy (another kiosk or program is writing to it): wait a moment and try again."


def _busy(message: str) -> bool:
    message = message.lower()
    return "locked" in message or "busy" in message or "lock timeout" in message


def _damage(message: str) -> bool:
    message = message.lower()
    return "not a database" in message or "malformed" in message or "disk image" in message


def _wait_for_wal(cursor: Any, busy_timeout_s: float) -> None:
    """Turn on WAL, waiting up to ``busy_timeout_s`` while another process holds the database.

    Changing the journal mode needs the database alone, and SQLite answers
    "locked" at once instead of calling its busy handler (seen when two
    kiosks open a new database together), so the wait is here.
    """
    deadline = time.monotonic() + busy_timeout_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if not _busy(str(err)) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _engine(parsed: URL, busy_timeout_s: float) -> Engine:
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    engine = create_engine(parsed, connect_args={"timeout": busy_timeout_s})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # We issue BEGIN ourselves (below), so pysqlite must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: kiosks read while another writes; a killed writer leaves the
        # database as it was before its transaction.
        _wait_for_wal(cursor, busy_timeout_s)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # A write takes the write lock at the start: two processes never
        # deadlock upgrading a read lock, they wait their turn (busy_timeout).
        # A read is deferred: in WAL it never waits for a writer.
        write = connection.get_execution_options().get("kiosk_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _writer(engine: Engine) -> Engine:
    """The same engine and pool, whose transactions are writes (``BEGIN IMMEDIATE`` on SQLite)."""
    return engine.execution_options(kiosk_write=True)


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the current schema (Alembic ``upgrade head``), one process at a time.

    A database already at the current schema is only read: opening it never
    waits for another kiosk's write.
    """
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    if set(current) == set(ScriptDirectory.from_config(config).get_heads()):
        return
    with _writer(engine).connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one;
            # with foreign keys on, that drop would cascade and delete every
            # take's cue results. The pragma only works outside a transaction.
            _sqlite_pragma(connection, "foreign_keys=OFF")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242017)")
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise StoreError(
                        "Upgrading the kiosk's database broke a link between its tables; nothing was changed."
                    )
        finally:
            if sqlite:
                _sqlite_pragma(connection, "foreign_keys=ON")


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    """``PRAGMA pragma`` on SQLite's own connection, outside SQLAlchemy's transactions."""
    driver = connection.connection.driver_connection
    if driver is None:  # only a connection already closed has none
        raise StoreError("The connection to the kiosk's database closed while upgrading it; start the kiosk again.")
    driver.execute(f"PRAGMA {pragma}")


_T = TypeVar("_T")


class Store:
    """The kiosk's database, open. Use as a context manager, one per process.

    Args:
        url: any SQLAlchemy URL; default :func:`default_url`.
        busy_timeout_s: how long a write waits for another process's write
            before :class:`StoreBusyError` (SQLite).

    Raises:
        StoreError: the database cannot be opened or upgraded
            (:class:`StoreDamagedError`: a damaged SQLite file;
            :class:`StoreBusyError`: another process holds it).
    """

    def __init__(self, url: str | None = None, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.url = url or default_url()
        parsed = _parse(self.url)
        self.path = sqlite_path(self.url)
        if self.path is not None:
            _private_sqlite_file(self.path)
            _check_sqlite_file(self.path, busy_timeout_s)
        self.engine = _engine(parsed, busy_timeout_s)
        try:
            upgrade_schema(self.engine)
        except StoreError:
            self.engine.dispose()
            raise
        except DBAPIError as err:
            self.engine.dispose()
            if _busy(str(err.orig)):
                raise StoreBusyError(_BUSY) from err
            if _damage(str(err.orig)) and self.path is not None:
                raise StoreDamagedError(self.path, _first_line(err.orig)) from err
            raise StoreError(
                f"The kiosk's database at {parsed.render_as_string(hide_password=True)} could not be opened "
                f"({_first_line(err.orig)}); check that the folder is writable or the server is running and reachable."
            ) from err
        self._reads = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(_writer(self.engine), expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        """Database errors as :class:`StoreError` with a plain message (no SQL); duplicates pass through."""
        try:
            yield
        except IntegrityError:
            raise
        except DBAPIError as err:
            message = str(err.orig)
            if _busy(message):
                raise StoreBusyError(_BUSY) from err
            if _damage(message) and self.path is not None:
                raise StoreDamagedError(self.path, _first_line(err.orig)) from err
            raise StoreError(
                f"The kiosk's database could not be used ({_first_line(err.orig)}); "
                "check that the disk has room and the database server is running, then try again."
            ) from err

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One write transaction (on SQLite it holds the write lock from its start)."""
        with self._database_errors(), self._writes() as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """One read transaction: never takes SQLite's write lock, never waits for a writer."""
        with self._database_errors(), self._reads() as session, session.begin():
            yield session

    # -- trainees ----------------------------------------------------------------
    def _trainee_named(self, session: Session, name: str) -> Trainee:
        key = name_key(name)
        found = session.scalars(select(Trainee).where(Trainee.name_key == key)).first()
        if found is not None:
            return found
        trainee = Trainee(name=name, name_key=key, code=self._new_code(session), created_at=datetime.now())
        session.add(trainee)
        session.flush()
        return trainee

    @staticmethod
    def _new_code(session: Session) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if session.scalars(select(Trainee.id).where(Trainee.code == code)).first() is None:
                return code

    def _retrying(self, write: Callable[[], _T]) -> _T:
        """Run a write again when it lost a race to create the same row on another kiosk (PostgreSQL)."""
        for attempt in range(3):
            try:
                return write()
            except IntegrityError as err:
                if attempt == 2:
                    raise StoreError(
                        "Another kiosk kept changing the same trainee while this one saved: try again."
                    ) from err
        raise AssertionError("unreachable")

    def add_trainee(self, name: str) -> TraineeRecord:
        """The trainee of that name (compared by :func:`~kiosk.store.names.name_key`), added if new.

        Raises:
            StoreNameError: an empty, too long or unprintable name.
        """
        tidy = checked(name)

        def write() -> TraineeRecord:
            with self._transaction() as session:
                return _trainee_record(self._trainee_named(session, tidy))

        return self._retrying(write)

    def find_trainee(self, name_or_code: str) -> TraineeRecord | None:
        """A trainee by short code or by name, for the trainer (a trainee's own page uses :meth:`trainee_by_code`)."""
        text = name_or_code.strip()
        if not text:
            return None
        with self._read() as session:
            found = session.scalars(select(Trainee).where(Trainee.code == normal_code(text))).first()
            if found is None:
                found = session.scalars(select(Trainee).where(Trainee.name_key == name_key(text))).first()
            return _trainee_record(found) if found else None

    def trainee_by_code(self, code: str, *, name: str | None = None, now: datetime | None = None) -> CodeCheck:
        """A trainee by their short code, and their name too if given; wrong codes slow down the next tries.

        Every wrong code counts towards :data:`~kiosk.store.access.TRAINEE_CODE`
        for the whole kiosk (kept in the database), so codes cannot be tried
        one after another; while the wait lasts, no code is looked up.

        Args:
            code: the code as typed (any case; spaces and dashes ignored).
            name: the name as typed, or ``None``: then the code alone decides.
            now: the time (UTC) of the try; default now.
        """
        wanted = normal_code(code)
        if not wanted:
            return CodeCheck(None, Attempt(accepted=False, checked=False))
        found: list[TraineeRecord] = []

        def right(session: Session) -> bool:
            trainee = session.scalars(select(Trainee).where(Trainee.code == wanted)).first()
            if trainee is None or (name and name.strip() and name_key(name) != name_key(trainee.name)):
                return False
            found.append(_trainee_record(trainee))
            return True

        attempt = self._attempt(TRAINEE_CODE, right, now=now, clear_on_success=False)
        return CodeCheck(found[0] if found else None, attempt)

    def search_trainees(self, text: str) -> list[TraineeRecord]:
        """Trainees whose name holds ``text`` forgivingly (:func:`name_matches`), or whose code it is; by name.

        For the trainer's pickers only: a trainee's own page needs their exact name and code.
        """
        return [t for t in self.trainees() if name_matches(text, t.name) or normal_code(text) == t.code]

    def trainees(self) -> list[TraineeRecord]:
        """Every trainee, by name (compared as keys, the same order on every database)."""
        with self._read() as session:
            rows = list(session.scalars(select(Trainee)))
            return [_trainee_record(t) for t in sorted(rows, key=lambda t: (t.name_key, t.id))]

    def name_clashes(self) -> list[TraineeRecord]:
        """Trainees kept apart although an older trainee has the same name (see migration 0003).

        New takes under that name go to the older trainee; these are found by their code.
        """
        with self._read() as session:
            rows = session.scalars(select(Trainee).where(Trainee.name_key.contains(DUPLICATE_KEY_SEPARATOR)))
            return [_trainee_record(t) for t in sorted(rows, key=lambda t: t.id)]

    # -- takes -------------------------------------------------------------------------
    def save_take(self, record: TakeRecord) -> SavedTake:
        """Save a scored take in one transaction. A uid saved before is not saved again.

        Returns:
            The take's id, and the short code of its trainee (``None`` if anonymous).

        Raises:
            StoreNameError: the trainee's name cannot be kept (save it anonymously instead).
            StoreBusyError: another process held the database for longer than a write waits.
        """
        name = checked(record.trainee) if record.trainee and record.trainee.strip() else None

        def write() -> SavedTake:
            with self._transaction() as session:
                existing = session.scalars(select(Take).where(Take.uid == record.uid)).first()
                if existing is not None:
                    return SavedTake(existing.id, existing.trainee.code if existing.trainee else None)
                trainee = self._trainee_named(session, name) if name else None
                workshop_id = record.workshop_id
                if workshop_id is not None and session.get(Workshop, workshop_id) is None:
                    workshop_id = None  # deleted while the take waited to be saved
                take = _take_row(replace(record, workshop_id=workshop_id), trainee)
                session.add(take)
                session.flush()
                return SavedTake(take.id, trainee.code if trainee else None)

        # A lost race (another kiosk saved the same take, or added the same new
        # trainee, a moment ago) is simply run again: it then finds theirs.
        return self._retrying(write)

    def takes(
        self, *, trainee_id: int | None = None, workshop_id: int | None = None, since: datetime | None = None
    ) -> list[TakeRecord]:
        """Takes, oldest first, of a trainee and/or a workshop (all when neither is given)."""
        query = select(Take).order_by(Take.recorded_at, Take.id)
        if trainee_id is not None:
            query = query.where(Take.trainee_id == trainee_id)
        if workshop_id is not None:
            query = query.where(Take.workshop_id == workshop_id)
        if since is not None:
            query = query.where(Take.recorded_at >= since)
        with self._read() as session:
            return [_take_record(t) for t in session.scalars(query)]

    def take(self, uid: str) -> TakeRecord | None:
        """One take by its uid (``None``: not here, e.g. deleted meanwhile)."""
        with self._read() as session:
            found = session.scalars(select(Take).where(Take.uid == uid)).first()
            return _take_record(found) if found else None

    # -- the trainer's verdicts ---------------------------------------------------------
    def add_verdict(
        self,
        take_uid: str,
        cue: str,
        verdict: str,
        *,
        span: TimeSpan | None = None,
        note: str | None = None,
        now: datetime | None = None,
    ) -> VerdictRecord:
        """Keep a trainer's verdict on one scored cue of a take; the take's scores stay as they are.

        Args:
            take_uid: the take (:attr:`TakeRecord.uid`).
            cue: a :class:`~kiosk.vocabulary.Cue` the take has a score for.
            verdict: ``right`` or ``wrong`` (:class:`~kiosk.vocabulary.Verdict`).
            span: the part of the take judged, seconds from its start (``None``: the whole take).
            note: the trainer's words, at most :data:`VERDICT_NOTE_MAX_CHARS`.
            now: when it was entered (UTC); default now.

        Raises:
            TakeNotFoundError: no take with that uid (deleted meanwhile).
            VerdictError: an unknown cue or verdict, a cue the take has no score for,
                a time range outside the take or ending before it starts, a note too long.
        """
        judged = _verdict_cue(cue)
        said = _verdict_value(verdict)
        words = _verdict_note(note)
        created = (now or utc_now()).astimezone(UTC).replace(tzinfo=None)

        def write() -> VerdictRecord:
            with self._transaction() as session:
                take = session.scalars(select(Take).where(Take.uid == take_uid)).first()
                if take is None:
                    raise TakeNotFoundError(
                        "This take is no longer in the database (it was deleted meanwhile); nothing was kept."
                    )
                scored = {c.cue: c.score for c in take.cues}
                if scored.get(judged.value) is None:
                    raise VerdictError(f"This take has no score for the cue {judged.value}: there is nothing to judge.")
                if span is not None:
                    _check_verdict_span(span, take.duration_s)
                row = VerdictRow(
                    take_id=take.id,
                    cue=judged.value,
                    verdict=said.value,
                    start_s=None if span is None else float(span.start_s),
                    end_s=None if span is None else float(span.end_s),
                    note=words,
                    created_at=created,
                )
                session.add(row)
                session.flush()
                return _verdict_record(row, take)

        return self._retrying(write)

    def verdicts(self, *, take_uid: str | None = None, workshop_id: int | None = None) -> list[VerdictRecord]:
        """Verdicts, in the order they were entered, of one take and/or one workshop's takes (all when neither)."""
        query = select(VerdictRow, Take).join(Take, VerdictRow.take_id == Take.id).order_by(VerdictRow.id)
        if take_uid is not None:
            query = query.where(Take.uid == take_uid)
        if workshop_id is not None:
            query = query.where(Take.workshop_id == workshop_id)
        with self._read() as session:
            return [_verdict_record(row, take) for row, take in session.execute(query)]

    def verdict_agreement(self, *, workshop_id: int | None = None) -> list[CueAgreement]:
        """Per cue judged (in report order), how often the trainers said the kiosk was right."""
        return verdict_agreement(self.verdicts(workshop_id=workshop_id))

    # -- workshops ---------------------------------------------------------------------
    def create_workshop(self, name: str, roster: Sequence[str] = ()) -> WorkshopRecord:
        """A new workshop with the named trainees on its roster (added if new).

        Raises:
            StoreNameError: the workshop's or a trainee's name is empty, too long or unprintable.
        """
        if not name.strip():
            raise StoreNameError("A workshop needs a name (e.g. the date and the group).")
        title = checked(name, what="The workshop's name")
        members = {name_key(n): n for n in (checked(n) for n in roster if n.strip())}

        def write() -> WorkshopRecord:
            with self._transaction() as session:
                workshop = Workshop(name=title, created_at=datetime.now())
                workshop.trainees = [self._trainee_named(session, n) for n in members.values()]
                session.add(workshop)
                session.flush()
                return _workshop_record(workshop)

        return self._retrying(write)

    def workshops(self) -> list[WorkshopRecord]:
        with self._read() as session:
            query = select(Workshop).order_by(Workshop.created_at.desc(), Workshop.id.desc())
            return [_workshop_record(w) for w in session.scalars(query)]

    # -- baselines -------------------------------------------------------------------------
    def save_baseline(self, name: str, baseline: TraineeBaseline) -> None:
        """Keep a trainee's baseline for its kiosk (the trainee is added if new); it replaces the one before.

        Raises:
            StoreNameError: an empty, too long or unprintable name.
        """
        tidy = checked(name)
        document = json.dumps(baseline.to_json(), ensure_ascii=False)
        taken_at = baseline.taken_at.astimezone(UTC).replace(tzinfo=None)

        def write() -> None:
            with self._transaction() as session:
                trainee = self._trainee_named(session, tidy)
                row = session.scalars(
                    select(BaselineRow).where(BaselineRow.trainee_id == trainee.id, BaselineRow.kiosk == baseline.kiosk)
                ).first()
                if row is None:
                    session.add(
                        BaselineRow(trainee_id=trainee.id, kiosk=baseline.kiosk, taken_at=taken_at, document=document)
                    )
                else:
                    row.taken_at, row.document = taken_at, document

        self._retrying(write)

    def baseline(self, name: str, *, kiosk: str) -> TraineeBaseline | None:
        """The trainee's baseline at ``kiosk``; ``None`` for an unknown trainee or one never calibrated there.

        Raises:
            StoreError: a stored baseline this kiosk cannot read (a newer kiosk wrote it); recalibrating replaces it.
        """
        from kiosk.calibration import BaselineError, TraineeBaseline

        with self._read() as session:
            row = session.scalars(
                select(BaselineRow)
                .join(Trainee, BaselineRow.trainee_id == Trainee.id)
                .where(Trainee.name_key == name_key(name.strip()), BaselineRow.kiosk == kiosk)
            ).first()
            document = None if row is None else row.document
        if document is None:
            return None
        try:
            return TraineeBaseline.from_json(json.loads(document))
        except (BaselineError, ValueError) as err:
            raise StoreError(f"The stored calibration of {name} cannot be read ({err}); press Recalibrate.") from err

    # -- deleting and retention ----------------------------------------------------------
    def delete_trainee(self, trainee_id: int) -> int:
        """Delete a trainee with every take and kept recording of theirs; the number of takes deleted.

        Raises:
            StoreError: no such trainee.
        """
        with self._transaction() as session:
            trainee = session.get(Trainee, trainee_id)
            if trainee is None:
                raise StoreError(f"No trainee with id {trainee_id}; it may have been deleted already.")
            media = [t.media_path for t in trainee.takes if t.media_path]
            count = len(trainee.takes)
            session.delete(trainee)
        _remove_files(media)
        return count

    def purge(self, *, now: datetime | None = None) -> tuple[int, int]:
        """Apply the retention settings: drop kept recordings, and takes if set, older than their days.

        Returns:
            (recordings removed, takes deleted).
        """
        now = now or datetime.now()
        media_days, take_days = self.retention()
        if media_days is None and take_days is None:
            return 0, 0  # nothing to apply: no write (and no wait for the write lock)
        removed_media: list[str] = []
        deleted = 0
        with self._transaction() as session:
            if media_days is not None:
                old = session.scalars(
                    select(Take).where(
                        Take.media_path.is_not(None), Take.recorded_at < now - timedelta(days=media_days)
                    )
                )
                for take in old:
                    if take.media_path is not None:  # as the query asks
                        removed_media.append(take.media_path)
                    take.media_path = None
            if take_days is not None:
                old_takes = list(
                    session.scalars(select(Take).where(Take.recorded_at < now - timedelta(days=take_days)))
                )
                removed_media += [t.media_path for t in old_takes if t.media_path]
                for take in old_takes:
                    session.delete(take)
                deleted = len(old_takes)
        _remove_files(removed_media)
        return len(removed_media), deleted

    # -- settings -------------------------------------------------------------------------
    def _get(self, key: str) -> str | None:
        with self._read() as session:
            setting = session.get(Setting, key)
            return setting.value if setting else None

    @staticmethod
    def _put(session: Session, key: str, value: str | None) -> None:
        setting = session.get(Setting, key)
        if value is None:
            if setting is not None:
                session.delete(setting)
        elif setting is None:
            session.add(Setting(key=key, value=value))
        else:
            setting.value = value

    def _set(self, key: str, value: str | None) -> None:
        def write() -> None:
            with self._transaction() as session:
                self._put(session, key, value)

        self._retrying(write)

    def set_current_workshop(self, workshop_id: int | None) -> None:
        """The workshop new takes belong to (``None``: none), as the trainer set it."""
        self._set("current_workshop", None if workshop_id is None else str(int(workshop_id)))

    def current_workshop_id(self) -> int | None:
        value = self._get("current_workshop")
        return int(value) if value else None

    def set_retention(self, *, media_days: int | None, take_days: int | None) -> None:
        """Keep recordings ``media_days`` and takes ``take_days`` (``None``: for ever)."""
        for key, days in (("retention_media_days", media_days), ("retention_take_days", take_days)):
            if days is not None and days < 1:
                raise StoreError(f"Retention must be at least one day, got {days}.")
            self._set(key, None if days is None else str(int(days)))

    def retention(self) -> tuple[int | None, int | None]:
        media, takes = self._get("retention_media_days"), self._get("retention_take_days")
        return (int(media) if media else None, int(takes) if takes else None)

    # -- the trainer PIN and the slowdown of wrong tries ----------------------------------------
    def has_trainer_pin(self) -> bool:
        return self._get("trainer_pin") is not None

    def set_trainer_pin(self, pin: str) -> None:
        """Store the trainer PIN as a salted scrypt hash (the PIN itself is never stored); clears wrong tries.

        Raises:
            StoreError: a PIN too short or too easy to guess (:func:`~kiosk.store.access.pin_problem`).
        """
        problem = pin_problem(pin)
        if problem:
            raise StoreError(problem)
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(normal_pin(pin).encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
        with self._transaction() as session:
            self._put(session, "trainer_pin", f"scrypt${salt.hex()}${digest.hex()}")
            self._put(session, TRAINER_PIN.setting, None)

    def check_trainer_pin(self, pin: str, *, now: datetime | None = None) -> Attempt:
        """Try a PIN: accepted or not, and how long until the next try (see :data:`~kiosk.store.access.TRAINER_PIN`).

        During the wait after wrong PINs the try is refused before the PIN is
        hashed; a right PIN clears the count. No PIN set: refused, not counted.

        Args:
            now: the time (UTC) of the try; default now.
        """

        def right(session: Session) -> bool | None:
            stored = session.get(Setting, "trainer_pin")
            if stored is None:
                return None
            _, salt, digest = stored.value.split("$")
            tried = hashlib.scrypt(
                normal_pin(pin).encode(), salt=bytes.fromhex(salt), n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P
            )
            return hmac.compare_digest(tried.hex(), digest)

        return self._attempt(TRAINER_PIN, right, now=now, clear_on_success=True)

    def trainer_pin_wait(self, *, now: datetime | None = None) -> Attempt:
        """Without trying a PIN: how long until the next try is allowed, and whether that is a lockout."""
        tries = Tries.loads(self._get(TRAINER_PIN.setting))
        return _refused(tries, TRAINER_PIN, now or utc_now())

    def clear_tries(self) -> None:
        """Forget every wrong PIN and code (``kiosk trainer unlock``: the trainer, at the machine)."""
        with self._transaction() as session:
            self._put(session, TRAINER_PIN.setting, None)
            self._put(session, TRAINEE_CODE.setting, None)

    def _attempt(
        self,
        throttle: Throttle,
        right: Callable[[Session], bool | None],
        *,
        now: datetime | None,
        clear_on_success: bool,
    ) -> Attempt:
        """One try at a secret, in one write transaction: refused while the stored wait lasts, else
        checked by ``right`` (``None``: nothing to check against) and counted."""
        now = now or utc_now()
        with self._transaction() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Kiosks sharing a server take turns, as SQLite's write lock makes them.
                session.execute(select(_advisory_lock(throttle.setting)))
            stored = session.get(Setting, throttle.setting)
            tries = Tries.loads(stored.value if stored else None)
            if tries.wait_s(throttle, now) > 0:
                return _refused(tries, throttle, now)
            verdict = right(session)
            if verdict is None:
                return Attempt(accepted=False, checked=False)
            if verdict:
                if clear_on_success:
                    self._put(session, throttle.setting, None)
                return Attempt(accepted=True, checked=True)
            tries = tries.after_failure(throttle, now)
            self._put(session, throttle.setting, tries.dumps())
            failed = _refused(tries, throttle, now)
            return Attempt(accepted=False, checked=True, wait_s=failed.wait_s, locked=failed.locked)

    # -- export and backup ----------------------------------------------------------------------
    def export_json(self) -> dict:
        """Everything but the settings, as one JSON-ready document (``kiosk/export`` v1)."""
        workshops = self.workshops()
        workshop_names = {w.id: w.name for w in workshops}
        return {
            "schema": "kiosk/export",
            "schema_version": 1,
            "trainees": [
                {"name": t.name, "code": t.code, "created_at": t.created_at.isoformat()} for t in self.trainees()
            ],
            "workshops": [
                {
                    "id": w.id,
                    "name": w.name,
                    "created_at": w.created_at.isoformat(),
                    "roster": [t.code for t in w.roster],
                }
                for w in workshops
            ],
            # Each take carries its workshop's name and its line's words beside their ids, for people reading it.
            "takes": [
                {
                    **_take_json(t),
                    "workshop": None if t.workshop_id is None else workshop_names.get(t.workshop_id),
                    "line": line_text(t.scenario_id),
                }
                for t in self.takes()
            ],
            "verdicts": [_verdict_json(v) for v in self.verdicts()],
        }

    def import_json(self, document: dict) -> int:
        """Load an :meth:`export_json` document into this store, in one transaction; takes added.

        A trainee whose code is already here is that trainee; one whose name
        another trainee here already has is kept apart (found by their code).

        Raises:
            StoreError: not a kiosk export, or a name in it that cannot be kept.
        """
        if document.get("schema") != "kiosk/export":
            raise StoreError("This file is not a kiosk export (its schema is not kiosk/export).")
        names = {row["code"]: checked(row["name"]) for row in document["trainees"]}
        with self._transaction() as session:
            by_code: dict[str, Trainee] = {}
            for row in document["trainees"]:
                trainee = session.scalars(select(Trainee).where(Trainee.code == row["code"])).first()
                if trainee is None:
                    key = name_key(names[row["code"]])
                    if session.scalars(select(Trainee.id).where(Trainee.name_key == key)).first() is not None:
                        key = duplicate_key(key, row["code"])
                    trainee = Trainee(
                        name=names[row["code"]],
                        name_key=key,
                        code=row["code"],
                        created_at=datetime.fromisoformat(row["created_at"]),
                    )
                    session.add(trainee)
                    session.flush()
                by_code[row["code"]] = trainee
            workshops: dict[int, Workshop] = {}
            for row in document["workshops"]:
                created = datetime.fromisoformat(row["created_at"])
                title = checked(row["name"], what="A workshop's name")
                workshop = session.scalars(
                    select(Workshop).where(Workshop.name == title, Workshop.created_at == created)
                ).first()
                if workshop is None:
                    workshop = Workshop(name=title, created_at=created)
                    session.add(workshop)
                workshop.trainees = [by_code[c] for c in row["roster"]]
                workshops[row["id"]] = workshop
            session.flush()
            added: dict[str, Take] = {}
            for row in document["takes"]:
                if session.scalars(select(Take.id).where(Take.uid == row["uid"])).first() is not None:
                    continue
                workshop = workshops.get(row["workshop_id"]) if row["workshop_id"] is not None else None
                take = _take_from_json(row, workshop_id=workshop.id if workshop else None)
                added[row["uid"]] = _take_row(take, by_code.get(row["trainee_code"]) if row["trainee_code"] else None)
                session.add(added[row["uid"]])
            session.flush()
            # Verdicts come with their takes: those of a take already here were imported with it.
            for row in document.get("verdicts", []):
                if row["take_uid"] in added:
                    session.add(_verdict_row_from_json(row, added[row["take_uid"]].id))
            return len(added)

    def export_csv(self) -> str:
        """One row per take: who, the workshop's name, when, the line (its id and its words in English),
        the overall score and each cue's score.

        Text a spreadsheet would run as a formula (a name such as
        ``=HYPERLINK(...)``) starts with a ``'`` instead; numbers stay numbers.
        """
        takes = self.takes()
        workshops = {w.id: w.name for w in self.workshops()}
        cues = list(dict.fromkeys(c.cue for t in takes for c in t.cues))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "take",
                "trainee",
                "code",
                "workshop",
                "recorded_at",
                "scenario",
                "line",
                "setting",
                "language",
                "duration_s",
                "overall",
                *cues,
            ]
        )
        for t in takes:
            row = [
                t.uid,
                t.trainee or "",
                t.trainee_code or "",
                "" if t.workshop_id is None else workshops.get(t.workshop_id, ""),
                t.recorded_at.isoformat(),
                t.scenario_id,
                line_text(t.scenario_id),
                t.setting,
                t.language,
                f"{t.duration_s:.2f}",
                "" if t.overall_score is None else round(t.overall_score),
                *["" if (s := t.cue_score(c)) is None else round(s) for c in cues],
            ]
            writer.writerow([_csv_cell(value) for value in row])
        return out.getvalue()

    def backup(self, destination: Path | None = None) -> Path:
        """A backup of this store's database (:func:`backup_database`)."""
        return backup_database(self.url, destination)


#: Letters that carry no accent to strip but that people type without their stroke or ligature.
_PLAIN_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"})


def search_key(text: str) -> str:
    """``text`` as the trainer's search compares it: case-folded, accents stripped, whitespace collapsed.

    ``"Åse Ødegård"`` becomes ``"ase odegard"``. Only for finding a trainee on
    the dashboard; who a trainee is stays :func:`~kiosk.store.names.name_key`.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c)).translate(_PLAIN_LETTERS)
    return " ".join(bare.split())


def name_matches(text: str, name: str) -> bool:
    """Whether the trainer's search ``text`` finds ``name``: any part of it, whatever the case and accents
    (``"ana"`` finds ``"Ana Silva"``, ``"ase"`` finds ``"Åse Ødegård"``); an empty search finds everyone."""
    return search_key(text) in search_key(name)


def line_text(scenario_id: str, language: str = "en") -> str:
    """The words of a shipped line in ``language`` (English by default), or ``""`` for a line not shipped."""
    try:
        return find_scenario(scenario_id).text_in(language)
    except ScenarioError:
        return ""


def checked(name: str, *, what: str = "A trainee's name") -> str:
    """A name tidied for keeping (:func:`~kiosk.store.names.checked_name`), or :class:`StoreNameError`."""
    try:
        return checked_name(name, what=what)
    except NameProblem as err:
        raise StoreNameError(str(err)) from err


def backup_database(url: str, destination: Path | None = None) -> Path:
    """Copy a SQLite database, consistent while kiosks write (SQLite's online backup), to a ``0600`` file.

    The copy is written beside its destination under a temporary name and
    renamed when complete, so a backup file is never half-written. The
    database is not upgraded or changed.

    Args:
        destination: a file, or a folder to put ``kiosk-<time>.db`` in;
            default the ``backups`` folder in the data folder (``0700``).

    Raises:
        StoreError: the database is not a SQLite file (back up a server with
            ``pg_dump``: the message gives the command), is missing or
            damaged, or the copy failed.
    """
    path = sqlite_path(url)
    if path is None:
        raise StoreError(
            "This kiosk's database is on a database server, not in a file: back it up on the server with "
            f"pg_dump, e.g. pg_dump --format=custom --file=kiosk.dump {shlex.quote(_libpq_url(url))}"
        )
    return backup_sqlite(path, destination)


def backup_sqlite(source: Path, destination: Path | None = None) -> Path:
    """The work of :func:`backup_database`, for a SQLite file (checked for damage first)."""
    if not source.is_file() or source.stat().st_size == 0:
        raise StoreError(f"There is no kiosk database at {source} to back up yet (it is made with the first take).")
    _check_sqlite_file(source, BUSY_TIMEOUT_S)
    if destination is None:
        folder = datafolder.private_folder(datafolder.data_folder() / "backups")
        destination = folder / f"kiosk-{datetime.now():%Y%m%d-%H%M%S}.db"
    elif destination.is_dir():
        destination = destination / f"kiosk-{datetime.now():%Y%m%d-%H%M%S}.db"
    if not destination.parent.is_dir():
        raise StoreError(f"The folder {destination.parent} for the backup does not exist; create it or choose another.")
    partial = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.partial")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, datafolder.PRIVATE_FILE_MODE))
        datafolder.make_private(partial)
        with (
            closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)) as live,
            closing(sqlite3.connect(partial)) as copy,
        ):
            live.backup(copy)
            # The copy is a plain file on its own: no -wal beside it to lose.
            copy.execute("PRAGMA journal_mode=DELETE")
        os.replace(partial, destination)
    except (OSError, sqlite3.Error) as err:
        partial.unlink(missing_ok=True)
        if isinstance(err, sqlite3.OperationalError) and _busy(str(err)):
            raise StoreBusyError(_BUSY) from err
        raise StoreError(f"The backup to {destination} failed ({err}); check that the disk has room.") from err
    return destination


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` as a ``0600`` file, whole or not at all (a temporary name, then a rename)."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, datafolder.PRIVATE_FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        datafolder.make_private(partial)
        os.replace(partial, path)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise StoreError(
            f"{path} could not be written ({err.strerror}); check the folder and that the disk has room."
        ) from err
    return path


def _libpq_url(url: str) -> str:
    """A SQLAlchemy URL as pg_dump takes it: no driver name, no password (pg_dump asks, or reads ~/.pgpass)."""
    parsed = _parse(url)
    return URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    ).render_as_string(hide_password=False)


def _csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text, never runs (OWASP: a ``'`` before a formula's first character)."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_PREFIXES):
        return "'" + value
    return value


def _advisory_lock(name: str):
    from sqlalchemy import func

    # A stable 63-bit number for the name (Python's hash() changes per process).
    number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1
    return func.pg_advisory_xact_lock(number)


def _refused(tries: Tries, throttle: Throttle, now: datetime) -> Attempt:
    wait = tries.wait_s(throttle, now)
    return Attempt(
        accepted=False, checked=False, wait_s=wait, locked=wait > 0 and tries.failures >= throttle.lockout_after
    )


def _first_line(error: BaseException | None) -> str:
    """The first line of a driver's message, short: never the SQL SQLAlchemy adds to its own."""
    text = str(error).strip().splitlines()[0] if error is not None and str(error).strip() else "no details"
    return text[:200]


def _remove_files(paths: Sequence[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def pending_json(t: TakeRecord) -> dict:
    """A take not saved yet, as JSON: as in an export, with the trainee's name instead of a code."""
    return {**_take_json(t), "trainee": t.trainee}


def pending_record(row: dict) -> TakeRecord:
    """A take kept by :func:`pending_json`, to save."""
    return replace(_take_from_json(row, workshop_id=row["workshop_id"]), trainee=row.get("trainee"))


def _trainee_record(t: Trainee) -> TraineeRecord:
    return TraineeRecord(id=t.id, name=t.name, code=t.code, created_at=t.created_at)


def _workshop_record(w: Workshop) -> WorkshopRecord:
    return WorkshopRecord(
        id=w.id, name=w.name, created_at=w.created_at, roster=tuple(_trainee_record(t) for t in w.trainees)
    )


def _take_record(t: Take) -> TakeRecord:
    return TakeRecord(
        uid=t.uid,
        trainee=t.trainee.name if t.trainee else None,
        trainee_code=t.trainee.code if t.trainee else None,
        scenario_id=t.scenario_id,
        setting=t.setting,
        language=t.language,
        profile=t.profile,
        recorded_at=t.recorded_at,
        duration_s=t.duration_s,
        overall_score=t.overall_score,
        cues=tuple(CueRecord(c.cue, c.score, c.value) for c in t.cues),
        report=t.report,
        media_path=t.media_path,
        workshop_id=t.workshop_id,
    )


def _take_row(record: TakeRecord, trainee: Trainee | None) -> Take:
    """A new row for a take (its trainee found or added by the caller)."""
    return Take(
        uid=record.uid,
        trainee=trainee,
        workshop_id=record.workshop_id,
        scenario_id=record.scenario_id,
        setting=record.setting,
        language=record.language,
        profile=record.profile,
        recorded_at=record.recorded_at,
        duration_s=record.duration_s,
        overall_score=record.overall_score,
        report=record.report,
        media_path=record.media_path,
        cues=[CueResult(position=i, cue=c.cue, score=c.score, value=c.value) for i, c in enumerate(record.cues)],
    )


def _take_from_json(row: dict, *, workshop_id: int | None) -> TakeRecord:
    """A take of an export document (:func:`_take_json`), with its workshop's id in this store."""
    return TakeRecord(
        uid=row["uid"],
        trainee=None,
        scenario_id=row["scenario_id"],
        setting=row["setting"],
        language=row["language"],
        profile=row["profile"],
        recorded_at=datetime.fromisoformat(row["recorded_at"]),
        duration_s=row["duration_s"],
        overall_score=row["overall_score"],
        cues=tuple(CueRecord(c["cue"], c["score"], c["value"]) for c in row["cues"]),
        report=row["report"],
        media_path=row["media_path"],
        workshop_id=workshop_id,
    )


def _take_json(t: TakeRecord) -> dict:
    return {
        "uid": t.uid,
        "trainee_code": t.trainee_code,
        "workshop_id": t.workshop_id,
        "scenario_id": t.scenario_id,
        "setting": t.setting,
        "language": t.language,
        "profile": t.profile,
        "recorded_at": t.recorded_at.isoformat(),
        "duration_s": t.duration_s,
        "overall_score": t.overall_score,
        "cues": [{"cue": c.cue, "score": c.score, "value": c.value} for c in t.cues],
        "report": t.report,
        "media_path": t.media_path,
    }


def _verdict_cue(cue: str) -> Cue:
    try:
        return Cue(cue)
    except ValueError as err:
        raise VerdictError(f"{cue!r} is not a cue the kiosk scores (one of: {', '.join(Cue)}).") from err


def _verdict_value(verdict: str) -> Verdict:
    try:
        return Verdict(verdict)
    except ValueError as err:
        raise VerdictError(f"A verdict is {' or '.join(Verdict)}, not {verdict!r}.") from err


def _verdict_note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    words = note.strip()
    if len(words) > VERDICT_NOTE_MAX_CHARS:
        raise VerdictError(f"A verdict's note is at most {VERDICT_NOTE_MAX_CHARS} characters; shorten it.")
    if any(ord(c) < 32 and c not in "\n\t" for c in words):
        raise VerdictError("A verdict's note may not contain control characters; type it again.")
    return words


def _check_verdict_span(span: TimeSpan, duration_s: float) -> None:
    """Refuse a time range that ends before it starts, starts before the take or ends after it."""
    if not (span.start_s >= 0):
        raise VerdictError("A verdict's time range starts at 0 s or later (seconds from the start of the take).")
    if not (span.end_s > span.start_s):
        raise VerdictError(
            f"A verdict's time range must end after it starts (it was {span.start_s:g} s to {span.end_s:g} s)."
        )
    if span.end_s > duration_s + VERDICT_END_SLACK_S:
        raise VerdictError(f"The take is {duration_s:.1f} s long: the time range must end by then.")


def _verdict_record(row: VerdictRow, take: Take) -> VerdictRecord:
    span = None if row.start_s is None or row.end_s is None else TimeSpan(row.start_s, row.end_s)
    return VerdictRecord(
        id=row.id,
        take_uid=take.uid,
        cue=Cue(row.cue),
        verdict=Verdict(row.verdict),
        span=span,
        note=row.note,
        created_at=row.created_at.replace(tzinfo=UTC),
        workshop_id=take.workshop_id,
        score=next((c.score for c in take.cues if c.cue == row.cue), None),
    )


def verdict_agreement(verdicts: Sequence[VerdictRecord]) -> list[CueAgreement]:
    """Per cue judged (in report order), how many verdicts, how many said right, on how many takes."""
    found = []
    for cue in Cue:
        mine = [v for v in verdicts if v.cue is cue]
        if mine:
            found.append(
                CueAgreement(
                    cue=cue,
                    n=len(mine),
                    right=sum(1 for v in mine if v.verdict is Verdict.RIGHT),
                    takes=len({v.take_uid for v in mine}),
                    timed=sum(1 for v in mine if v.span is not None),
                )
            )
    return found


def _verdict_json(v: VerdictRecord) -> dict:
    return {
        "take_uid": v.take_uid,
        "cue": v.cue.value,
        "verdict": v.verdict.value,
        "start_s": None if v.span is None else v.span.start_s,
        "end_s": None if v.span is None else v.span.end_s,
        "note": v.note,
        "created_at": v.created_at.isoformat(),
    }


def _verdict_row_from_json(row: dict, take_id: int) -> VerdictRow:
    created = datetime.fromisoformat(row["created_at"])
    return VerdictRow(
        take_id=take_id,
        cue=_verdict_cue(row["cue"]).value,
        verdict=_verdict_value(row["verdict"]).value,
        start_s=row["start_s"],
        end_s=row["end_s"],
        note=row["note"],
        created_at=created.astimezone(UTC).replace(tzinfo=None) if created.tzinfo else created,
    )


def dumps_export(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)


def take_record(
    document: ReportDocument,
    scores: TakeScores,
    *,
    uid: str,
    trainee: str | None,
    profile: str,
    recorded_at: datetime,
    duration_s: float,
    media_path: str | None = None,
    workshop_id: int | None = None,
) -> TakeRecord:
    """What to store of a scored take: its scores, measured values and report document (as JSON)."""
    report = document.to_json()
    return TakeRecord(
        uid=uid,
        trainee=trainee.strip() if trainee and trainee.strip() else None,
        scenario_id="" if report.get("scenario") is None else str(report["scenario"]["id"]),
        setting=scores.setting,
        language=str(report["language"]),
        profile=profile,
        recorded_at=recorded_at,
        duration_s=float(duration_s),
        overall_score=None if scores.overall is None else float(scores.overall),
        cues=tuple(
            CueRecord(c.cue, None if c.score is None else float(c.score), None if c.value is None else float(c.value))
            for c in scores.cues
        ),
        report=report,
        media_path=media_path,
        workshop_id=workshop_id,
    )
