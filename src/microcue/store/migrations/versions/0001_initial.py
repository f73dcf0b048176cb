"""calls, participants, events, cues, utterances, speaker links, per-second signal summary

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _call_id(table: str) -> list:
    return [
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=f"fk_{table}_call_id_calls", ondelete="CASCADE"),
    ]


def _pk(table: str) -> list:
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "calls",
        *_pk("calls"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_name", sa.String(512), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("frames", sa.Integer(), nullable=True),
        sa.Column("summary", JSONType, nullable=False),
        sa.Column("microcue_version", sa.String(64), nullable=False),
        sa.Column("withheld_private", sa.Integer(), nullable=False),
    )
    op.create_index("ix_calls_created_at", "calls", ["created_at"])

    op.create_table(
        "participants",
        *_pk("participants"),
        *_call_id("participants"),
        sa.Column("pid", sa.String(16), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("position", sa.String(32), nullable=False),
        sa.Column("center_x", sa.Float(), nullable=True),
        sa.Column("center_y", sa.Float(), nullable=True),
        sa.Column("track_ids", JSONType, nullable=False),
        sa.Column("first_seen_s", sa.Float(), nullable=True),
        sa.Column("last_seen_s", sa.Float(), nullable=True),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("median_face_px", sa.Float(), nullable=True),
        sa.Column("extra", JSONType, nullable=False),
    )
    op.create_index("ix_participants_call_id", "participants", ["call_id"])
    op.create_index("ix_participants_named_name", "participants", ["named", "name"])

    op.create_table(
        "events",
        *_pk("events"),
        *_call_id("events"),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("participant", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("onset_s", sa.Float(), nullable=False),
        sa.Column("apex_s", sa.Float(), nullable=False),
        sa.Column("offset_s", sa.Float(), nullable=False),
        sa.Column("emotion", sa.String(32), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("aus", JSONType, nullable=False),
        sa.Column("intensity", sa.Float(), nullable=False),
        sa.Column("laterality", sa.String(8), nullable=True),
        sa.Column("flags", JSONType, nullable=False),
    )
    op.create_index("ix_events_call_id", "events", ["call_id"])

    op.create_table(
        "cues",
        *_pk("cues"),
        *_call_id("cues"),
        sa.Column("time_s", sa.Float(), nullable=False),
        sa.Column("participant", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("observation", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column("evidence", JSONType, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_cues_call_id", "cues", ["call_id"])

    op.create_table(
        "utterances",
        *_pk("utterances"),
        *_call_id("utterances"),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("speaker", sa.String(256), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
    )
    op.create_index("ix_utterances_call_id", "utterances", ["call_id"])

    op.create_table(
        "speaker_links",
        *_pk("speaker_links"),
        *_call_id("speaker_links"),
        sa.Column("speaker", sa.String(256), nullable=False),
        sa.Column("participant", sa.String(16), nullable=True),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
    )
    op.create_index("ix_speaker_links_call_id", "speaker_links", ["call_id"])

    op.create_table(
        "signal_seconds",
        *_pk("signal_seconds"),
        *_call_id("signal_seconds"),
        sa.Column("participant", sa.String(16), nullable=False),
        sa.Column("second", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("valence", sa.Float(), nullable=True),
        sa.Column("arousal", sa.Float(), nullable=True),
        sa.Column("engagement", sa.Float(), nullable=True),
        sa.Column("expressivity", sa.Float(), nullable=True),
        sa.Column("on_screen", sa.Float(), nullable=True),
        sa.Column("quality", sa.Float(), nullable=True),
        sa.Column("top_emotion", sa.String(16), nullable=True),
        sa.Column("top_p", sa.Float(), nullable=True),
    )
    op.create_index("ix_signal_seconds_call_id", "signal_seconds", ["call_id"])


def downgrade() -> None:
    for table in ("signal_seconds", "speaker_links", "utterances", "cues", "events", "participants", "calls"):
        op.drop_table(table)
