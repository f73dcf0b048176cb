"""The live runner: frames as they happen through the same stages as ``analyze``, in bounded memory.

One or two sources: the call (``--replay`` / ``--screen``; faces are the others, roles by ``--role`` as in
``analyze``) and, optionally, the seller's own camera (``--camera`` / ``--replay-self``; its faces are the
seller's). Each source has its own capture thread and its own bounded queue: when processing falls behind, the
oldest waiting frame of that source is dropped (and counted per source), never memory; a replay made with
``wait=True`` (``--no-drop``) is held back instead, so every frame is processed. The main thread takes the
next waiting frame (the sources take turns) and runs it through that source's own FaceStage ->
SignalStage (a source has its own image coordinates and tracker) and one EventSpotter per participant, the very
objects ``analyze`` uses. Participants of all sources share one numbering (P1, P2, ... in order of first
appearance). When any source ends (a replay is over, a camera is unplugged, a source raises) the session ends:
the other sources are stopped and everything is saved.

Every event is written to ``--events-out`` (JSON lines) the moment it is emitted, with the frame's capture time
and the emission time (both wall-clock ``time.time()`` seconds) so latency can be checked from outside. With
``provisional=True`` an expression episode that has passed its apex (its strength fell back to ``apex_fall`` x
its peak) is also written as a provisional event (``"provisional": true``), before the spotter confirms it; the
final event then carries ``"replaces": [ids]``, or a ``{"type": "withdrawn"}`` line follows when the spotter
ends the episode without an event. Signal rows are appended to a CSV file that is flushed every
``flush_every_s`` seconds, so a killed session keeps all but its last seconds; a session that ends normally also
gets signals.parquet, events.json, participants.json and summary.json like ``analyze``.
"""

from __future__ import annotations

import csv
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from microcue.errors import InvalidInputError
from microcue.events.spotter import MAX_GAP_S
from microcue.faces.participants import RoleSpec, _anchor, _track_number, position_name, real_tracks
from microcue.io.sink import ensure_writable_dir, write_json
from microcue.live.provisional import ApexWatch

SELF_WHERE = "camera"
"""``--role camera=ROLE[:NAME]`` names the face of the self source (``--camera`` / ``--replay-self``)."""
SELF_TRACK_OFFSET = 100_000
"""Track ids of the self source are stored with this added, so they never collide with the call's."""
STALL_S = MAX_GAP_S
"""A step longer than this between two processed frames of a source, with frames dropped in between, is a stall:
the spotter takes it for the face leaving (``EventSpotter.max_gap_s``), so an expression across it is missed."""


@dataclass
class LiveResult:
    frames_captured: int = 0
    frames_processed: int = 0
    frames_dropped: int = 0
    events: list = field(default_factory=list)
    latencies_s: list = field(default_factory=list)
    cue_latencies_s: deque = field(default_factory=lambda: deque(maxlen=100_000))
    """Capture of the frame that caused a panel cue (new, updated or turned final) -> the cue's emission."""
    frame_latencies_s: deque = field(default_factory=lambda: deque(maxlen=100_000))
    """Capture -> processed, per frame (the last 100k frames: bounded)."""
    participants: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    """Per source name: frames captured / processed / dropped, ``stalls`` (see ``STALL_S``), and ``error`` when it
    failed."""
    ended_by: str = ""
    provisional: int = 0
    withdrawn: int = 0
    words: int = 0
    word_cues: int = 0
    words_error: str | None = None
    out_dir: Path | None = None

    def frame_latency_summary(self) -> dict:
        return self._summary(self.frame_latencies_s)

    def latency_summary(self) -> dict:
        return self._summary(self.latencies_s)

    @staticmethod
    def _summary(values) -> dict:
        lat = np.asarray(list(values), float)
        if not len(lat):
            return dict(n=0, p50_s=None, p95_s=None)
        return dict(n=int(len(lat)), p50_s=round(float(np.percentile(lat, 50)), 4),
                    p95_s=round(float(np.percentile(lat, 95)), 4))


def split_roles(texts) -> tuple[RoleSpec | None, list[RoleSpec]]:
    """``--role`` values -> (the self source's spec, the call's specs). ``camera=ROLE[:NAME]`` is the self
    source's (default role seller); every other value is ``WHERE=ROLE[:NAME]`` as in ``analyze``."""
    own, others = None, []
    for t in texts or ():
        if isinstance(t, RoleSpec):
            spec = t
        elif t.split("=", 1)[0].strip().lower() == SELF_WHERE:
            try:  # the same ROLE[:NAME] rules as any --role, with "camera" as its WHERE
                spec = RoleSpec.parse("center=" + t.split("=", 1)[1])
            except InvalidInputError:
                raise InvalidInputError(f"--role {t!r}: expected camera=ROLE[:NAME] with ROLE buyer, seller or "
                                        "other, e.g. camera=seller:Dana") from None
            spec = RoleSpec(SELF_WHERE, spec.role, spec.name)
        else:
            spec = RoleSpec.parse(t)
        if spec.where == SELF_WHERE:
            if own is not None:
                raise InvalidInputError(f"--role {t}: the camera's role is given twice")
            own = spec
        else:
            others.append(spec)
    return own, others


class _LiveParticipants:
    """Track ids -> participants in order of first appearance, with roles from ``--role`` by screen position.

    ``own``: this is the self source; its first face gets ``own``'s role (seller unless told) and name, any
    further face there (someone passing behind the seller) is "other". ``new_id`` gives the next shared id.
    """

    def __init__(self, roles: list[RoleSpec], new_id, *, own: RoleSpec | None = None, is_self: bool = False,
                 track_offset: int = 0, source: str = "") -> None:
        self.roles = roles
        self.new_id = new_id
        self.own = own if own is not None else (RoleSpec(SELF_WHERE, "seller") if is_self else None)
        self.track_offset = track_offset
        self.source = source
        self.by_track: dict[int, dict] = {}
        self._taken: set[int] = set()

    def get(self, track_id: int, face_x: float, face_y: float) -> dict:
        p = self.by_track.get(track_id)
        if p is None:
            pid = self.new_id()
            n = pid[1:]
            p = dict(id=pid, name=f"Person {n}", role="unknown" if not self.roles else "other",
                     track_ids=[track_id + self.track_offset], position=position_name(face_x, face_y),
                     center=(face_x, face_y), source=self.source)
            if self.own is not None:
                first = not self.by_track
                p["role"] = self.own.role if first else "other"
                p["name"] = (self.own.name or p["name"]) if first else p["name"]
                p["named"] = bool(first and self.own.name)
            for k, spec in enumerate(self.roles if self.own is None else ()):
                if k in self._taken:
                    continue
                num = _track_number(spec.where)
                if (num is not None and num == track_id) or (num is None and _near(spec.where, face_x, face_y)):
                    p["role"], p["name"] = spec.role, spec.name or p["name"]
                    p["named"] = bool(spec.name)
                    self._taken.add(k)
                    break
            self.by_track[track_id] = p
        return p


def _near(where: str, x: float, y: float) -> bool:
    """Whether a face at (x, y) sits where a position word points (live: no other faces to compare with)."""
    ax, ay = _anchor(where)
    return (ax is None or abs(x - ax) <= 0.5) and (ay is None or abs(y - ay) <= 0.5)


class _Feed:
    """One source: its capture thread's bounded queue and counts, its own face and signal stages."""

    def __init__(self, source, *, is_self: bool, queue_size: int) -> None:
        self.source = source
        self.name = str(getattr(source, "name", "live"))
        self.is_self = is_self
        self.queue_size = queue_size
        self.waits = bool(getattr(source, "wait", False))  # a replay that waits for processing (--no-drop)
        self.queue: deque = deque()
        self.done = False
        self.error: BaseException | None = None
        self.captured = self.processed = self.dropped = 0
        self.stalls = 0  # steps over STALL_S between processed frames, made by dropped frames
        self.last_pts: float | None = None  # the last frame taken for processing
        self.dropped_then = 0  # frames dropped by then
        self.faces = self.signals = self.people = None

    def counts(self) -> dict:
        d = dict(role="self" if self.is_self else "call", frames_captured=self.captured,
                 frames_processed=self.processed, frames_dropped=self.dropped, stalls=self.stalls)
        if self.error is not None:
            d["error"] = f"{type(self.error).__name__}: {self.error}"
        return d


class LiveRunner:
    """Run live sources through the engine. See the module docstring.

    Args:
        source: the call (faces of the others), or None when only ``self_source`` is read.
        self_source: the seller's own camera (or a recording played as if it were), or None.
        roles: ``WHERE=ROLE[:NAME]`` for the call's faces, and ``camera=ROLE[:NAME]`` for the self source's
            (see :func:`split_roles`).
        queue_size: frames that may wait per source; beyond it that source's oldest waiting frame is dropped
            (a source whose ``wait`` is true, a ``ReplaySource(wait=True)``, waits for room instead).
        flush_every_s: how often the signal CSV and the events file are flushed to disk.
        provisional: also emit provisional events at an episode's apex (see the module docstring).
        apex_fall: an open episode has passed its apex once its strength is at most this fraction of its peak.
        words: a :class:`~microcue.live.live_words.LiveWords` (speech recognition of the replay's audio), or None
            for face-only cues; its ``words`` and word ``cue`` records are emitted like events.
        cues: a :class:`~microcue.live.live_cues.LiveCueMaker` (its ``roles`` and ``names`` dicts are kept up to
            date here): every event and withdrawal goes through it and the cue messages it makes (``cue``,
            ``withdraw``) are emitted right after, to ``--events-out`` and ``on_event``.
    """

    def __init__(self, source=None, *, out_dir: str | Path, roles=(), events_out: str | Path | None = None,
                 self_source=None, queue_size: int = 3, flush_every_s: float = 2.0, provisional: bool = True,
                 apex_fall: float = 0.7, words=None, cues=None, clock=time.time) -> None:
        if source is None and self_source is None:
            raise InvalidInputError("live: no source")
        self.source = source if source is not None else self_source
        self.own_role, self.roles = split_roles(roles)
        self.feeds = [f for f in (_Feed(source, is_self=False, queue_size=queue_size) if source is not None else None,
                                  _Feed(self_source, is_self=True, queue_size=queue_size)
                                  if self_source is not None else None) if f is not None]
        self.out_dir = ensure_writable_dir(out_dir)
        self.events_out = Path(events_out) if events_out is not None else None
        self.queue_size = queue_size
        self.flush_every_s = flush_every_s
        self.provisional = provisional
        self.apex_fall = apex_fall
        self.words = words
        self.cues = cues
        self._clock = clock
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._first_done: _Feed | None = None
        self._turn = 0

    @property
    def name(self) -> str:
        return " + ".join(f.name for f in self.feeds)

    def _capture(self, feed: _Feed) -> None:
        it = iter(feed.source)
        try:
            for frame, captured in it:
                with self._cond:
                    if feed.waits:
                        while len(feed.queue) >= feed.queue_size and not self._stop.is_set():
                            self._cond.wait(timeout=0.5)
                        if self._stop.is_set():
                            break  # the session ended while this frame waited: it is not taken, nor dropped
                    if len(feed.queue) >= feed.queue_size:
                        feed.queue.popleft()
                        feed.dropped += 1
                    feed.queue.append((frame, captured))
                    feed.captured += 1
                    self._cond.notify()
                if self._stop.is_set():
                    break
        except BaseException as exc:  # handed to the main thread
            feed.error = exc
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                try:
                    close()  # a generator's finally releases its camera / screen
                except Exception:  # noqa: BLE001, S110 - closing a broken source: nothing more to do
                    pass
            with self._cond:
                feed.done = True
                if self._first_done is None and not self._stop.is_set():
                    self._first_done = feed
                self._cond.notify()

    def _next(self):
        """The next waiting frame (the sources take turns): (feed, frame, captured), or None when a source has
        ended and its frames are all processed (the session ends)."""
        with self._cond:
            while True:
                waiting = [f for f in self.feeds if f.queue]
                ended = [f for f in self.feeds if f.done and not f.queue]
                if ended:
                    return None
                if waiting:
                    # turn by turn between the sources that have a frame waiting: taking the oldest frame first
                    # would starve the source whose frames arrive a little later in each period (its queue drops
                    # its oldest, so its head is always the newer one)
                    self._turn = (self._turn + 1) % len(self.feeds)
                    feed = next(f for k in range(len(self.feeds))
                                if (f := self.feeds[(self._turn + k) % len(self.feeds)]).queue)
                    self._turn = self.feeds.index(feed)
                    frame, captured = feed.queue.popleft()
                    self._cond.notify_all()  # room in the queue: a waiting replay's capture goes on
                    return feed, frame, captured
                self._cond.wait(timeout=0.5)

    def run(self, *, on_event=None, on_row=None) -> LiveResult:
        """Process until a source ends or Ctrl-C; returns counts, events and latencies.

        ``on_event(record)`` gets every record written to ``--events-out`` as it is emitted (``type`` "event",
        "withdrawn", and with ``words`` also "words" and "cue"); ``on_row(row, participant)`` every signal row
        (with ``participant`` the live participant dict: id, name, role, source).
        """
        from microcue.events import EventSpotter
        from microcue.faces.stage import FaceStage
        from microcue.signals.schema import columns
        from microcue.signals.stage import SignalStage

        result = LiveResult(out_dir=self.out_dir)
        counter = [0]

        def new_id() -> str:
            counter[0] += 1
            return f"P{counter[0]}"

        for f in self.feeds:
            f.faces, f.signals = FaceStage(), SignalStage()
            f.people = _LiveParticipants([] if f.is_self else self.roles, new_id, own=self.own_role if f.is_self
                                         else None, is_self=f.is_self,
                                         track_offset=SELF_TRACK_OFFSET if f.is_self else 0, source=f.name)
        spotters: dict[str, EventSpotter] = {}
        self._watch = ApexWatch(self.apex_fall) if self.provisional else None
        cols = columns()
        rows_path = self.out_dir / "signals.live.csv"
        events_fh = open(self.events_out, "w", encoding="utf-8") if self.events_out else None  # noqa: SIM115
        rows_fh = open(rows_path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        writer = csv.DictWriter(rows_fh, fieldnames=cols)
        writer.writeheader()
        for f in self.feeds:
            f.faces.warm_up()  # load the models before frames start arriving, or the first second is dropped
        if self.words is not None:
            self.words.warm_up()
        last_flush = self._clock()
        threads = [threading.Thread(target=self._capture, args=(f,), name=f"microcue-capture-{k}", daemon=True)
                   for k, f in enumerate(self.feeds)]
        for t in threads:
            t.start()
        if self.words is not None:
            self.words.transcriber.start()
        emit = self._emitter(events_fh, result, on_event)
        try:
            while True:
                got = self._next()
                if got is None:
                    break
                feed, frame, captured = got
                stepped = frame.pts_s - feed.last_pts if feed.last_pts is not None else 0.0
                if stepped > STALL_S and feed.dropped > feed.dropped_then:
                    feed.stalls += 1  # frames dropped since the last one taken, and more than STALL_S of them
                    emit(None, frame.pts_s, captured, feed.name,
                         record=dict(type="stall", skipped_s=round(stepped, 3), stalls=feed.stalls))
                feed.last_pts, feed.dropped_then = frame.pts_s, feed.dropped
                obs = feed.faces.update(frame)
                for row in feed.signals.update(frame.pts_s, frame.index, obs, frame.size):
                    p = feed.people.get(row["track_id"], row["face_x"], row["face_y"])
                    row["participant"] = p["id"]
                    row["track_id"] = row["track_id"] + feed.people.track_offset
                    writer.writerow({c: row[c] for c in cols})
                    if self.cues is not None:
                        self.cues.roles[p["id"]], self.cues.names[p["id"]] = p["role"], p["name"]
                    if on_row is not None:
                        on_row(row, p)
                    if self.words is not None:
                        self.words.add_row(row)
                    spotter = spotters.setdefault(p["id"], EventSpotter(p["id"]))
                    for ev in spotter.update(row):
                        emit(ev, frame.pts_s, captured, feed.name)
                    if self._watch is not None:
                        self._watch.update(spotter, frame.pts_s, captured, feed.name, emit)
                if self.words is not None and not self.words.transcriber.results.empty():
                    people = {p["id"]: p for f in self.feeds for p in f.people.by_track.values()}
                    for rec in self.words.poll(result.events, people):
                        emit(None, frame.pts_s, rec.pop("_due"), "asr", record=rec)
                feed.processed += 1
                result.frames_processed += 1
                result.frame_latencies_s.append(self._clock() - captured)
                if self._clock() - last_flush >= self.flush_every_s:
                    rows_fh.flush()
                    if events_fh:
                        events_fh.flush()
                    last_flush = self._clock()
        except KeyboardInterrupt:
            result.ended_by = "interrupted"
        finally:
            self._stop.set()
            for pid, spotter in spotters.items():
                src = next((f.name for f in self.feeds for p in f.people.by_track.values() if p["id"] == pid), "")
                for ev in spotter.flush():
                    emit(ev, None, None, src)
                if self._watch is not None:
                    self._watch.finish(pid, emit)
            if self.words is not None:  # the words already heard, and the cues they make with the last events
                self.words.transcriber.stop()
                people = {p["id"]: p for f in self.feeds for p in f.people.by_track.values()}
                for rec in self.words.poll(result.events, people):
                    emit(None, None, rec.pop("_due"), "asr", record=rec)
                err = self.words.transcriber.error
                result.words_error = None if err is None else f"{type(err).__name__}: {err}"
            rows_fh.close()
            if events_fh:
                events_fh.close()
            for t in threads:
                t.join(timeout=2.0)
            for f in self.feeds:
                f.faces.close()
            result.participants = {p["id"]: p for f in self.feeds for p in f.people.by_track.values()}
            result.frames_captured = sum(f.captured for f in self.feeds)
            result.frames_dropped = sum(f.dropped for f in self.feeds)
            result.sources = {f.name: f.counts() for f in self.feeds}
            if not result.ended_by:
                first = self._first_done
                result.ended_by = ("stopped" if first is None else f"{first.name} failed: {first.error}"
                                   if first.error is not None else f"{first.name} ended")
            self._finish(result, rows_path)
        failed = [f for f in self.feeds if f.error is not None and not isinstance(f.error, KeyboardInterrupt)]
        if failed and result.frames_captured == 0:
            raise failed[0].error  # nothing was read at all: a bad input, not a session that ended
        return result

    def _emitter(self, fh, result: LiveResult, on_event):
        def emit(ev, frame_time_s, captured, source, *, provisional=False, record=None):
            emitted = self._clock()
            if record is None:
                rec = dict(type="event", **ev.to_dict(), provisional=provisional)
            else:
                rec = dict(record)
            rec.update(source=source, frame_time_s=frame_time_s, captured_wall_s=captured, emitted_wall_s=emitted)
            if rec["type"] in ("words", "cue"):
                result.words += rec["type"] == "words"
                result.word_cues += rec["type"] == "cue"
            elif rec["type"] == "event" and not provisional:
                if self._watch is not None and record is None:
                    got = self._watch.confirm(ev)
                    if got:
                        rec["replaces"] = got
                if captured is not None:
                    result.latencies_s.append(emitted - captured)
                result.events.append(ev)
            elif provisional:
                result.provisional += 1
            elif rec["type"] == "withdrawn":
                result.withdrawn += 1
            if fh is not None:
                fh.write(json.dumps(rec) + "\n")
            if on_event is not None:
                on_event(rec)
            if self.cues is not None and rec["type"] in ("event", "withdrawn"):
                for msg in self.cues.on_event(rec):
                    done = self._clock()
                    msg = dict(msg, source=source, frame_time_s=frame_time_s, captured_wall_s=captured,
                               emitted_wall_s=done)
                    if msg["type"] == "cue" and captured is not None:
                        result.cue_latencies_s.append(done - captured)
                    if fh is not None:
                        fh.write(json.dumps(msg) + "\n")
                    if on_event is not None:
                        on_event(msg)
        return emit

    def as_call(self, result: LiveResult):
        """The finished session as a :class:`~microcue.analysis.CallAnalysis`, to keep it in the store like a
        recorded call (so ``microcue report ID`` works on a live session too)."""
        import pandas as pd

        from microcue.analysis import CallAnalysis
        from microcue.faces.participants import Participant

        signals_path = self.out_dir / "signals.parquet"
        df = pd.read_parquet(signals_path)
        people = []
        for d in result.participants.values():
            rows = df[df["participant"] == d["id"]]
            people.append(Participant(
                id=d["id"], name=d["name"], role=d["role"], track_ids=list(d["track_ids"]), position=d["position"],
                center=tuple(d["center"]), first_seen_s=float(rows["time_s"].min()) if len(rows) else 0.0,
                last_seen_s=float(rows["time_s"].max()) if len(rows) else 0.0, frames=int(len(rows)),
                median_face_px=float(rows["face_px"].median()) if len(rows) else 0.0,
                extra={"named": bool(d.get("named")), "source": d.get("source", "")}))
        summary = json.loads((self.out_dir / "summary.json").read_text(encoding="utf-8"))
        summary.setdefault("container_duration_s", float(df["time_s"].max()) if len(df) else 0.0)
        summary["frames"] = result.frames_processed
        return CallAnalysis(Path(self.name), people, summary, signals_path, self.out_dir,
                            events=list(result.events))

    def _finish(self, result: LiveResult, rows_path: Path) -> None:
        import pandas as pd

        from microcue.events import events_to_json
        from microcue.signals.schema import empty_frame

        df = pd.read_csv(rows_path) if rows_path.stat().st_size > 0 else empty_frame()
        if len(df):  # the same noise filter as analyze: a collar or a logo seen now and then is not a person
            stats = {pid: dict(frames=len(g), first_s=g["time_s"].min(), last_s=g["time_s"].max())
                     for pid, g in df.groupby("participant")}
            keep = real_tracks(stats)
            result.participants = {k: v for k, v in result.participants.items() if k in keep}
            result.events = [e for e in result.events if e.participant in keep]
            df = df[df["participant"].isin(keep)]
        (df if len(df) else empty_frame()).to_parquet(self.out_dir / "signals.parquet", index=False)
        events_to_json(result.events, self.out_dir / "events.json")
        write_json(self.out_dir / "participants.json", list(result.participants.values()))
        write_json(self.out_dir / "summary.json", dict(
            source=self.name, kind="live", frames_captured=result.frames_captured,
            frames_processed=result.frames_processed, frames_dropped=result.frames_dropped,
            sources=result.sources, ended_by=result.ended_by,
            participants=list(result.participants), events=len(result.events),
            provisional_events=result.provisional, withdrawn=result.withdrawn,
            words=dict(utterances=result.words, cues=result.word_cues, error=result.words_error,
                       chunk_lag=LiveResult._summary(self.words.transcriber.lag_s),
                       cue_engine=LiveResult._summary(self.words.poll_s)) if self.words is not None else None,
            frame_to_event_latency=result.latency_summary(), frame_latency=result.frame_latency_summary(),
            frame_to_cue_latency=result._summary(result.cue_latencies_s),
            faces_found=bool(result.participants)))
