"""The store's tables (SQLAlchemy 2 declarative). The schema is created and changed only by the Alembic
migrations in ``migrations/versions``; a test checks that these models and the migrations agree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _call_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True)


class CallRow(Base):
    """One analysed call."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    source_name: Mapped[str] = mapped_column(String(512), nullable=False)
    source_path: Mapped[str] = mapped_column(Text, nullable=False)
    duration_s: Mapped[float | None] = mapped_column(Float)
    frames: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict] = mapped_column(JSONType, nullable=False)
    microcue_version: Mapped[str] = mapped_column(String(64), nullable=False)
    withheld_private: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    """Self-coaching cues not written because the store is shared (PostgreSQL)."""

    participants: Mapped[list[ParticipantRow]] = relationship(
        back_populates="call", cascade="all, delete-orphan", passive_deletes=True, order_by="ParticipantRow.pid"
    )


class ParticipantRow(Base):
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = _call_fk()
    pid: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    named: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    position: Mapped[str] = mapped_column(String(32), nullable=False)
    center_x: Mapped[float | None] = mapped_column(Float)
    center_y: Mapped[float | None] = mapped_column(Float)
    track_ids: Mapped[list] = mapped_column(JSONType, nullable=False)
    first_seen_s: Mapped[float | None] = mapped_column(Float)
    last_seen_s: Mapped[float | None] = mapped_column(Float)
    frames: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    median_face_px: Mapped[float | None] = mapped_column(Float)
    extra: Mapped[dict] = mapped_column(JSONType, nullable=False)

    call: Mapped[CallRow] = relationship(back_populates="participants")

    __table_args__ = (Index("ix_participants_named_name", "named", "name"),)


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = _call_fk()
    event_id: Mapped[str] = mapped_column(String(64), nullable=False)
    participant: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    onset_s: Mapped[float] = mapped_column(Float, nullable=False)
    apex_s: Mapped[float] = mapped_column(Float, nullable=False)
    offset_s: Mapped[float] = mapped_column(Float, nullable=False)
    emotion: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float, nullable=False)
    aus: Mapped[list] = mapped_column(JSONType, nullable=False)
    intensity: Mapped[float] = mapped_column(Float, nullable=False)
    laterality: Mapped[str | None] = mapped_column(String(8))
    flags: Mapped[list] = mapped_column(JSONType, nullable=False)


class CueRow(Base):
    __tablename__ = "cues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = _call_fk()
    time_s: Mapped[float] = mapped_column(Float, nullable=False)
    participant: Mapped[str] = mapped_column(String(16), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    observation: Mapped[str] = mapped_column(Text, nullable=False)
    suggestion: Mapped[str] = mapped_column(Text, nullable=False)
    evidence: Mapped[dict] = mapped_column(JSONType, nullable=False)
    confidence: Mapped[float] = mapped_column(Float, nullable=False)
    private: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class UtteranceRow(Base):
    __tablename__ = "utterances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = _call_fk()
    start_s: Mapped[float] = mapped_column(Float, nullable=False)
    end_s: Mapped[float] = mapped_column(Float, nullable=False)
    speaker: Mapped[str | None] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text, nullable=False)
    line: Mapped[int | None] = mapped_column(Integer)


class SpeakerLinkRow(Base):
    __tablename__ = "speaker_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = _call_fk()
    speaker: Mapped[str] = mapped_column(String(256), nullable=False)
    participant: Mapped[str | None] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)


class SignalSecondRow(Base):
    """One participant, one second of the call: means of the few signals trends and the report timeline use."""

    __tablename__ = "signal_seconds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[int] = _call_fk()
    participant: Mapped[str] = mapped_column(String(16), nullable=False)
    second: Mapped[int] = mapped_column(Integer, nullable=False)
    """floor(time_s): the row covers [second, second + 1)."""
    n: Mapped[int] = mapped_column(Integer, nullable=False)
    """Signal rows (frames with this face measured) in the second."""
    valence: Mapped[float | None] = mapped_column(Float)
    arousal: Mapped[float | None] = mapped_column(Float)
    engagement: Mapped[float | None] = mapped_column(Float)
    expressivity: Mapped[float | None] = mapped_column(Float)
    on_screen: Mapped[float | None] = mapped_column(Float)
    """Share of the second's rows with gaze on screen."""
    quality: Mapped[float | None] = mapped_column(Float)
    top_emotion: Mapped[str | None] = mapped_column(String(16))
    """Largest mean emotion probability in the second (``neutral`` included)."""
    top_p: Mapped[float | None] = mapped_column(Float)
