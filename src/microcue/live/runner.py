"""The live runner: frames as they happen through the same stages as ``analyze``, in bounded memory.

A capture thread reads the source into a bounded queue; when processing falls behind, the oldest waiting
frame is dropped (and counted), never memory. The main thread runs FaceStage -> SignalStage -> one
EventSpotter per participant, the very objects ``analyze`` uses. Every event is written to ``--events-out``
(JSON lines) the moment it is emitted, with the frame's capture time and the emission time (both wall-clock
``time.time()`` seconds) so latency can be checked from outside. Signal rows are appended to a CSV file that is
flushed every ``flush_every_s`` seconds, so a killed session keeps all but its last seconds; a session that ends
normally (source over, Ctrl-C, camera unplugged) also gets signals.parquet, events.json, participants.json and
summary.json like ``analyze``.
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

from microcue.faces.participants import RoleSpec, _anchor, _track_number, position_name, real_tracks
from microcue.io.sink import ensure_writable_dir, write_json


@dataclass
class LiveResult:
    frames_captured: int = 0
    frames_processed: int = 0
    frames_dropped: int = 0
    events: list = field(default_factory=list)
    latencies_s: list = field(default_factory=list)
    frame_latencies_s: deque = field(default_factory=lambda: deque(maxlen=100_000))
    """Capture -> processed, per frame (the last 100k frames: bounded)."""
    participants: dict = field(default_factory=dict)
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


class _LiveParticipants:
    """Track ids -> P1, P2, ... in order of first appearance, with roles from ``--role`` by screen position."""

    def __init__(self, roles: list[RoleSpec]) -> None:
        self.roles = roles
        self.by_track: dict[int, dict] = {}
        self._taken: set[int] = set()

    def get(self, track_id: int, face_x: float, face_y: float) -> dict:
        p = self.by_track.get(track_id)
        if p is None:
            pid = f"P{len(self.by_track) + 1}"
            p = dict(id=pid, name=f"Person {len(self.by_track) + 1}", role="unknown" if not self.roles else "other",
                     track_ids=[track_id], position=position_name(face_x, face_y), center=(face_x, face_y))
            for k, spec in enumerate(self.roles):
                if k in self._taken:
                    continue
                n = _track_number(spec.where)
                if (n is not None and n == track_id) or (n is None and _near(spec.where, face_x, face_y)):
                    p["role"], p["name"] = spec.role, spec.name or p["name"]
                    self._taken.add(k)
                    break
            self.by_track[track_id] = p
        return p


def _near(where: str, x: float, y: float) -> bool:
    """Whether a face at (x, y) sits where a position word points (live: no other faces to compare with)."""
    ax, ay = _anchor(where)
    return (ax is None or abs(x - ax) <= 0.5) and (ay is None or abs(y - ay) <= 0.5)


class LiveRunner:
    """Run a live source through the engine. See the module docstring.

    Args:
        queue_size: frames that may wait for processing; beyond it the oldest waiting frame is dropped.
        flush_every_s: how often the signal CSV and the events file are flushed to disk.
    """

    def __init__(self, source, *, out_dir: str | Path, roles=(), events_out: str | Path | None = None,
                 queue_size: int = 3, flush_every_s: float = 2.0, clock=time.time) -> None:
        self.source = source
        self.out_dir = ensure_writable_dir(out_dir)
        self.roles = [r if isinstance(r, RoleSpec) else RoleSpec.parse(r) for r in roles]
        self.events_out = Path(events_out) if events_out is not None else None
        self.queue_size = queue_size
        self.flush_every_s = flush_every_s
        self._clock = clock
        self._queue: deque = deque()
        self._cond = threading.Condition()
        self._done = False
        self._error: BaseException | None = None

    def _capture(self, result: LiveResult) -> None:
        try:
            for frame, captured in self.source:
                with self._cond:
                    if len(self._queue) >= self.queue_size:
                        self._queue.popleft()
                        result.frames_dropped += 1
                    self._queue.append((frame, captured))
                    result.frames_captured += 1
                    self._cond.notify()
        except BaseException as exc:  # handed to the main thread
            self._error = exc
        finally:
            with self._cond:
                self._done = True
                self._cond.notify()

    def run(self, *, on_event=None, on_row=None) -> LiveResult:
        """Process until the source ends or Ctrl-C; returns counts, events and latencies.

        ``on_event(record)`` gets every event record as it is emitted; ``on_row(row, participant)`` every
        signal row (with ``participant`` the live participant dict: id, name, role).
        """
        from microcue.events import EventSpotter
        from microcue.faces.stage import FaceStage
        from microcue.signals.schema import columns
        from microcue.signals.stage import SignalStage

        result = LiveResult(out_dir=self.out_dir)
        faces, signals = FaceStage(), SignalStage()
        people = _LiveParticipants(self.roles)
        spotters: dict[str, EventSpotter] = {}
        cols = columns()
        rows_path = self.out_dir / "signals.live.csv"
        events_fh = open(self.events_out, "w", encoding="utf-8") if self.events_out else None  # noqa: SIM115
        rows_fh = open(rows_path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        writer = csv.DictWriter(rows_fh, fieldnames=cols)
        writer.writeheader()
        faces.warm_up()  # load the models before frames start arriving, or the first second is dropped
        last_flush = self._clock()
        thread = threading.Thread(target=self._capture, args=(result,), name="microcue-capture", daemon=True)
        thread.start()
        try:
            while True:
                with self._cond:
                    while not self._queue and not self._done:
                        self._cond.wait(timeout=0.5)
                    if not self._queue and self._done:
                        break
                    frame, captured = self._queue.popleft()
                obs = faces.update(frame)
                for row in signals.update(frame.pts_s, frame.index, obs, frame.size):
                    p = people.get(row["track_id"], row["face_x"], row["face_y"])
                    row["participant"] = p["id"]
                    writer.writerow({c: row[c] for c in cols})
                    if on_row is not None:
                        on_row(row, p)
                    spotter = spotters.setdefault(p["id"], EventSpotter(p["id"]))
                    for ev in spotter.update(row):
                        self._emit(ev, frame.pts_s, captured, events_fh, result, on_event)
                result.frames_processed += 1
                result.frame_latencies_s.append(self._clock() - captured)
                if self._clock() - last_flush >= self.flush_every_s:
                    rows_fh.flush()
                    if events_fh:
                        events_fh.flush()
                    last_flush = self._clock()
        except KeyboardInterrupt:
            pass
        finally:
            for spotter in spotters.values():
                for ev in spotter.flush():
                    self._emit(ev, None, None, events_fh, result, on_event)
            rows_fh.close()
            if events_fh:
                events_fh.close()
            faces.close()
            result.participants = {p["id"]: p for p in people.by_track.values()}
            self._finish(result, rows_path)
        if self._error is not None and not isinstance(self._error, KeyboardInterrupt):
            raise self._error
        return result

    def _emit(self, ev, frame_time_s, captured, fh, result: LiveResult, on_event) -> None:
        emitted = self._clock()
        rec = dict(type="event", **ev.to_dict(), frame_time_s=frame_time_s, captured_wall_s=captured,
                   emitted_wall_s=emitted)
        if captured is not None:
            result.latencies_s.append(emitted - captured)
        result.events.append(ev)
        if fh is not None:
            fh.write(json.dumps(rec) + "\n")
        if on_event is not None:
            on_event(rec)

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
                extra={"named": bool(d.get("named"))}))
        summary = json.loads((self.out_dir / "summary.json").read_text(encoding="utf-8"))
        summary.setdefault("container_duration_s", float(df["time_s"].max()) if len(df) else 0.0)
        summary["frames"] = result.frames_processed
        return CallAnalysis(Path(str(getattr(self.source, "name", "live"))), people, summary, signals_path,
                            self.out_dir, events=list(result.events))

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
            source=getattr(self.source, "name", "live"), kind="live", frames_captured=result.frames_captured,
            frames_processed=result.frames_processed, frames_dropped=result.frames_dropped,
            participants=list(result.participants), events=len(result.events),
            frame_to_event_latency=result.latency_summary(), frame_latency=result.frame_latency_summary(),
            faces_found=bool(result.participants)))
