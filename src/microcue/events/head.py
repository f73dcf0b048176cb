"""Nods, head shakes (pose oscillation) and gaze-aversion episodes, streaming. Used by EventSpotter.

Each detector takes one value per row and returns plain dicts (EventSpotter turns them into ExpressionEvents).
"""

from __future__ import annotations

import itertools
import math


class OscillationDetector:
    """Back-and-forth swings of one pose angle: a nod (pitch) or a head shake (yaw).

    A zig-zag filter confirms a turning point once the angle has come back ``min_deg`` from its running extreme.
    A run of at least ``min_swings`` swings (each >= ``min_deg`` and at most ``max_swing_s`` long) is one event,
    reported when no further swing comes within ``max_swing_s`` (latency <= ``max_swing_s`` after the last swing).

    Args:
        axis: name for ``aus`` ("pitch" or "yaw").  kind: "nod" or "head_shake".
        min_deg: smallest swing in degrees.  min_swings: swings needed (2 = down and back up).
        max_swing_s: longest swing (a slow turn is not a nod).
    """

    def __init__(self, axis: str, kind: str, *, min_deg: float = 3.0, min_swings: int = 2,
                 max_swing_s: float = 0.7) -> None:
        self.axis, self.kind = axis, kind
        self.min_deg, self.min_swings, self.max_swing_s = min_deg, min_swings, max_swing_s
        self.gap()

    def gap(self) -> None:
        """No data: forget the current run (an oscillation is not bridged across a gap)."""
        self.dir_ = 0  # +1 rising, -1 falling, 0 unknown
        self.ext_: tuple[float, float] | None = None  # running extreme (t, angle)
        self.turns_: list[tuple[float, float]] = []  # confirmed turning points of the current run (bounded below)

    def update(self, t: float, angle, dt: float) -> list[dict]:
        if angle is None or (isinstance(angle, float) and math.isnan(angle)):
            return []
        a = float(angle)
        out: list[dict] = []
        if self.ext_ is None:
            self.ext_ = (t, a)
            return out
        et, ea = self.ext_
        if self.dir_ == 0:  # at rest: the rest position is the first turning point once the angle moves enough
            if abs(a - ea) >= self.min_deg:
                self.dir_ = 1 if a > ea else -1
                out += self._turn((et, ea))
                self.ext_ = (t, a)
            elif t - et > self.max_swing_s:
                self.ext_ = (t, a)  # a slow drift: move the rest position along
        elif self.dir_ > 0 and a > ea or self.dir_ < 0 and a < ea:
            self.ext_ = (t, a)  # extending the current leg
        elif abs(a - ea) >= self.min_deg:  # retraced enough: the extreme is a turning point
            self.dir_ = -self.dir_
            out += self._turn((et, ea))
            self.ext_ = (t, a)
        if self.turns_ and t - self.turns_[-1][0] > self.max_swing_s:
            out += self._end(t)
        return out

    def _turn(self, p: tuple[float, float]) -> list[dict]:
        out: list[dict] = []
        if self.turns_:
            lt, la = self.turns_[-1]
            if p[0] - lt > self.max_swing_s or abs(p[1] - la) < self.min_deg:
                out += self._end(p[0])
        self.turns_.append(p)
        del self.turns_[:-12]
        return out

    def _end(self, t: float) -> list[dict]:
        turns, self.turns_ = self.turns_, []
        self.dir_ = 0
        # the final leg (last turning point -> current extreme) counts if it swung far enough
        if self.ext_ is not None and turns and abs(self.ext_[1] - turns[-1][1]) >= self.min_deg \
                and self.ext_[0] - turns[-1][0] <= self.max_swing_s:
            turns = turns + [self.ext_]
        swings = len(turns) - 1
        if swings < self.min_swings:
            return []
        amps = [abs(b[1] - a[1]) for a, b in itertools.pairwise(turns)]
        k = max(range(len(amps)), key=lambda i: amps[i])
        amp = max(amps)
        conf = min(0.95, 0.5 + 0.05 * (amp - self.min_deg) + 0.1 * (swings - self.min_swings))
        return [{"kind": self.kind, "onset_s": turns[0][0], "apex_s": turns[k + 1][0], "offset_s": turns[-1][0],
                     "confidence": round(conf, 3), "aus": (self.axis,), "intensity": round(amp, 2)}]

    def flush(self) -> list[dict]:
        out = self._end(math.inf) if self.turns_ else []
        self.gap()
        return out


class GazeAversionDetector:
    """The gaze away from the screen (``on_screen`` false) for at least ``min_s``; blips under ``tolerance_s`` on
    screen do not split an episode. Reported when the gaze returns (+ ``tolerance_s``), at a gap or at the end."""

    def __init__(self, *, min_s: float = 1.0, tolerance_s: float = 0.2) -> None:
        self.min_s, self.tolerance_s = min_s, tolerance_s
        self.start_: float | None = None
        self.last_off_: float | None = None

    def update(self, t: float, on_screen) -> list[dict]:
        if on_screen is None:
            return []
        if not bool(on_screen):
            if self.start_ is None:
                self.start_ = t
            self.last_off_ = t
            return []
        if self.start_ is not None and t - self.last_off_ > self.tolerance_s:
            return self._emit(t)
        return []

    def _emit(self, end: float) -> list[dict]:
        start, last = self.start_, self.last_off_
        self.start_ = self.last_off_ = None
        if start is None or last - start < self.min_s:
            return []
        dur = last - start
        return [{"kind": "gaze_aversion", "onset_s": start, "apex_s": (start + last) / 2, "offset_s": last,
                     "confidence": round(min(0.95, 0.6 + 0.1 * (dur - self.min_s)), 3), "aus": (),
                     "intensity": round(dur, 3)}]

    def gap(self) -> list[dict]:
        return self._emit(math.inf)

    def flush(self) -> list[dict]:
        return self._emit(math.inf)
