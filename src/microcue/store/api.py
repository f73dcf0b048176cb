"""Open a store and keep analysed calls in it: SQLite in the user's data folder by default, PostgreSQL by URL.

Privacy: self-coaching (cues with ``private=True`` or a kind in ``SELF_COACHING_KINDS``, and a ``self_coaching``
section of the summary) is only written to a local SQLite store. A shared store (any other database) gets the
call without them, and the call records how many cues were withheld (docs/store.md).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, case, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from microcue.store.db import first_line, safe_url
from microcue.store.errors import CallNotFoundError, StoreError, UnnamedParticipantError
from microcue.store.models import (
    CallRow,
    CueRow,
    EventRow,
    ParticipantRow,
    SignalSecondRow,
    SpeakerLinkRow,
    UtteranceRow,
)
from microcue.store.rows import (
    LINK_KEYS,
    SECOND_COLUMNS,
    SIGNAL_KEYS,
    UTTERANCE_KEYS,
    as_dict,
    cue_out,
    cue_row,
    event_out,
    event_row,
    is_private,
    iso,
    link_row,
    num,
    participant_out,
    participant_row,
    plain,
    py,
    signal_seconds,
    strip_private,
    utterance_row,
    wmean,
)
from microcue.store.stored import StoredCall, stored_call

_DEFAULT_NAME = re.compile(r"person\s*\d+", re.I)


class Store:
    """Analysed calls in a database. Use :func:`open_store`; close with :meth:`close` or a ``with`` block."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # ------------------------------------------------------------------------------------------ basics
    @property
    def url(self) -> str:
        """The URL with the password hidden."""
        return safe_url(self.engine.url)

    @property
    def keeps_private(self) -> bool:
        """True for a local SQLite store: the only kind that keeps self-coaching."""
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def _wrap(self, e: SQLAlchemyError) -> StoreError:
        return StoreError(f"store {self.url}: {first_line(e, self.engine.url.password)}")

    # ------------------------------------------------------------------------------------------ writing
    def save_call(
        self, analysis, *, cues: Iterable = (), utterances: Iterable = (), speaker_links: Iterable = ()
    ) -> int:
        """Store one analysed call and return its id.

        Args:
            analysis: a :class:`microcue.CallAnalysis` (participants, summary, events, signals).
            cues: :class:`microcue.cues.types.Cue` objects (or their ``to_dict()``). On a shared (non-SQLite)
                store, private / self-coaching cues are not written; the count withheld is kept with the call.
            utterances: transcript :class:`Utterance` objects (or dicts).
            speaker_links: :class:`SpeakerLink` objects (or dicts).
        """
        summary = py(analysis.summary or {})
        cue_dicts = [py(as_dict(c)) for c in cues]
        withheld = 0
        if not self.keeps_private:
            kept = [c for c in cue_dicts if not is_private(c)]
            withheld = len(cue_dicts) - len(kept)
            cue_dicts = kept
            summary = strip_private(summary)
        src = Path(analysis.source)
        version = summary.get("microcue_version")
        if not version:
            from microcue import __version__ as version
        call = dict(
            created_at=datetime.now(UTC),
            source_name=src.name,
            source_path=str(src.resolve()),
            duration_s=num(summary.get("container_duration_s") or summary.get("last_pts_s")),
            frames=summary.get("frames"),
            summary=summary,
            microcue_version=str(version),
            withheld_private=withheld,
        )
        children = (
            (ParticipantRow, [participant_row(p) for p in analysis.participants]),
            (EventRow, [event_row(as_dict(e)) for e in analysis.events]),
            (CueRow, [cue_row(c) for c in cue_dicts]),
            (UtteranceRow, [utterance_row(as_dict(u)) for u in utterances]),
            (SpeakerLinkRow, [link_row(as_dict(s)) for s in speaker_links]),
            (SignalSecondRow, signal_seconds(_second_signals(analysis))),
        )
        try:
            with self.engine.begin() as conn:
                call_id = conn.execute(insert(CallRow).returning(CallRow.id), [call]).scalar_one()
                for table, rows in children:
                    if rows:
                        conn.execute(insert(table), [{**r, "call_id": call_id} for r in rows])
        except SQLAlchemyError as e:
            raise self._wrap(e) from None
        return int(call_id)

    def delete_call(self, call_id: int) -> None:
        """Remove a call and everything stored for it. Raises CallNotFoundError for an unknown id."""
        try:
            with self.engine.begin() as conn:
                n = conn.execute(delete(CallRow).where(CallRow.id == int(call_id))).rowcount
        except SQLAlchemyError as e:
            raise self._wrap(e) from None
        if not n:
            raise CallNotFoundError(f"no stored call with id {call_id} in {self.url} (see `microcue calls list`)")

    # ------------------------------------------------------------------------------------------ reading
    def list_calls(self) -> list[dict]:
        """Every stored call, newest first: ``id``, ``created_at`` (ISO), ``date`` (YYYY-MM-DD), ``source_name``,
        ``duration_s``, ``participants`` (list of ``{"id", "name", "role"}``)."""
        try:
            with self.engine.connect() as conn:
                calls = conn.execute(
                    select(CallRow.id, CallRow.created_at, CallRow.source_name, CallRow.duration_s).order_by(
                        CallRow.created_at.desc(), CallRow.id.desc()
                    )
                ).all()
                people = defaultdict(list)
                for r in conn.execute(
                    select(
                        ParticipantRow.call_id, ParticipantRow.pid, ParticipantRow.name, ParticipantRow.role
                    ).order_by(ParticipantRow.pid)
                ):
                    people[r.call_id].append({"id": r.pid, "name": r.name, "role": r.role})
        except SQLAlchemyError as e:
            raise self._wrap(e) from None
        return [
            {
                "id": c.id,
                "created_at": iso(c.created_at),
                "date": iso(c.created_at)[:10],
                "source_name": c.source_name,
                "duration_s": c.duration_s,
                "participants": people[c.id],
            }
            for c in calls
        ]

    def get_call(self, call_id: int, *, include_private: bool = False) -> dict:
        """Everything stored for a call, enough to regenerate its report.

        Keys: ``id``, ``created_at``, ``source_name``, ``source_path``, ``duration_s``, ``frames``,
        ``microcue_version``, ``summary``, ``participants`` (``Participant.to_dict()`` shape plus ``named``),
        ``events`` (``ExpressionEvent.to_dict()`` shape), ``cues`` (``Cue.to_dict()`` shape), ``utterances``,
        ``speaker_links``, ``signals`` (per participant per second, see :func:`signal_seconds`), ``withheld``
        (``{"private_cues": n, "reason": ...}``) and ``self_coaching_available``. Private (self-coaching) cues are
        only included with ``include_private=True`` (the report's ``--self-coaching``).

        Raises:
            CallNotFoundError: no call with this id.
        """
        try:
            with self.engine.connect() as conn:
                c = conn.execute(select(CallRow.__table__).where(CallRow.id == int(call_id))).first()
                if c is None:
                    raise CallNotFoundError(
                        f"no stored call with id {call_id} in {self.url} (see `microcue calls list`)"
                    )

                def rows(model, order):
                    return conn.execute(select(model.__table__).where(model.call_id == c.id).order_by(*order)).all()

                parts = rows(ParticipantRow, [ParticipantRow.pid])
                evs = rows(EventRow, [EventRow.onset_s, EventRow.id])
                cs = rows(CueRow, [CueRow.time_s, CueRow.id])
                us = rows(UtteranceRow, [UtteranceRow.start_s, UtteranceRow.id])
                ls = rows(SpeakerLinkRow, [SpeakerLinkRow.id])
                sig = rows(SignalSecondRow, [SignalSecondRow.participant, SignalSecondRow.second])
        except SQLAlchemyError as e:
            raise self._wrap(e) from None
        withheld = {
            "private_cues": c.withheld_private,
            "reason": "self-coaching is kept only in a local SQLite store" if c.withheld_private else None,
        }
        keys = ("id", "source_name", "source_path", "duration_s", "frames", "microcue_version", "summary")
        return {
            **{k: getattr(c, k) for k in keys},
            "created_at": iso(c.created_at),
            "participants": [participant_out(p) for p in parts],
            "events": [event_out(e) for e in evs],
            "cues": [cue_out(q) for q in cs if include_private or not q.private],
            "utterances": [plain(u, UTTERANCE_KEYS) for u in us],
            "speaker_links": [plain(s, LINK_KEYS) for s in ls],
            "signals": [plain(r, SIGNAL_KEYS) for r in sig],
            "withheld": withheld,
            "self_coaching_available": any(q.private for q in cs),
        }

    def load_call(self, call_id: int, *, include_private: bool = False) -> StoredCall:
        """:meth:`get_call` as microcue objects (Participant, ExpressionEvent, Cue, Utterance, SpeakerLink) and the
        per-second signals as a DataFrame; ``render_report(out, **call.report_kwargs(), self_coaching=...)``
        regenerates the report."""
        return stored_call(self.get_call(call_id, include_private=include_private))

    def participant_trends(self, name: str, *, include_private: bool = False) -> list[dict]:
        """How a named participant's patterns change across calls, oldest call first.

        A participant is the same person across calls only when they were named (``--role WHERE=ROLE:NAME``);
        names match case- and space-insensitively. Each item: ``call_id``, ``created_at``, ``date``,
        ``source_name``, ``participant`` (the id in that call), ``role``, ``seconds`` (with a face measured),
        ``mean_valence``, ``mean_engagement`` (over the per-second summary, weighted by rows), ``cue_counts``
        ``{kind: n}`` (self-coaching kinds only with ``include_private``), ``event_counts`` ``{kind: n}``.
        Returns [] when no call has a participant of that name.

        Raises:
            UnnamedParticipantError: ``name`` is a default per-call name such as "Person 1".
        """
        key = " ".join(name.split()).lower()
        if not key:
            raise UnnamedParticipantError("give a participant name (as set with --role WHERE=ROLE:NAME)")
        try:
            with self.engine.connect() as conn:
                matches = conn.execute(
                    select(
                        ParticipantRow.call_id,
                        ParticipantRow.pid,
                        ParticipantRow.role,
                        ParticipantRow.named,
                        CallRow.created_at,
                        CallRow.source_name,
                    )
                    .join(CallRow, CallRow.id == ParticipantRow.call_id)
                    .where(func.lower(ParticipantRow.name) == key)
                    .order_by(CallRow.created_at, CallRow.id)
                ).all()
                named = [m for m in matches if m.named]
                if not named and (matches or _DEFAULT_NAME.fullmatch(key)):
                    raise UnnamedParticipantError(
                        f"{name!r} is a default name given per call (by screen position), not a person: it is "
                        "never merged across calls; name people with --role WHERE=ROLE:NAME to follow them"
                    )
                out = []
                for m in named:
                    sig = conn.execute(
                        select(SignalSecondRow.n, SignalSecondRow.valence, SignalSecondRow.engagement).where(
                            SignalSecondRow.call_id == m.call_id, SignalSecondRow.participant == m.pid
                        )
                    ).all()
                    cues = conn.execute(
                        select(CueRow.kind, CueRow.private).where(
                            CueRow.call_id == m.call_id, CueRow.participant == m.pid
                        )
                    ).all()
                    evs = conn.execute(
                        select(EventRow.kind).where(EventRow.call_id == m.call_id, EventRow.participant == m.pid)
                    ).all()
                    out.append(
                        {
                            "call_id": m.call_id,
                            "created_at": iso(m.created_at),
                            "date": iso(m.created_at)[:10],
                            "source_name": m.source_name,
                            "participant": m.pid,
                            "role": m.role,
                            "seconds": len(sig),
                            "mean_valence": wmean(sig, "valence"),
                            "mean_engagement": wmean(sig, "engagement"),
                            "cue_counts": dict(Counter(q.kind for q in cues if include_private or not q.private)),
                            "event_counts": dict(Counter(e.kind for e in evs)),
                        }
                    )
        except SQLAlchemyError as e:
            raise self._wrap(e) from None
        return out

    def call_overviews(self, *, since: str | None = None, until: str | None = None) -> list[dict]:
        """Every call kept between ``since`` and ``until`` (``YYYY-MM-DD``, both included), oldest first, with what
        a report across calls needs and nothing private: ``id``, ``created_at``, ``date``, ``source_name``,
        ``duration_s``, ``participants`` (``id``, ``name``, ``role``, ``named``, ``seconds`` with a face,
        ``mean_valence``, ``mean_engagement``) and ``cues`` (public cues only, ``Cue.to_dict()`` shape).
        A few grouped queries, however many calls: fit for a team's thousands."""
        try:
            with self.engine.connect() as conn:
                q = select(CallRow.id, CallRow.created_at, CallRow.source_name, CallRow.duration_s)
                if since:
                    q = q.where(CallRow.created_at >= _day(since, "since"))
                if until:
                    q = q.where(CallRow.created_at < _day(until, "until", next_day=True))
                calls = conn.execute(q.order_by(CallRow.created_at, CallRow.id)).all()
                if not calls:
                    return []
                ids = select(q.subquery().c.id)  # the same filter, as a subquery (no list of thousands of ids)
                parts = defaultdict(list)
                for r in conn.execute(select(ParticipantRow.call_id, ParticipantRow.pid, ParticipantRow.name,
                                             ParticipantRow.role, ParticipantRow.named)
                                      .where(ParticipantRow.call_id.in_(ids)).order_by(ParticipantRow.pid)):
                    parts[r.call_id].append({"id": r.pid, "name": r.name, "role": r.role, "named": bool(r.named)})
                s = SignalSecondRow
                w_val = case((s.valence.is_not(None), s.n), else_=0)
                w_eng = case((s.engagement.is_not(None), s.n), else_=0)
                sig = {(r.call_id, r.participant): r for r in conn.execute(
                    select(s.call_id, s.participant, func.count().label("seconds"),
                           func.sum(s.n * s.valence).label("v"), func.sum(w_val).label("nv"),
                           func.sum(s.n * s.engagement).label("e"), func.sum(w_eng).label("ne"))
                    .where(s.call_id.in_(ids)).group_by(s.call_id, s.participant))}
                cues = defaultdict(list)
                public = select(CueRow.__table__).where(CueRow.call_id.in_(ids), CueRow.private.is_(False))
                for q_ in conn.execute(public.order_by(CueRow.time_s, CueRow.id)):
                    c = cue_out(q_)
                    if not is_private(c):
                        cues[q_.call_id].append(c)
        except SQLAlchemyError as e:
            raise self._wrap(e) from None
        out = []
        for c in calls:
            people = []
            for p in parts[c.id]:
                r = sig.get((c.id, p["id"]))
                people.append({**p, "seconds": int(r.seconds) if r else 0,
                               "mean_valence": float(r.v) / r.nv if r and r.nv else None,
                               "mean_engagement": float(r.e) / r.ne if r and r.ne else None})
            out.append({"id": c.id, "created_at": iso(c.created_at), "date": iso(c.created_at)[:10],
                        "source_name": c.source_name, "duration_s": c.duration_s, "participants": people,
                        "cues": cues[c.id]})
        return out


def _day(text: str, what: str, *, next_day: bool = False) -> datetime:
    """``YYYY-MM-DD`` as the start of that day (UTC), or of the next day for an inclusive ``until``."""
    from datetime import timedelta

    from microcue.errors import InvalidInputError

    try:
        d = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInputError(f"--{what} must be a date like 2026-11-25, got {text!r}") from None
    return d + timedelta(days=1) if next_day else d


def _second_signals(analysis):
    """The signal rows ``signal_seconds`` needs: only its columns when the analysis can read a subset."""
    read = getattr(analysis, "read_signals", None)
    return read(SECOND_COLUMNS) if read is not None else analysis.signals
