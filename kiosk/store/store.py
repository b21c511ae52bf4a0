"""The kiosk's database: trainees, workshops, scored takes; SQLite by default, any SQLAlchemy URL.

One :class:`Store` per process (it holds the engine and its connection
pool). Every write is one transaction, so a crash in the middle of saving a
take leaves no half-written take. Opening a store brings its schema up to
date with the migrations in ``kiosk/store/migrations`` (Alembic).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import KioskError
from kiosk.store.schema import CueResult, Setting, Take, Trainee, Workshop

if TYPE_CHECKING:
    from kiosk.scoring import TakeScores

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: How long a write waits for another kiosk's write to finish, in seconds.
BUSY_TIMEOUT_S = 30
#: Letters of a trainee's short code: no 0/O or 1/I/L to mix up.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


class StoreError(KioskError):
    """The database cannot be opened, or a request on it makes no sense (an unknown trainee...)."""


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


def default_url() -> str:
    """``KIOSK_DB_URL``, else a SQLite file in ``KIOSK_DATA_DIR`` or the user data folder."""
    if os.environ.get("KIOSK_DB_URL"):
        return os.environ["KIOSK_DB_URL"]
    from platformdirs import user_data_path

    folder = Path(os.environ["KIOSK_DATA_DIR"]) if os.environ.get("KIOSK_DATA_DIR") else user_data_path("kiosk")
    return f"sqlite:///{folder / 'kiosk.db'}"


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise StoreError(f"The database address {url!r} is not a valid SQLAlchemy URL ({err}); fix KIOSK_DB_URL.") from err
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # We issue BEGIN ourselves (below), so pysqlite must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: kiosks read while another writes; a killed writer leaves the
        # database as it was before its transaction.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # Take the write lock at the start: two processes never deadlock
        # upgrading a read lock, they wait their turn (busy_timeout).
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the current schema (Alembic ``upgrade head``), one process at a time."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one;
            # with foreign keys on, that drop would cascade and delete every
            # take's cue results. The pragma only works outside a transaction.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242017)")
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise StoreError("Upgrading the kiosk's database broke a link between its tables; nothing was changed.")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


class Store:
    """The kiosk's database, open. Use as a context manager, one per process.

    Args:
        url: any SQLAlchemy URL; default :func:`default_url`.

    Raises:
        StoreError: the database cannot be opened or upgraded.
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self.engine = _engine(self.url)
        try:
            upgrade_schema(self.engine)
        except OperationalError as err:
            self.engine.dispose()
            raise StoreError(
                f"The kiosk's database at {make_url(self.url).render_as_string(hide_password=True)} could not be "
                f"opened ({err.orig}); check that the folder is writable or the server is running and reachable."
            ) from err
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type, exc, tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # -- trainees ----------------------------------------------------------------
    def _trainee_named(self, session: Session, name: str) -> Trainee:
        found = session.scalars(select(Trainee).where(func.lower(Trainee.name) == name.strip().lower())).first()
        if found is not None:
            return found
        trainee = Trainee(name=name.strip(), code=self._new_code(session), created_at=datetime.now())
        session.add(trainee)
        session.flush()
        return trainee

    @staticmethod
    def _new_code(session: Session) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if session.scalars(select(Trainee.id).where(Trainee.code == code)).first() is None:
                return code

    def add_trainee(self, name: str) -> TraineeRecord:
        """The trainee of that name (case does not matter), added if new."""
        if not name.strip():
            raise StoreError("A trainee needs a name; leave the name empty to practise anonymously instead.")
        with self._transaction() as session:
            return _trainee_record(self._trainee_named(session, name))

    def find_trainee(self, name_or_code: str) -> TraineeRecord | None:
        """A trainee by short code or by name."""
        text = name_or_code.strip()
        with self._sessions() as session:
            found = session.scalars(select(Trainee).where(Trainee.code == text.upper())).first()
            if found is None:
                found = session.scalars(select(Trainee).where(func.lower(Trainee.name) == text.lower())).first()
            return _trainee_record(found) if found else None

    def trainees(self) -> list[TraineeRecord]:
        with self._sessions() as session:
            return [_trainee_record(t) for t in session.scalars(select(Trainee).order_by(Trainee.name))]

    # -- takes -------------------------------------------------------------------------
    def save_take(self, record: TakeRecord) -> int:
        """Save a scored take in one transaction; its id. A uid saved before is not saved again."""
        with self._transaction() as session:
            existing = session.scalars(select(Take.id).where(Take.uid == record.uid)).first()
            if existing is not None:
                return existing
            trainee = self._trainee_named(session, record.trainee) if record.trainee and record.trainee.strip() else None
            take = _take_row(record, trainee)
            session.add(take)
            try:
                session.flush()
            except IntegrityError:
                # Another kiosk saved the same take a moment ago.
                session.rollback()
                with self._sessions() as again:
                    return again.scalars(select(Take.id).where(Take.uid == record.uid)).one()
            return take.id

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
        with self._sessions() as session:
            return [_take_record(t) for t in session.scalars(query)]

    # -- workshops ---------------------------------------------------------------------
    def create_workshop(self, name: str, roster: Sequence[str] = ()) -> WorkshopRecord:
        """A new workshop with the named trainees on its roster (added if new)."""
        if not name.strip():
            raise StoreError("A workshop needs a name (e.g. the date and the group).")
        with self._transaction() as session:
            workshop = Workshop(name=name.strip(), created_at=datetime.now())
            workshop.trainees = [self._trainee_named(session, n) for n in dict.fromkeys(n for n in roster if n.strip())]
            session.add(workshop)
            session.flush()
            return _workshop_record(workshop)

    def workshops(self) -> list[WorkshopRecord]:
        with self._sessions() as session:
            return [_workshop_record(w) for w in session.scalars(select(Workshop).order_by(Workshop.created_at.desc()))]

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
        removed_media: list[str] = []
        deleted = 0
        with self._transaction() as session:
            if media_days is not None:
                old = session.scalars(
                    select(Take).where(Take.media_path.is_not(None), Take.recorded_at < now - timedelta(days=media_days))
                )
                for take in old:
                    removed_media.append(take.media_path)
                    take.media_path = None
            if take_days is not None:
                old_takes = list(session.scalars(select(Take).where(Take.recorded_at < now - timedelta(days=take_days))))
                removed_media += [t.media_path for t in old_takes if t.media_path]
                for take in old_takes:
                    session.delete(take)
                deleted = len(old_takes)
        _remove_files(removed_media)
        return len(removed_media), deleted

    # -- settings -------------------------------------------------------------------------
    def _get(self, key: str) -> str | None:
        with self._sessions() as session:
            setting = session.get(Setting, key)
            return setting.value if setting else None

    def _set(self, key: str, value: str | None) -> None:
        with self._transaction() as session:
            setting = session.get(Setting, key)
            if value is None:
                if setting is not None:
                    session.delete(setting)
            elif setting is None:
                session.add(Setting(key=key, value=value))
            else:
                setting.value = value

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

    def has_trainer_pin(self) -> bool:
        return self._get("trainer_pin") is not None

    def set_trainer_pin(self, pin: str) -> None:
        """Store the trainer PIN as a salted scrypt hash (the PIN itself is never stored)."""
        if len(pin) < 4 or not pin.isdigit():
            raise StoreError("The trainer PIN must be at least 4 digits.")
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1)
        self._set("trainer_pin", f"scrypt${salt.hex()}${digest.hex()}")

    def check_trainer_pin(self, pin: str) -> bool:
        stored = self._get("trainer_pin")
        if stored is None:
            return False
        _, salt, digest = stored.split("$")
        tried = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
        return hmac.compare_digest(tried.hex(), digest)

    # -- export ----------------------------------------------------------------------------
    def export_json(self) -> dict:
        """Everything but the settings, as one JSON-ready document (``kiosk/export`` v1)."""
        return {
            "schema": "kiosk/export",
            "schema_version": 1,
            "trainees": [
                {"name": t.name, "code": t.code, "created_at": t.created_at.isoformat()} for t in self.trainees()
            ],
            "workshops": [
                {"id": w.id, "name": w.name, "created_at": w.created_at.isoformat(), "roster": [t.code for t in w.roster]}
                for w in self.workshops()
            ],
            "takes": [_take_json(t) for t in self.takes()],
        }

    def import_json(self, document: dict) -> int:
        """Load an :meth:`export_json` document into this store, in one transaction; takes added.

        Raises:
            StoreError: not a kiosk export.
        """
        if document.get("schema") != "kiosk/export":
            raise StoreError("This file is not a kiosk export (its schema is not kiosk/export).")
        with self._transaction() as session:
            by_code: dict[str, Trainee] = {}
            for row in document["trainees"]:
                trainee = session.scalars(select(Trainee).where(Trainee.code == row["code"])).first()
                if trainee is None:
                    trainee = Trainee(name=row["name"], code=row["code"], created_at=datetime.fromisoformat(row["created_at"]))
                    session.add(trainee)
                by_code[row["code"]] = trainee
            workshops: dict[int, Workshop] = {}
            for row in document["workshops"]:
                created = datetime.fromisoformat(row["created_at"])
                workshop = session.scalars(
                    select(Workshop).where(Workshop.name == row["name"], Workshop.created_at == created)
                ).first()
                if workshop is None:
                    workshop = Workshop(name=row["name"], created_at=created)
                    session.add(workshop)
                workshop.trainees = [by_code[c] for c in row["roster"]]
                workshops[row["id"]] = workshop
            session.flush()
            added = 0
            for row in document["takes"]:
                if session.scalars(select(Take.id).where(Take.uid == row["uid"])).first() is not None:
                    continue
                workshop = workshops.get(row["workshop_id"]) if row["workshop_id"] is not None else None
                take = _take_from_json(row, workshop_id=workshop.id if workshop else None)
                session.add(_take_row(take, by_code.get(row["trainee_code"]) if row["trainee_code"] else None))
                added += 1
            return added

    def export_csv(self) -> str:
        """One row per take: who, when, the line, the overall score and each cue's score."""
        import csv
        import io

        takes = self.takes()
        cues = list(dict.fromkeys(c.cue for t in takes for c in t.cues))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["take", "trainee", "code", "workshop", "recorded_at", "scenario", "setting", "language",
                         "duration_s", "overall", *cues])
        for t in takes:
            writer.writerow([
                t.uid, t.trainee or "", t.trainee_code or "", t.workshop_id or "", t.recorded_at.isoformat(),
                t.scenario_id, t.setting, t.language, f"{t.duration_s:.2f}",
                "" if t.overall_score is None else round(t.overall_score),
                *["" if (s := t.cue_score(c)) is None else round(s) for c in cues],
            ])
        return out.getvalue()


def _remove_files(paths: Sequence[str]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


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


def dumps_export(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)


def take_record(
    document: dict,
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
    """What to store of a scored take: its scores, measured values and report document."""
    scenario = document.get("scenario") or {}
    return TakeRecord(
        uid=uid,
        trainee=trainee.strip() if trainee and trainee.strip() else None,
        scenario_id=scenario.get("id") or "",
        setting=scores.setting,
        language=document["language"],
        profile=profile,
        recorded_at=recorded_at,
        duration_s=float(duration_s),
        overall_score=None if scores.overall is None else float(scores.overall),
        cues=tuple(
            CueRecord(c.cue, None if c.score is None else float(c.score), None if c.value is None else float(c.value))
            for c in scores.cues
        ),
        report=document,
        media_path=media_path,
        workshop_id=workshop_id,
    )
