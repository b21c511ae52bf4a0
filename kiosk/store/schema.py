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


class Setting(Base):
    """Kiosk-wide settings kept with the data: the trainer PIN's hash, retention days."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
