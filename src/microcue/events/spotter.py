"""EventSpotter: expression episodes (micro / macro), brow flashes, nods, head shakes and gaze aversion from signal rows.

One participant's rows go in, in time order (a dict per row with the columns of docs/signals.md); events come out
once they are confirmed. The file path and the live path call the same object. How it works: docs/spotting.md.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from microcue.events.emfacs import ANTAGONISTS, LOWER, name_expression
from microcue.events.head import GazeAversionDetector, OscillationDetector
from microcue.events.types import ExpressionEvent

CHANNELS = ("au01", "au02", "au04", "au05", "au06", "au07", "au09", "au10", "au12", "au14", "au15", "au17",
            "au20", "au23", "au24", "au26", "au04g", "au07g")
"""AU columns whose rise can start an episode. Blink (au45), eyes closed (au43), lips apart (au25) and the
speech-shaped lip columns (au16, au18, au22, au27, au28) never do."""
SUPPORT = ("au26",)
"""Counted when naming an episode (jaw drop in surprise) but never start or hold one: speech opens the jaw."""
SIDES = ("au01_l", "au01_r", "au02_l", "au02_r", "au12_l", "au12_r", "au14_l", "au14_r")
ALIAS = {"au04g": "au04", "au07g": "au07"}
EYE = ("au05", "au06", "au07", "au07g")
"""Held at their last value while the eye is closing in a blink (a blink moves the lids, it is not an expression)."""

_ALL = CHANNELS + SIDES
_IDX = {a: i for i, a in enumerate(_ALL)}
_NCH = len(CHANNELS)
_LOWER_MASK = np.array([ALIAS.get(a, a) in LOWER for a in CHANNELS])
_EYE_IDX = [_IDX[a] for a in EYE]
_STARTS = np.array([a not in SUPPORT for a in CHANNELS])

# confidence = sigmoid(CONF_W . [1, log apex strength, n AUs moved, speech share, reliable share]); fitted on the
# spotting benchmark's tuning seeds (bench/spotting.py --calibrate), see the reliability table in docs/benchmarks.md
CONF_W = (-1.0, 1.6, 0.35, -1.0, 1.0)


class EventSpotter:
    """Spots events in one participant's signal rows, streaming.

    Args (all keyword-only; times are video seconds):
        on_factor: an AU is active when its rise above its floor exceeds ``on_factor`` x its noise level (the
            0.9-quantile of its own rise over the last ``noise_window_s`` of calm rows).
        off_ratio: hysteresis: the episode ends when every AU's rise falls under ``off_ratio`` x its threshold.
        min_activation: threshold never below this (AU scale 0..1), so a perfectly still face does not fire on noise.
        boundary_frac: onset / offset are where the episode strength crosses this fraction of its apex strength
            (linear interpolation between the two rows around the crossing; apex by a parabola through three rows).
        micro_max_s: episodes with offset - onset <= this are ``micro``, longer ones ``macro``.
        merge_gap_s: a dip shorter than this inside an episode does not end it.
        max_wait_s: the longest the spotter waits after an episode's end-of-activity for its offset to settle.
            Maximum confirmation delay = ``max(merge_gap_s, max_wait_s)`` + one frame after the reported offset.
        floor_window_s: an AU's floor (its local resting level) is its median over the last ``floor_window_s`` of
            calm rows (rows outside episodes); it is frozen during an episode, so a held expression stays one
            episode, until ``absorb_s``: rows of an episode older than that count as calm again (a face that
            stays changed for that long has a new resting level; the episode then ends, once).
        noise_window_s: window of calm rows for the noise level; ``warmup_s`` of calm rows are needed before any
            episode (again after a gap).
        speech_lo, speech_hi, speech_gain: lower-face thresholds are multiplied by up to ``1 + speech_gain`` as
            mouth_activity goes from ``speech_lo`` to ``speech_hi`` (talking needs more lower-face evidence).
        blink_level: eye AUs are held while ``blink`` (eye closure) exceeds this and for 0.15 s after; an
            episode of eye AUs only that overlaps a blink is dropped.
        min_quality, max_pose_speed_dps: rows below this quality or with head rotation faster than this are
            unreliable: they can neither start nor end an episode (values are held).
        max_gap_s: a step between rows longer than this is a gap (face not found): an open episode is dropped.
        nod_*, shake_*, gaze_*: see :class:`microcue.events.head.OscillationDetector` / ``GazeAversionDetector``.
    Latency: an expression event is returned at most ``max(merge_gap_s, max_wait_s)`` (0.5 s) plus one frame after its
        offset; nods/shakes at most ``0.7 s`` after their last swing; gaze aversion when the gaze returns (+0.2 s).
    """

    def __init__(self, participant: str = "P1", *, on_factor: float = 2.5, off_ratio: float = 0.5,
                 min_activation: float = 0.06, boundary_frac: float = 0.2, micro_max_s: float = 0.5,
                 merge_gap_s: float = 0.2, max_wait_s: float = 0.5, floor_window_s: float = 3.0,
                 absorb_s: float = 20.0,
                 noise_window_s: float = 10.0, warmup_s: float = 1.0, speech_lo: float = 0.03,
                 speech_hi: float = 0.08, speech_gain: float = 1.0, blink_level: float = 0.15,
                 min_quality: float = 0.3, max_pose_speed_dps: float = 90.0, max_gap_s: float = 0.35,
                 nod_min_deg: float = 3.0, shake_min_deg: float = 4.0, gaze_min_s: float = 1.0) -> None:
        self.participant = participant
        self.on_factor = on_factor
        self.off_ratio = off_ratio
        self.min_activation = min_activation
        self.boundary_frac = boundary_frac
        self.micro_max_s = micro_max_s
        self.merge_gap_s = merge_gap_s
        self.max_wait_s = max_wait_s
        self.floor_window_s = floor_window_s
        self.absorb_s = absorb_s
        self.noise_window_s = noise_window_s
        self.warmup_s = warmup_s
        self.speech_lo, self.speech_hi, self.speech_gain = speech_lo, speech_hi, speech_gain
        self.blink_level = blink_level
        self.min_quality = min_quality
        self.max_pose_speed_dps = max_pose_speed_dps
        self.max_gap_s = max_gap_s
        self.nod_min_deg, self.shake_min_deg, self.gaze_min_s = nod_min_deg, shake_min_deg, gaze_min_s
        self.reset()

    @property
    def max_delay_s(self) -> float:
        """Longest video time between an expression event's offset and the row that confirms it (plus one frame)."""
        return max(self.merge_gap_s, self.max_wait_s)

    def reset(self) -> None:
        """Forget everything (a new stream)."""
        self.n_events_ = 0
        self.last_t_: float | None = None
        self.last_pose_: tuple[float, float] | None = None
        self.floor_ = np.zeros(len(_ALL))
        self.x_ = np.zeros(len(_ALL))
        self.act_ = np.zeros(len(_ALL))
        self.calm_: deque[tuple[float, np.ndarray]] = deque()  # (t, AU values) of calm rows, noise_window_s
        self.thr_base_ = np.full(_NCH, self.min_activation)
        self.thr_t_ = -math.inf
        self.blink_t_ = -math.inf
        self.prev_: tuple[float, float] | None = None  # (t, S) of the previous row
        self.pre_: deque[tuple[float, float]] = deque()  # (t, S) before an episode, 1 s
        self.ep_: dict | None = None
        self.nod_ = OscillationDetector("pitch", "nod", min_deg=self.nod_min_deg, min_swings=2)
        self.shake_ = OscillationDetector("yaw", "head_shake", min_deg=self.shake_min_deg, min_swings=3)
        self.gaze_ = GazeAversionDetector(min_s=self.gaze_min_s)

    # ------------------------------------------------------------------------------------------------ public
    def update(self, row: dict) -> list[ExpressionEvent]:
        """Take the next row (time order); return the events confirmed by it (usually none)."""
        t = float(row["time_s"])
        out: list[ExpressionEvent] = []
        if self.last_t_ is not None:
            if t <= self.last_t_:
                raise ValueError(f"rows must come in time order: {t} after {self.last_t_}")
            if t - self.last_t_ > self.max_gap_s:
                out += self._gap()
        dt = 0.0 if self.last_t_ is None else t - self.last_t_
        raw = [_head_ev(e) for e in self.nod_.update(t, row.get("pitch"), dt)]
        raw += [_head_ev(e) for e in self.shake_.update(t, row.get("yaw"), dt)]
        raw += [_head_ev(e) for e in self.gaze_.update(t, row.get("on_screen"))]
        out += [self._make(**e) for e in raw]
        out += self._expression(t, dt, row)
        self.last_t_ = t
        return out

    def flush(self) -> list[ExpressionEvent]:
        """End of stream: confirm what can be confirmed (an episode still rising at the end is dropped)."""
        out = self._close(final=True)
        raw = [_head_ev(e) for e in self.nod_.flush() + self.shake_.flush() + self.gaze_.flush()]
        out += [self._make(**e) for e in raw]
        return sorted(out, key=lambda e: e.onset_s)

    # ------------------------------------------------------------------------------------------------ internals
    def _gap(self) -> list[ExpressionEvent]:
        out = self._close(final=False)
        self.nod_.gap()
        self.shake_.gap()
        out += [self._make(**_head_ev(e)) for e in self.gaze_.gap()]
        self.prev_ = None
        self.pre_.clear()
        self.last_pose_ = None
        self.calm_.clear()  # the face may come back under other light / pose: learn its level again
        self.thr_t_ = -math.inf
        return out

    def _close(self, final: bool) -> list[ExpressionEvent]:
        """Stream ends or a gap: an episode whose activity had ended is confirmed; one still active is dropped."""
        ep, self.ep_ = self.ep_, None
        if ep is None or ep["end_cross"] is None:
            return []
        if ep["offset"] is None:
            ep["offset"] = ep["end_cross"]
        return self._finish(ep)

    def _reliable(self, t: float, dt: float, row: dict) -> bool:
        q = row.get("quality", 1.0)
        ok = q is None or float(q) >= self.min_quality
        yaw, pitch = row.get("yaw"), row.get("pitch")
        if yaw is not None and pitch is not None and not (math.isnan(yaw) or math.isnan(pitch)):
            if self.last_pose_ is not None and dt > 0:
                speed = math.hypot(yaw - self.last_pose_[0], pitch - self.last_pose_[1]) / dt
                ok = ok and speed <= self.max_pose_speed_dps
            self.last_pose_ = (float(yaw), float(pitch))
        return ok

    def _activation(self, t: float, row: dict, reliable: bool) -> np.ndarray:
        """Rise of every AU above its floor (0 where it is below); held values on unreliable rows / in blinks."""
        x = np.array([_num(row.get(a)) for a in _ALL])
        blink = _num(row.get("blink"))
        if not math.isnan(blink) and blink > self.blink_level:
            self.blink_t_ = t
        if t - self.blink_t_ <= 0.15:
            x[_EYE_IDX] = np.nan  # the lids are closing or just reopened: hold the eye AUs
        if not reliable:
            return self.act_
        x = np.where(np.isnan(x), self.x_, x)
        self.x_ = x
        self.act_ = np.maximum(x - self.floor_, 0.0)
        return self.act_

    def _calm(self, t: float) -> None:
        """Add the current row to the calm window; refresh floors and thresholds every 0.25 s."""
        self.calm_.append((t, self.x_.copy()))
        while self.calm_ and self.calm_[0][0] < t - self.noise_window_s:
            self.calm_.popleft()
        if t - self.thr_t_ >= 0.25 or len(self.calm_) < 8:
            arr = np.array([v for _, v in self.calm_])
            times = np.array([u for u, _ in self.calm_])
            recent = arr[times >= t - self.floor_window_s]
            self.floor_ = np.median(recent, axis=0)
            resid = arr[:, :_NCH] - self.floor_[:_NCH]
            self.thr_base_ = np.maximum(self.min_activation, self.on_factor * np.quantile(resid, 0.9, axis=0))
            self.thr_t_ = t

    def _thresholds(self, mouth_activity: float) -> tuple[np.ndarray, float]:
        m = 0.0 if math.isnan(mouth_activity) else mouth_activity
        speech = min(max((m - self.speech_lo) / max(self.speech_hi - self.speech_lo, 1e-9), 0.0), 1.0)
        base = self.thr_base_
        return np.where(_LOWER_MASK, base * (1.0 + self.speech_gain * speech), base), speech

    @property
    def warm(self) -> bool:
        return len(self.calm_) >= 2 and self.calm_[-1][0] - self.calm_[0][0] >= self.warmup_s

    def _expression(self, t: float, dt: float, row: dict) -> list[ExpressionEvent]:
        reliable = self._reliable(t, dt, row)
        act = self._activation(t, row, reliable)
        thr, speech = self._thresholds(_num(row.get("mouth_activity")))
        z = act[:_NCH] / thr
        s = float(z[_STARTS].max())
        out: list[ExpressionEvent] = []
        ep = self.ep_
        if ep is None:
            if reliable and s >= 1.0 and self.warm and self.prev_ is not None:
                self.ep_ = ep = dict(pre=list(self.pre_) + [self.prev_], rise=[(t, s)], apex=(t, s),
                                     apex3=[self.prev_, (t, s), None], zmax=z.copy(), side=act[_NCH:].copy(),
                                     end_cross=None, offset=None, last=(t, s), speech=speech * dt,
                                     reliable=dt, dur=dt, antag=set(), apex_z=z.copy(), apex_act=act[:_NCH].copy(),
                                     blink=t - self.blink_t_ <= 0.3)
            else:
                if reliable:
                    self._calm(t)
                self.pre_.append((t, s))
                while self.pre_ and self.pre_[0][0] < t - 1.0:
                    self.pre_.popleft()
            self.prev_ = (t, s)
            return out
        if reliable and t - ep["rise"][0][0] > self.absorb_s:
            self._calm(t)  # held for so long that it is the new resting face
        # inside an episode
        ep["dur"] += dt
        if t - self.blink_t_ <= 0.15:
            ep["blink"] = True
        ep["speech"] += speech * dt
        ep["reliable"] += dt if reliable else 0.0
        if ep["apex3"][2] is None and ep["apex3"][1][0] < t:
            ep["apex3"][2] = (t, s)
        if s > ep["apex"][1] and reliable:
            ep["apex"] = (t, s)
            ep["apex3"] = [self.prev_, (t, s), None]
            ep["apex_z"] = z.copy()
            ep["apex_act"] = act[:_NCH].copy()
            ep["antag"] = set()
        if t - ep["rise"][0][0] <= 2.0:
            ep["rise"].append((t, s))
        if reliable:
            ep["zmax"] = np.maximum(ep["zmax"], z)
            ep["side"] = np.maximum(ep["side"], act[_NCH:])
            if ep["apex"][0] < t:  # falling phase: watch for a counter-movement
                for i, a in enumerate(CHANNELS):
                    if z[i] >= 1.0 and ep["apex_z"][i] < 0.3:
                        main = [CHANNELS.index(m) for m, ants in ANTAGONISTS.items() if ALIAS.get(a, a) in ants]
                        if any(ep["apex_z"][m] >= 1.0 and z[m] < 0.5 * ep["apex_z"][m] for m in main):
                            ep["antag"].add(ALIAS.get(a, a))
        level = max(self.boundary_frac * ep["apex"][1], 0.25)
        end_level = max(self.off_ratio, level)
        prev_t, prev_s = self.prev_ if self.prev_ is not None else (t, s)
        if ep["end_cross"] is None:
            if s < end_level:
                ep["end_cross"] = _cross(prev_t, prev_s, t, s, end_level)
                if s < level:
                    ep["offset"] = _cross(prev_t, prev_s, t, s, level)
        else:
            if s >= 1.0 and reliable:  # activity resumed: same episode
                ep["end_cross"] = None
                ep["offset"] = None
            elif ep["offset"] is None and s < level:
                ep["offset"] = _cross(prev_t, prev_s, t, s, level)
        self.prev_ = (t, s)
        ec = ep["end_cross"]
        if ec is not None:
            if ep["offset"] is not None and t >= ep["offset"] + self.merge_gap_s and t >= ec + self.merge_gap_s:
                out.extend(self._finish(ep))
                self.ep_ = None
            elif t >= ec + self.max_wait_s:
                if ep["offset"] is None:
                    ep["offset"] = ec
                out.extend(self._finish(ep))
                self.ep_ = None
            if self.ep_ is None:
                self.pre_.clear()
                self.pre_.append((t, s))
        return out

    def _finish(self, ep: dict) -> list[ExpressionEvent]:
        apex_t, apex_s = _parabolic(ep["apex3"], ep["apex"])
        level = max(self.boundary_frac * ep["apex"][1], 0.25)
        seq = ep["pre"] + ep["rise"]
        k0 = len(ep["pre"])
        onset = seq[0][0]
        if seq[k0][1] >= level:
            j = k0
            while j > 0 and seq[j - 1][1] >= level:
                j -= 1
            if j > 0:
                onset = _cross(seq[j - 1][0], seq[j - 1][1], seq[j][0], seq[j][1], level)
        else:
            j = k0
            while j < len(seq) - 1 and seq[j][1] < level:
                j += 1
            onset = _cross(seq[j - 1][0], seq[j - 1][1], seq[j][0], seq[j][1], level) if j > 0 else seq[j][0]
        offset = float(ep["offset"])
        apex_t = min(max(apex_t, onset), offset)
        onset = min(onset, apex_t)
        moved = {}
        for i, a in enumerate(CHANNELS):
            name = ALIAS.get(a, a)
            if ep["zmax"][i] >= 0.6:
                moved[name] = max(moved.get(name, 0.0), float(ep["zmax"][i]))
        side = dict(zip(SIDES, ep["side"]))
        lat = {}
        for a in ("au01", "au02", "au12", "au14"):
            left, right = side[f"{a}_l"], side[f"{a}_r"]
            asym = (left - right) / (left + right + 1e-6)
            lat[a] = "left" if asym > 0.5 else "right" if asym < -0.5 else "both"
        if ep["blink"] and set(moved) <= {"au05", "au06", "au07"}:
            return []  # the lids around a blink
        if ep["reliable"] / max(ep["dur"], 1e-9) < 0.5:
            return []  # seen mostly through unreliable rows (head turn, poor tracking)
        emotion, flags = name_expression(moved, lat)
        flags = list(flags)
        if ep["antag"]:
            flags.append("suppressed")
        speech_share = ep["speech"] / max(ep["dur"], 1e-9)
        reliable_share = ep["reliable"] / max(ep["dur"], 1e-9)
        if speech_share > 0.5:
            flags.append("speech")
        if reliable_share < 0.8:
            flags.append("low_quality")
        sided = [a for a in sorted(moved, key=lambda a: -moved[a]) if a in lat]
        laterality = lat[sided[0]] if sided else ("both" if moved else None)
        feats = (1.0, math.log(max(apex_s, 1e-3)), min(len(moved), 5), speech_share, reliable_share)
        conf = 1.0 / (1.0 + math.exp(-sum(w * f for w, f in zip(CONF_W, feats))))
        aus = tuple(sorted(moved, key=lambda a: -moved[a]))
        kind = "micro" if offset - onset <= self.micro_max_s else "macro"
        intensity = float(ep["apex_act"].max())
        ev = [dict(kind=kind, onset_s=onset, apex_s=apex_t, offset_s=offset, emotion=emotion,
                   confidence=round(conf, 3), aus=aus, intensity=round(intensity, 4), laterality=laterality,
                   flags=tuple(flags))]
        up = {"au01", "au02"} <= set(moved) and not (set(moved) & set(LOWER)) and 0.15 <= offset - onset <= 1.0
        if up:
            ev.append(dict(kind="brow_flash", onset_s=onset, apex_s=apex_t, offset_s=offset, emotion=None,
                           confidence=round(conf, 3), aus=("au01", "au02"), intensity=round(intensity, 4),
                           laterality=lat["au02"], flags=()))
        return [self._make(**e) for e in ev]

    def _make(self, **kw) -> ExpressionEvent:
        self.n_events_ += 1
        return ExpressionEvent(id=f"{self.participant}-e{self.n_events_:04d}", participant=self.participant, **kw)


def _head_ev(e: dict) -> dict:
    return dict(kind=e["kind"], onset_s=e["onset_s"], apex_s=e["apex_s"], offset_s=e["offset_s"], emotion=None,
                confidence=e["confidence"], aus=e["aus"], intensity=e["intensity"], laterality=None, flags=())


def _num(v) -> float:
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _cross(t0: float, s0: float, t1: float, s1: float, level: float) -> float:
    """Time where the line through (t0, s0), (t1, s1) crosses ``level`` (clamped to [t0, t1])."""
    if s1 == s0:
        return t1
    f = (level - s0) / (s1 - s0)
    return float(t0 + min(max(f, 0.0), 1.0) * (t1 - t0))


def _parabolic(three, apex) -> tuple[float, float]:
    """Apex time and value from a parabola through the peak row and its neighbours (non-uniform times)."""
    a, b, c = three
    if a is None or c is None:
        return apex
    (t0, y0), (t1, y1), (t2, y2) = a, b, c
    den = (t0 - t1) * (t0 - t2) * (t1 - t2)
    if den == 0:
        return apex
    A = (t2 * (y1 - y0) + t1 * (y0 - y2) + t0 * (y2 - y1)) / den
    B = (t2 * t2 * (y0 - y1) + t1 * t1 * (y2 - y0) + t0 * t0 * (y1 - y2)) / den
    if A >= 0:
        return apex
    tv = -B / (2 * A)
    if not (t0 <= tv <= t2):
        return apex
    C = y1 - A * t1 * t1 - B * t1
    return float(tv), float(A * tv * tv + B * tv + C)
