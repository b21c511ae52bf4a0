"""The kiosk's tables (SQLAlchemy 2 declarative): the current schema.

Migrations in ``kiosk/store/migrations`` bring any older database to this
schema; ``tests/store`` checks that a database upgraded from the first
schema ends up with these same tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


#: Which trainees are on which workshop's roster.
workshop_members = Table(
    "workshop_members",
    Base.metadata,
    Column("workshop_id", ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    Column("trainee_id", ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True),
)


class Trainee(Base):
    """Someone who practises: a name and a short code to find their own takes by.

    ``name_key`` is how names are compared (:func:`kiosk.store.names.name_key`),
    the same on every database; unique, so two kiosks adding the same new
    name at once make one trainee.
    """

    __tablename__ = "trainees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(400), unique=True, index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    takes: Mapped[list[Take]] = relationship(
        back_populates="trainee", cascade="all, delete-orphan", passive_deletes=True
    )
    workshops: Mapped[list[Workshop]] = relationship(secondary=workshop_members, back_populates="trainees")
    baselines: Mapped[list[BaselineRow]] = relationship(
        back_populates="trainee", cascade="all, delete-orphan", passive_deletes=True
    )


class Workshop(Base):
    """A trainer's session with a group."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    trainees: Mapped[list[Trainee]] = relationship(secondary=workshop_members, back_populates="workshops")
    takes: Mapped[list[Take]] = relationship(back_populates="workshop")


class Take(Base):
    """One scored take: the line, when, the scores, the report; the media only if kept."""

    __tablename__ = "takes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Given by the kiosk before saving, so saving the same take twice stores it once.
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id", ondelete="SET NULL"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(80))
    setting: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    profile: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    duration_s: Mapped[float] = mapped_column(Float)
    overall_score: Mapped[float | None] = mapped_column(Float)
    report: Mapped[dict] = mapped_column(JSON)
    media_path: Mapped[str | None] = mapped_column(Text)

    trainee: Mapped[Trainee | None] = relationship(back_populates="takes")
    workshop: Mapped[Workshop | None] = relationship(back_populates="takes")
    cues: Mapped[list[CueResult]] = relationship(
        back_populates="take", cascade="all, delete-orphan", passive_deletes=True, order_by="CueResult.position"
    )
    verdicts: Mapped[list[VerdictRow]] = relationship(
        back_populates="take", cascade="all, delete-orphan", passive_deletes=True, order_by="VerdictRow.id"
    )


class CueResult(Base):
    """One cue of a take: its score and the measured value (in the cue's unit)."""

    __tablename__ = "cue_results"
    __table_args__ = (UniqueConstraint("take_id", "cue"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    take_id: Mapped[int] = mapped_column(ForeignKey("takes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    cue: Mapped[str] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)

    take: Mapped[Take] = relationship(back_populates="cues")


class VerdictRow(Base):
    """A trainer's verdict on one cue of a take: the kiosk was right or wrong, in a time range or the whole take.

    ``cue`` is a :class:`kiosk.vocabulary.Cue` value, ``verdict`` a
    :class:`kiosk.vocabulary.Verdict` value; ``start_s``/``end_s`` are seconds
    from the start of the take (both ``None``: the whole take); ``created_at``
    is when the trainer entered it (UTC). The take's scores are never changed.
    """

    __tablename__ = "verdicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    take_id: Mapped[int] = mapped_column(ForeignKey("takes.id", ondelete="CASCADE"), index=True)
    cue: Mapped[str] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(8))
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    take: Mapped[Take] = relationship(back_populates="verdicts")


class BaselineRow(Base):
    """A trainee's baseline at one kiosk (their 10 s calibration); recalibrating replaces it.

    ``document`` is the baseline's versioned JSON
    (:meth:`kiosk.calibration.TraineeBaseline.to_json`); ``taken_at`` when it was
    recorded (UTC).
    """

    __tablename__ = "baselines"
    __table_args__ = (UniqueConstraint("trainee_id", "kiosk", name="uq_baselines_trainee_kiosk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"))
    kiosk: Mapped[str] = mapped_column(String(120))
    taken_at: Mapped[datetime] = mapped_column(DateTime)
    document: Mapped[str] = mapped_column(Text)

    trainee: Mapped[Trainee] = relationship(back_populates="baselines")


class Setting(Base):
    """Kiosk-wide settings kept with the data: the trainer PIN's hash, retention days."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
